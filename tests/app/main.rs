//! End-to-end tests: the real binary, driven through its command line, on fresh state.

mod calendar_feed;
mod calendar_sync;
mod closures;
mod config_errors;
mod daemon;
mod discord_bot;
mod endpoint;
mod fake_discord;
mod fake_google;
mod footprint;
mod fuzz;
mod google_adapter;
mod hardening;
mod helpers;
mod holiday_refresh;
mod import_validation;
mod keep_alive;
mod people;
mod plan;
mod read_only;
mod schedule_numbers;
mod search;
mod session_log;
mod stats;
mod store_health;
mod suggest_slot;
