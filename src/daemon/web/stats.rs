//! `/stats`: a meeting's statistics as the `stats` command gives them, the
//! chart as SVG (`/stats/{meeting}.svg`) beside the text summary.
//!
//! The figures come from the whole log (the same `app::stats` as the
//! command), which takes seconds at 110,000 records; so what was drawn is
//! kept per meeting and language while the store's revision and the day stay
//! the same, and pages answer from it. Drawing runs on a thread of lower priority.

use std::sync::Arc;

use super::super::stats_cache::Drawn;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::pages::{Chrome, Link, Pairs, Shared, encode, heavy, not_found, render};
use crate::config::Meeting;
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::stats::{Stats as Say, StatsColumn};
use crate::messages::web::Web;

/// The meeting `?meeting=` names, else the first configured one.
fn chosen<'c>(meetings: &'c [Meeting], asked: Option<&str>) -> Option<&'c Meeting> {
    match asked {
        Some(id) => meetings.iter().find(|m| m.id == id),
        None => meetings.first(),
    }
}

fn drawn(
    endpoint: &super::super::endpoint::Endpoint,
    meeting: &Meeting,
    lang: Language,
) -> anyhow::Result<Arc<Drawn>> {
    let state = &endpoint.state;
    let holidays = state.holiday_calendar();
    let ctx = state.context(meeting, &holidays, lang);
    endpoint
        .stats
        .get(&ctx, state.config.incident_min_minutes())
}

fn chart_href(meeting: &str) -> String {
    format!("/stats/{}.svg", encode(meeting))
}

#[derive(Template)]
#[template(path = "web/stats.html")]
struct StatsPage {
    chrome: Chrome,
    meeting: String,
    meetings: Vec<(Link, bool)>,
    chart: String,
    alt: String,
    heading: String,
    /// The table of years: its column heads, then a row a year (and the total).
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    rest: Vec<String>,
}

pub(super) async fn page(State(endpoint): Shared, RawQuery(raw): RawQuery) -> Response {
    heavy(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/stats", &query);
        let meetings = &endpoint.state.config.meetings;
        let Some(meeting) = chosen(meetings, query.get("meeting")) else {
            return Ok(not_found(chrome));
        };
        let drawn = drawn(endpoint, meeting, chrome.lang)?;
        let links = meetings
            .iter()
            .map(|m| {
                let link = Link {
                    href: chrome.href(&format!("/stats?meeting={}", encode(&m.id))),
                    text: m.title.clone(),
                };
                (link, m.id == meeting.id)
            })
            .collect();
        let title = format!("{} · {}", chrome.t(Web::Stats), meeting.title);
        Ok(render(&StatsPage {
            meeting: meeting.title.clone(),
            meetings: if meetings.len() > 1 {
                links
            } else {
                Vec::new()
            },
            chart: chrome.href(&chart_href(&meeting.id)),
            alt: Web::StatsChart {
                meeting: &meeting.title,
            }
            .say(chrome.lang),
            heading: drawn.text.heading.clone(),
            columns: StatsColumn::ALL
                .into_iter()
                .map(|column| Say::Column { column }.say(chrome.lang))
                .collect(),
            rows: drawn
                .text
                .years
                .iter()
                .map(|y| {
                    let mut row = vec![Say::YearCell { year: y.year }.say(chrome.lang)];
                    row.extend(
                        [y.held, y.skipped, y.holiday, y.skip_date, y.cancelled]
                            .map(|n| n.to_string()),
                    );
                    row
                })
                .collect(),
            rest: drawn.text.rest.clone(),
            chrome: chrome.titled(title),
        }))
    })
    .await
}

/// `/stats/{meeting}.svg`: the chart the page shows.
pub(super) async fn chart(
    State(endpoint): Shared,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    heavy(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/stats", &query);
        let meeting = file
            .strip_suffix(".svg")
            .and_then(|id| endpoint.state.config.meeting(id));
        let Some(meeting) = meeting else {
            return Ok(not_found(chrome));
        };
        let drawn = drawn(endpoint, meeting, chrome.lang)?;
        Ok((
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            drawn.svg.clone(),
        )
            .into_response())
    })
    .await
}
