//! The Calendar API requests themselves: what each one sends, how event lists are paged and
//! freeBusy queries chunked, and the checks that keep ids and the base URL well-formed.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use google_calendar3::api::{
    Event, Events, FreeBusyRequest, FreeBusyRequestItem, FreeBusyResponse,
};
use google_calendar3::common;

use super::convert::{collect_busy, from_google_event, to_google_event};
use super::{
    BusyMap, CalendarError, EventSpec, GoogleCalendar, InsertOutcome, ListedEvent,
    MEETING_PROPERTY, SCOPE,
};

const DEFAULT_BASE_URL: &str = "https://www.googleapis.com/calendar/v3/";
/// Google's freeBusy accepts a limited number of items per query; 50 stays inside it.
const FREEBUSY_CHUNK: usize = 50;
/// A runaway pageToken loop must end; a weekly meeting never has this many pages.
const MAX_PAGES: usize = 1000;

pub(super) enum Op<'a> {
    List {
        meeting_id: &'a str,
        time_min: DateTime<Utc>,
        page_token: Option<&'a str>,
    },
    Insert(&'a EventSpec),
    Update(&'a EventSpec),
    Delete(&'a str),
    Get(&'a str),
    FreeBusy(&'a FreeBusyRequest),
}

impl Op<'_> {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Self::List { .. } => "events.list",
            Self::Insert(_) => "events.insert",
            Self::Update(_) => "events.update",
            Self::Delete(_) => "events.delete",
            Self::Get(_) => "events.get",
            Self::FreeBusy(_) => "freebusy.query",
        }
    }

    pub(super) fn event_id(&self) -> Option<&str> {
        match self {
            Self::Insert(spec) | Self::Update(spec) => Some(&spec.id),
            Self::Delete(id) | Self::Get(id) => Some(id),
            Self::List { .. } | Self::FreeBusy(_) => None,
        }
    }
}

pub(super) enum Reply {
    Page(Events),
    Inserted(InsertOutcome),
    Done,
    Event(Box<Event>),
    /// A get for an id Google does not know.
    Missing,
    FreeBusy(FreeBusyResponse),
}

pub(super) fn mismatched_reply() -> CalendarError {
    CalendarError::InvalidResponse("internal: reply does not match the request".to_string())
}

impl GoogleCalendar {
    pub(super) async fn list_pages(
        &self,
        meeting_id: &str,
        time_min: DateTime<Utc>,
    ) -> Result<Vec<ListedEvent>, CalendarError> {
        let mut listed = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let op = Op::List {
                meeting_id,
                time_min,
                page_token: page_token.as_deref(),
            };
            let Reply::Page(page) = self.call(op).await? else {
                return Err(mismatched_reply());
            };
            for event in page.items.unwrap_or_default() {
                match event.id.clone() {
                    Some(id) => listed.push(ListedEvent {
                        cancelled: event.status.as_deref() == Some("cancelled"),
                        spec: from_google_event(&event),
                        id,
                    }),
                    None => tracing::warn!("Google listed an event without an id; skipped"),
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) if page_token.as_deref() == Some(next.as_str()) => {
                    return Err(CalendarError::InvalidResponse(
                        "the same nextPageToken came back twice".to_string(),
                    ));
                }
                Some(next) => page_token = Some(next),
                None => return Ok(listed),
            }
        }
        Err(CalendarError::InvalidResponse(format!(
            "more than {MAX_PAGES} pages of events"
        )))
    }

    pub(super) async fn query_free_busy(
        &self,
        emails: &[String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> Result<BusyMap, CalendarError> {
        let wanted: Vec<String> = emails
            .iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut busy = BusyMap::new();
        for chunk in wanted.chunks(FREEBUSY_CHUNK) {
            let request = FreeBusyRequest {
                items: Some(
                    chunk
                        .iter()
                        .map(|id| FreeBusyRequestItem {
                            id: Some(id.clone()),
                        })
                        .collect(),
                ),
                time_min: Some(time_min),
                time_max: Some(time_max),
                ..Default::default()
            };
            let Reply::FreeBusy(answer) = self.call(Op::FreeBusy(&request)).await? else {
                return Err(mismatched_reply());
            };
            collect_busy(chunk, &answer, &mut busy);
        }
        Ok(busy)
    }

    pub(super) async fn send(&self, op: &Op<'_>, capture: &mut Capture) -> common::Result<Reply> {
        let events = self.hub.events();
        let send_updates = self.send_updates.as_str();
        match op {
            Op::List {
                meeting_id,
                time_min,
                page_token,
            } => {
                let mut call = events
                    .list(&self.calendar_path)
                    .add_scope(SCOPE)
                    .add_private_extended_property(&format!("{MEETING_PROPERTY}={meeting_id}"))
                    .show_deleted(true)
                    .single_events(true)
                    .time_min(*time_min)
                    .max_results(250)
                    .delegate(capture);
                if let Some(token) = page_token {
                    call = call.page_token(token);
                }
                let (_, page) = call.doit().await?;
                Ok(Reply::Page(page))
            }
            Op::Insert(spec) => {
                events
                    .insert(to_google_event(spec), &self.calendar_path)
                    .add_scope(SCOPE)
                    .send_updates(send_updates)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Inserted(InsertOutcome::Created))
            }
            Op::Update(spec) => {
                events
                    .update(to_google_event(spec), &self.calendar_path, &spec.id)
                    .add_scope(SCOPE)
                    .send_updates(send_updates)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Done)
            }
            Op::Delete(event_id) => {
                events
                    .delete(&self.calendar_path, event_id)
                    .add_scope(SCOPE)
                    .send_updates(send_updates)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Done)
            }
            Op::Get(event_id) => {
                let (_, event) = events
                    .get(&self.calendar_path, event_id)
                    .add_scope(SCOPE)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::Event(Box::new(event)))
            }
            Op::FreeBusy(request) => {
                let (_, answer) = self
                    .hub
                    .freebusy()
                    .query((*request).clone())
                    .add_scope(SCOPE)
                    .delegate(capture)
                    .doit()
                    .await?;
                Ok(Reply::FreeBusy(answer))
            }
        }
    }
}

pub(super) fn normalize_base_url(api_base_url: Option<String>) -> Result<String, CalendarError> {
    let mut url = api_base_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    // The crate appends paths like "calendars/..." straight onto the base.
    if !url.ends_with('/') {
        url.push('/');
    }
    // The crate unwraps its URL parse, so a bad base would panic inside a call.
    let uri: google_calendar3::hyper::Uri = url
        .parse()
        .map_err(|e| CalendarError::Config(format!("bad Calendar API base URL {url:?}: {e}")))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(url),
        _ => Err(CalendarError::Config(format!(
            "bad Calendar API base URL {url:?}: expected http(s)://host/..."
        ))),
    }
}

pub(super) fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@+!$&'()*,;=:".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Ids go into the URL path unencoded, so anything beyond Google's own id characters is
/// refused here rather than sent somewhere unexpected.
pub(super) fn check_event_id(event_id: &str) -> Result<(), CalendarError> {
    let ok = !event_id.is_empty()
        && event_id.len() <= 1024
        && event_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(CalendarError::InvalidRequest(format!(
            "event id {event_id:?} is not a Google event id"
        )))
    }
}

/// The crate turns a JSON error body into `Error::BadRequest(json)` and drops the status and
/// headers; its delegate is the only place that still sees them.
#[derive(Default)]
pub(super) struct Capture {
    pub(super) status: Option<u16>,
    pub(super) retry_after: Option<std::time::Duration>,
}

impl common::Delegate for Capture {
    fn http_failure(
        &mut self,
        response: &common::Response,
        _error: Option<&serde_json::Value>,
    ) -> common::Retry {
        self.status = Some(response.status().as_u16());
        self.retry_after = response
            .headers()
            .get(google_calendar3::hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        // Retries are ours, with backoff, counters and a bound.
        common::Retry::Abort
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_and_ids_stay_inside_the_path() {
        assert_eq!(
            encode_path_segment("ja.japanese#holiday@group.v.calendar.google.com"),
            "ja.japanese%23holiday@group.v.calendar.google.com"
        );
        assert_eq!(encode_path_segment("a/b?c"), "a%2Fb%3Fc");
        assert!(check_event_id("abc012").is_ok());
        assert!(check_event_id("abc_20261202T080000Z").is_ok());
        assert!(check_event_id("../x").is_err());
        assert!(check_event_id("").is_err());
    }

    #[test]
    fn base_urls_are_checked_and_get_their_trailing_slash() {
        assert_eq!(normalize_base_url(None).unwrap(), DEFAULT_BASE_URL);
        assert_eq!(
            normalize_base_url(Some("http://127.0.0.1:9/calendar/v3".into())).unwrap(),
            "http://127.0.0.1:9/calendar/v3/"
        );
        assert!(normalize_base_url(Some("not a url".into())).is_err());
        assert!(normalize_base_url(Some("ftp://x/".into())).is_err());
    }
}
