//! weekly-postmortem keeps a weekly, blameless postmortem meeting alive.
//!
//! A map of the crate:
//! - [`domain`]: pure rules: the weekly schedule, Japanese holidays. No I/O and
//!   no clock: "now" is always a parameter.
//! - [`config`]: the TOML file (a contract), parsed with line-accurate errors.
//! - [`clock`]: the one place that reads the time.
//! - [`store`]: the session log on disk (sled) behind the [`store::SessionLog`] port.
//! - [`interchange`]: the `weekly-postmortem/v1` JSON format and CSV import.
//! - [`daemon`]: `run`: background jobs and the local HTTP endpoint.
//! - [`cli`]: the command line, its exit codes and its output formats.
//! - [`secret_file`]: the one reader of secret files (bot token, Google keys), size-capped.

pub mod app;
pub mod atomic_file;
pub mod calendar;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod discord;
pub mod domain;
pub mod holiday_refresh;
pub mod ics;
pub mod interchange;
pub mod logging;
pub mod secret_file;
pub mod stats_chart;
pub mod store;
