//! The live session's clock (issue 15): posts the time signals in a running
//! session's thread, ends a session nobody ended 15 minutes after its
//! scheduled end, and posts a summary a restart left unposted. What is due
//! is decided by `app::session_clock`; this job carries it out through the
//! chat port and records each post under its key.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::session_clock::{Due, due};
use crate::app::session_end::{end_session, post_summary};
use crate::app::state::{AppState, Change};
use crate::chat::ChatPort;

const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
const WATCHES: &[Change] = &[Change::Agenda, Change::Schedule, Change::Import];

pub(crate) async fn run<C: ChatPort>(
    state: Arc<AppState>,
    chat: Arc<C>,
    stop: watch::Receiver<bool>,
) {
    let job = (state.clone(), chat);
    super::repeat(
        &state,
        WATCHES,
        stop,
        "the live session's clock",
        move || {
            let (state, chat) = job.clone();
            async move { tick(&state, chat.as_ref()).await }
        },
    )
    .await;
}

/// Carries out what is due for every meeting; returns how long to sleep.
pub(crate) async fn tick<C: ChatPort>(state: &AppState, chat: &C) -> anyhow::Result<Duration> {
    let now = state.clock.now();
    let mut next = MAX_SLEEP;
    for meeting in &state.config.meetings {
        let channel = state.channel_of(meeting);
        let (due, wake) = state
            .with_use_case(meeting, |uc| due(uc, channel))
            .map_err(|e| anyhow::anyhow!(e.0))?;
        if let Some(wait) = wake.and_then(|t| (t - now).to_std().ok()) {
            next = next.min(wait);
        }
        for item in due {
            match item {
                Due::Signal {
                    target,
                    message,
                    key,
                } => {
                    chat.post_once(target, &message, key.as_str()).await?;
                    state.log.record_post(&key, &now.to_rfc3339())?;
                    tracing::info!("live session: posted {}", key.as_str());
                }
                Due::End(date) => {
                    end_session(state, chat, meeting, date)
                        .await
                        .map_err(|e| anyhow::anyhow!(e.0))?;
                    tracing::info!("live session: {} {date} ended by itself", meeting.id);
                }
                Due::PostSummary(date) => {
                    post_summary(state, chat, meeting, date)
                        .await
                        .map_err(|e| anyhow::anyhow!(e.0))?;
                    tracing::info!("live session: posted the summary of {} {date}", meeting.id);
                }
            }
        }
    }
    Ok(next.max(Duration::from_millis(200)))
}
