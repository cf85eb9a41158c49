//! The daemon's background jobs. Each one reads the application state,
//! decides purely what should happen, and carries it out through a port
//! (chat, calendar) or the store, recording what it did so it never does it twice.

pub(crate) mod action_reminders;
pub(crate) mod backup;
pub(crate) mod calendar;
pub(crate) mod keep_alive;
pub(crate) mod live_session;
pub(crate) mod log_summary;
pub(crate) mod presence;
pub(crate) mod reminders;
pub(crate) mod scheduled_events;
pub(crate) mod store_health;
pub(crate) mod trackers;

use std::time::Duration;

use tokio::sync::watch;

use crate::app::state::ChangeWatch;

/// Waits for `pause`, a change the job watches, or shutdown; false means shut down.
/// Every background job sleeps here between its runs, so none busy-loops.
pub(crate) async fn pause(
    pause: Duration,
    changes: &mut ChangeWatch,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => true,
        _ = changes.changed() => true,
        _ = stop.wait_for(|s| *s) => false,
    }
}

/// A job's loop: runs `tick`, then waits for the pause it asked for (a minute
/// after a failure, which is logged as `what` failing), a change it watches
/// or shutdown.
pub(crate) async fn repeat<Tick>(
    state: &crate::app::state::AppState,
    watches: &'static [crate::app::state::Change],
    mut stop: watch::Receiver<bool>,
    what: &'static str,
    mut tick: impl FnMut() -> Tick,
) where
    Tick: Future<Output = anyhow::Result<Duration>>,
{
    let mut changes = state.watch_changes(watches);
    loop {
        let sleep = match tick().await {
            Ok(sleep) => sleep,
            Err(e) => {
                tracing::warn!("{what} failed, retrying in a minute: {e:#}");
                Duration::from_secs(60)
            }
        };
        if !pause(sleep, &mut changes, &mut stop).await {
            return;
        }
    }
}

/// A recording chat port for the jobs' unit tests.
#[cfg(test)]
pub(crate) mod recording_chat {
    use std::sync::Mutex;

    use crate::chat::{ChatMessage, ChatPort, EventAction, ExistingEvent};

    #[derive(Default)]
    pub(crate) struct RecordingChat {
        pub posts: Mutex<Vec<(u64, ChatMessage, String)>>,
        /// Direct messages: (user, message, key).
        pub directs: Mutex<Vec<(u64, ChatMessage, String)>>,
        pub head_count: Option<u32>,
        pub events: Mutex<Vec<ExistingEvent>>,
        pub actions: Mutex<Vec<EventAction>>,
        pub fail_posts: bool,
    }

    impl ChatPort for RecordingChat {
        async fn post_once(
            &self,
            channel: u64,
            message: &ChatMessage,
            key: &str,
        ) -> anyhow::Result<u64> {
            if self.fail_posts {
                anyhow::bail!("the chat service is down");
            }
            let mut posts = self.posts.lock().unwrap();
            posts.push((channel, message.clone(), key.to_string()));
            Ok(1000 + posts.len() as u64)
        }

        async fn post_direct(
            &self,
            user: u64,
            message: &ChatMessage,
            key: &str,
        ) -> anyhow::Result<u64> {
            if self.fail_posts {
                anyhow::bail!("the chat service is down");
            }
            let mut directs = self.directs.lock().unwrap();
            directs.push((user, message.clone(), key.to_string()));
            Ok(2000 + directs.len() as u64)
        }

        async fn create_thread(
            &self,
            _channel: u64,
            message: u64,
            _name: &str,
        ) -> anyhow::Result<u64> {
            Ok(message + 1)
        }

        fn voice_head_count(&self, _voice_channel: u64) -> Option<u32> {
            self.head_count
        }

        async fn scheduled_events(&self) -> anyhow::Result<Vec<ExistingEvent>> {
            Ok(self.events.lock().unwrap().clone())
        }

        async fn apply_event(&self, action: &EventAction) -> anyhow::Result<Option<u64>> {
            let mut actions = self.actions.lock().unwrap();
            actions.push(action.clone());
            Ok(matches!(action, EventAction::Create(_)).then_some(5000 + actions.len() as u64))
        }
    }
}
