//! `/feed.atom`: new postmortems and learnings, newest first, so another
//! department can subscribe. Links are relative to the feed's own address,
//! which is whatever name the proxy serves it under.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveTime};

use super::super::http::Endpoint;
use super::pages::{Pairs, encode};
use crate::domain::history::{Query, Record, RecordKind};
use crate::messages::Message;
use crate::messages::web::Web;
use crate::store::SessionLog;

/// Entries of each kind in the feed.
const ENTRIES: usize = 30;

struct Entry {
    id: String,
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
    entries: Vec<Entry>,
}

fn timestamp(date: NaiveDate) -> String {
    date.and_time(NaiveTime::MIN).and_utc().to_rfc3339()
}

pub(super) async fn atom(
    State(endpoint): State<Arc<Endpoint>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let made = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let query = Pairs::parse(raw.as_deref());
        let (lang, _) = super::language(&endpoint, query.get("lang"));
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
                    title: p.title.clone(),
                    href: format!("postmortems/{}", encode(&p.id)),
                    updated: timestamp(p.date),
                    summary: p.impact.clone(),
                }),
                Record::Learning(l) => Some(Entry {
                    id: format!("urn:weekly-postmortem:learning:{}", l.id),
                    title: l.text.chars().take(80).collect(),
                    href: format!("sessions/{}/{}", encode(&l.meeting), l.date),
                    updated: timestamp(l.date),
                    summary: l.text.clone(),
                }),
                _ => None,
            })
            .collect();
        let updated = records
            .first()
            .map_or_else(|| timestamp(NaiveDate::MIN), |r| timestamp(r.date()));
        Ok(Feed {
            title: Web::SiteName.say(lang),
            updated,
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
