//! The Discord adapter: the bot (slash commands, buttons, modals) and the
//! chat port the daemon's jobs post through. It translates; it decides nothing.

mod action_buttons;
mod action_commands;
pub(crate) mod bot;
pub(crate) mod chat;
mod client;
mod commands;
mod context;
pub(crate) mod doctor;
pub(crate) mod permissions;
mod rotation_commands;
mod session;

pub(crate) use client::log_filter;
