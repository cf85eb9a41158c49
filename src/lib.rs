//! weekly-postmortem keeps a weekly, blameless postmortem meeting alive.
//!
//! A map of the crate:
//! - [`domain`]: pure rules: the weekly schedule, Japanese holidays. No I/O and
//!   no clock: "now" is always a parameter.
//! - [`config`]: the TOML file (a contract), parsed with line-accurate errors.
//! - [`clock`]: the one place that reads the time.
//! - [`app`]: use cases, and the one application state the bot, the HTTP
//!   handlers and the daemon's jobs share.
//! - [`store`]: the session log on disk (sled) behind the [`store::SessionLog`] port.
//! - [`interchange`]: the `weekly-postmortem/v1` JSON format and CSV import.
//! - [`calendar`]: Google Calendar (adapter and reconciler).
//! - `chat`: the chat port the jobs post through; `discord` implements it.
//! - `daemon`: `run`, the composition root: the HTTP endpoint and the jobs.
//! - [`cli`]: the command line, its exit codes and its output formats.
//! - [`messages`]: the typed catalogue of every text people read, in ja and en.
//! - `heavy_work`: imports and charts on a thread of lower CPU priority.
//! - `bounded_file`: the one reader of files a user names (config, import, secrets): regular, capped.
//! - [`secret_file`]: secret files (bot token, Google keys) through it.
//! - `secret_token`: random tokens in private files (the API token, the calendar feed's);
//!   `feed_address`: the calendar feed's secret URL.
//! - `trackers`: the issue trackers (GitHub, Backlog, Jira) that close prevention
//!   actions, behind the `IssueTracker` port.

pub mod app;
pub(crate) mod atomic_file;
pub(crate) mod bounded_file;
pub mod calendar;
pub(crate) mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub(crate) mod daemon;
pub(crate) mod discord;
pub(crate) mod doctor_report;
pub mod domain;
pub(crate) mod feed_address;
pub(crate) mod heavy_work;
pub(crate) mod holiday_refresh;
pub(crate) mod https_client;
pub(crate) mod ics;
pub mod interchange;
pub(crate) mod listen_address;
pub(crate) mod logging;
pub mod messages;
pub(crate) mod secret_file;
pub(crate) mod secret_token;
pub(crate) mod stats_chart;
pub mod store;
pub(crate) mod trackers;
