//! End-to-end tests: the real binary, driven through its command line, on fresh state.

#![allow(
    clippy::too_many_lines,
    reason = "an end-to-end scenario reads top to bottom as a person would live it"
)]

mod actions;
mod alerts;
mod browser;
mod calendar_feed;
mod calendar_sync;
mod carry_over;
mod closures;
mod config_errors;
mod daemon;
mod date_options;
mod discord_bot;
mod endpoint;
mod fake_discord;
mod fake_google;
mod fake_trackers;
mod files_and_terminals;
mod first_hour;
mod footprint;
mod fuzz;
mod fuzz_hooks_and_outputs;
mod google_adapter;
mod hardening;
mod heartbeat_under_load;
mod helpers;
mod holiday_refresh;
mod identity;
mod import_validation;
mod keep_alive;
mod month;
mod no_english;
mod people;
mod plan;
mod read_only;
mod schedule_numbers;
mod search;
mod session;
mod session_log;
mod size_budget;
mod stats;
mod store_health;
mod suggest_slot;
mod test_config;
mod transcript;
mod web;
mod web_at_scale;
