//! Pure rules of the meeting. Nothing here does I/O or reads the clock.

pub mod actions;
pub mod date_bounds;
pub mod date_input;
pub mod fallback;
pub mod history;
pub mod holidays;
pub mod incidents;
pub mod language;
pub mod live_session;
pub mod log;
pub mod people;
pub mod reminders;
pub mod rotation;
pub mod run_of_show;
pub mod schedule;
pub mod slots;
pub mod stats;
pub mod tracker_links;
