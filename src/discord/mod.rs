//! Discord: the bot (slash commands, buttons, modals), reminders and scheduled events.

pub mod bot;
pub mod client;
pub mod commands;
pub mod presence;
pub mod reminders;
pub mod scheduled_events;
