//! A session's live state while it runs in its thread: where its messages
//! go, which part of the run-of-show it is in, the minutes added and the
//! learnings noted. The store keeps it as one fact per session.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveSession {
    /// Where the session's messages go: the thread, or the channel when
    /// Discord refused the thread.
    pub target: u64,
    pub thread: Option<u64>,
    /// 0 is the opening, 1..=items the items, items + 1 the closing.
    pub current: usize,
    /// Minutes added per item (index 0 is the first item).
    pub extensions: Vec<u32>,
    /// Learnings recorded during the session, with the part they belong to.
    #[serde(default)]
    pub learnings: Vec<(usize, String)>,
    pub ended: bool,
    /// The agenda items of the run-of-show as posted, by id: the plan stays
    /// the one people saw, while items are marked covered or carried over.
    #[serde(default)]
    pub items: Vec<String>,
}
