//! `/feed.atom`: new postmortems and learnings, newest first, so another
//! department can subscribe. Links are absolute (feed readers resolve
//! relative ones differently): under `[web] public_url`, or the name the
//! request came by, which the Host check has already allowed.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};

use super::super::endpoint::Endpoint;
use super::pages::{Pairs, encode};
use crate::domain::history::{Query, Record, RecordKind};
use crate::messages::Message;
use crate::messages::labels::Label;
use crate::messages::web::Web;

/// Entries of each kind in the feed.
const ENTRIES: usize = 30;

struct Entry {
    id: String,
    /// `postmortem` or `learning`, and how the reader's language names it.
    category: &'static str,
    category_label: String,
    title: String,
    href: String,
    updated: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "web/feed.xml", escape = "html")]
struct Feed {
    title: String,
    updated: String,
    self_href: String,
    entries: Vec<Entry>,
}

/// When a record's session started: its date at the meeting's start time in the meeting's zone.
fn timestamp(endpoint: &Endpoint, meeting: &str, date: NaiveDate) -> String {
    let started = endpoint.state.config.meeting(meeting).and_then(|m| {
        date.and_time(m.rule.start_time)
            .and_local_timezone(m.rule.timezone)
            .earliest()
    });
    match started {
        Some(t) => t.to_utc().to_rfc3339(),
        None => date.and_time(NaiveTime::MIN).and_utc().to_rfc3339(),
    }
}

/// The site's address as feed readers must see it: `public_url`, else the Host asked for.
fn site_base(endpoint: &Endpoint, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = endpoint
        .state
        .config
        .web
        .as_ref()
        .and_then(|w| w.public_url.as_ref())
    {
        return url.as_str().trim_end_matches('/').to_string() + "/";
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/")
}

pub(super) async fn atom(
    State(endpoint): State<Arc<Endpoint>>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let made = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let query = Pairs::parse(raw.as_deref());
        let (lang, _) = super::language(&endpoint, query.get("lang"));
        let base = site_base(&endpoint, &headers);
        let endpoint = endpoint.as_ref();
        let search = |kind| Query {
            kind: Some(kind),
            limit: ENTRIES,
            ..Query::default()
        };
        let mut records = endpoint.state.log.search(&search(RecordKind::Postmortem))?;
        records.extend(endpoint.state.log.search(&search(RecordKind::Learning))?);
        records.sort_by_key(|r| std::cmp::Reverse(r.date()));
        let entries: Vec<Entry> = records
            .iter()
            .filter_map(|r| match r {
                Record::Postmortem(p) => Some(Entry {
                    id: format!("urn:weekly-postmortem:postmortem:{}", p.id),
                    category: "postmortem",
                    category_label: Label::Record {
                        kind: RecordKind::Postmortem,
                    }
                    .say(lang),
                    title: format!(
                        "{}: {}",
                        Label::Record {
                            kind: RecordKind::Postmortem
                        }
                        .say(lang),
                        p.title
                    ),
                    href: format!("{base}postmortems/{}", encode(&p.id)),
                    updated: timestamp(endpoint, &p.meeting, p.date),
                    summary: p.impact.clone(),
                }),
                Record::Learning(l) => Some(Entry {
                    id: format!("urn:weekly-postmortem:learning:{}", l.id),
                    category: "learning",
                    category_label: Label::Record {
                        kind: RecordKind::Learning,
                    }
                    .say(lang),
                    title: format!(
                        "{}: {}",
                        Label::Record {
                            kind: RecordKind::Learning
                        }
                        .say(lang),
                        l.text.chars().take(80).collect::<String>()
                    ),
                    href: format!("{base}sessions/{}/{}", encode(&l.meeting), l.date),
                    updated: timestamp(endpoint, &l.meeting, l.date),
                    summary: l.text.clone(),
                }),
                _ => None,
            })
            .collect();
        // The newest entry's time; a feed without entries was updated now.
        let updated = entries
            .iter()
            .map(|e| e.updated.clone())
            .max()
            .unwrap_or_else(|| endpoint.state.clock.now().to_rfc3339());
        Ok(Feed {
            title: Web::SiteName.say(lang),
            updated,
            self_href: format!("{base}feed.atom"),
            entries,
        }
        .render()?)
    })
    .await;
    match made {
        Ok(Ok(xml)) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            xml,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
