//! Pure rules of the meeting. Nothing here does I/O or reads the clock.

pub mod history;
pub mod holidays;
pub mod invite;
pub mod language;
pub mod log;
pub mod reminders;
pub mod schedule;
