//! What the endpoint's handlers share (the HTTP API's and the web pages'
//! alike), and the search filters both take: neither side imports the other
//! for them.

use std::sync::Arc;

use crate::app::state::AppState;
use crate::calendar::google::GoogleCalendar;
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::endpoint::Endpoint as Refusal;

/// What the handlers share: the application state, the API token and the
/// calendar client (for `sync` through the daemon).
pub(crate) struct Endpoint {
    pub state: Arc<AppState>,
    /// Bearer token for the local write API; readable only by the service's user.
    pub api_token: String,
    pub calendar: Option<Arc<GoogleCalendar>>,
    /// What `/stats` has drawn, kept while the log stays the same.
    pub stats: super::stats_cache::StatsCache,
    /// One import at a time: each holds a staged file and the parsed document.
    pub import_turns: super::http::import_turns::ImportTurns,
}

/// `history`'s filters, as the CLI sends them (and the web's search form).
#[derive(serde::Deserialize, Default)]
pub(crate) struct SearchParams {
    pub(crate) q: Option<String>,
    pub(crate) meeting: Option<String>,
    pub(crate) since: Option<String>,
    pub(crate) until: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) tag: Option<String>,
    pub(crate) team: Option<String>,
    #[serde(default)]
    pub(crate) limit: usize,
}

impl SearchParams {
    /// The store's query, or what to fix, said in `language`.
    pub(crate) fn query(self, language: Language) -> Result<crate::domain::history::Query, String> {
        use crate::domain::history::{Query, RecordKind};
        let date = |name: &str, text: Option<String>| match text {
            None => Ok(None),
            Some(t) => t
                .parse::<chrono::NaiveDate>()
                .map(Some)
                .map_err(|_| Refusal::BadDate { name, got: &t }.say(language)),
        };
        let kind = match self.kind.as_deref() {
            None => Ok(None),
            Some(code) => RecordKind::from_code(code)
                .map(Some)
                .ok_or_else(|| Refusal::BadKind { got: code }.say(language)),
        };
        Ok(Query {
            since: date("since", self.since)?,
            until: date("until", self.until)?,
            kind: kind?,
            text: self.q,
            meeting: self.meeting,
            tag: self.tag,
            team: self.team,
            limit: self.limit,
        })
    }
}
