//! End-to-end tests: the real binary, driven through its command line, on fresh state.

mod calendar_sync;
mod config_errors;
mod daemon;
mod discord_bot;
mod fake_discord;
mod fake_google;
mod google_adapter;
mod helpers;
mod keep_alive;
mod plan;
mod search;
mod session_log;
mod stats;
mod suggest_slot;
