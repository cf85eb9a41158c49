//! The pages' handlers: each reads through the store port and the app layer's
//! queries (the schedule, the history search) off the runtime, fills a view
//! and renders its askama template. Lists are paged, so no page grows with
//! the log.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::super::endpoint::Endpoint;
use super::text::web_address;
use crate::domain::history::{Query, Record, RecordKind};
use crate::domain::language::Language;
use crate::domain::log::{AgendaItem, Session, SessionStatus};
use crate::domain::schedule::Status;
use crate::messages::Message;
use crate::messages::dates::day_with_year;
use crate::messages::labels::Label;
use crate::messages::web::Web;

/// Results on one page of a list.
pub(super) const PAGE_SIZE: usize = 20;
/// Pages further than this are refused: the search is newest first, and
/// the filters reach older records faster than paging does.
const MAX_PAGE: usize = 200;
/// How far ahead `/` looks for sessions and weeks off.
const WEEKS_AHEAD: u64 = 6;
/// Shown text of one result, at most (characters).
pub(super) const DETAIL_CHARS: usize = 240;

pub(super) type Shared = State<Arc<Endpoint>>;

/// What every page has: its language, title and links that keep `?lang=`.
pub(super) struct Chrome {
    pub(super) lang: Language,
    explicit: bool,
    pub(super) title: String,
    /// This page's path and query without `lang`, for the other language's link.
    here: String,
}

impl Chrome {
    pub(super) fn new(endpoint: &Endpoint, path: &str, query: &Pairs) -> Self {
        let (lang, explicit) = super::language(endpoint, query.get("lang"));
        let rest = query.encode_without(&["lang"]);
        let here = if rest.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{rest}")
        };
        Self {
            lang,
            explicit,
            title: String::new(),
            here,
        }
    }

    pub(super) fn t(&self, message: Web) -> String {
        message.say(self.lang)
    }

    pub(super) fn code(&self) -> &'static str {
        match self.lang {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// `path` in this page's language: `?lang=` kept only when it was asked for.
    pub(super) fn href(&self, path: &str) -> String {
        if !self.explicit {
            return path.to_string();
        }
        let glue = if path.contains('?') { '&' } else { '?' };
        format!("{path}{glue}lang={}", self.code())
    }

    pub(super) fn other_language(&self) -> String {
        let other = match self.lang {
            Language::Ja => "en",
            Language::En => "ja",
        };
        let glue = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{glue}lang={other}", self.here)
    }

    pub(super) fn titled(mut self, title: String) -> Self {
        self.title = title;
        self
    }
}

/// A query string's pairs, decoded; the first of a repeated name wins.
pub(super) struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// Decoded by `form_urlencoded`, the parser axum's `Query` uses too, so
    /// every route reads a query string by one rule.
    pub(super) fn parse(raw: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// A value; an empty form field counts as absent.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    pub(super) fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.trim().to_string())
    }

    pub(super) fn encode_without(&self, names: &[&str]) -> String {
        self.0
            .iter()
            .filter(|(k, v)| !names.contains(&k.as_str()) && !v.is_empty())
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub(super) fn page(&self) -> usize {
        self.get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
            .min(MAX_PAGE)
    }

    /// Links to the pages before and after `page` of this same list.
    pub(super) fn pager(&self, path: &str, page: usize, more: bool) -> Pager {
        let rest = self.encode_without(&["page", "lang"]);
        let link = |page: usize| {
            let mut query = rest.clone();
            if page > 0 {
                if !query.is_empty() {
                    query.push('&');
                }
                query += &format!("page={page}");
            }
            if query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{query}")
            }
        };
        Pager {
            newer: (page > 0).then(|| link(page - 1)),
            older: (more && page < MAX_PAGE).then(|| link(page + 1)),
            last: None,
        }
    }

    /// The pager of a page past the last one (0-based `last`): only the way back.
    pub(super) fn past_the_end(&self, path: &str, last: usize) -> Pager {
        let mut pager = self.pager(path, last + 1, false);
        pager.last = pager.newer.take();
        pager
    }
}

/// What a path segment or query value keeps as it is: letters, digits and `-_.~`.
const UNRESERVED: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(super) fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

pub(super) struct Pager {
    pub(super) newer: Option<String>,
    pub(super) older: Option<String>,
    /// Past the last page: a link to the last one.
    pub(super) last: Option<String>,
}

/// A link to another page of the archive, with its text.
pub(super) struct Link {
    pub(super) href: String,
    pub(super) text: String,
}

pub(super) fn session_href(meeting: &str, date: NaiveDate) -> String {
    format!("/sessions/{}/{date}", encode(meeting))
}

pub(super) fn postmortem_href(id: &str) -> String {
    format!("/postmortems/{}", encode(id))
}

pub(super) fn tag_href(tag: &str) -> String {
    format!("/learnings?tag={}", encode(tag))
}

pub(super) fn session_label(number: Option<u32>, date: NaiveDate, lang: Language) -> String {
    Label::Session { number, date }.say(lang)
}

pub(super) fn meeting_title(endpoint: &Endpoint, id: &str) -> String {
    endpoint
        .state
        .config
        .meeting(id)
        .map_or_else(|| id.to_string(), |m| m.title.clone())
}

/// Runs a page's reads off the runtime; a store error is a 503 page.
pub(super) async fn blocking(
    endpoint: Arc<Endpoint>,
    page: impl FnOnce(&Endpoint) -> anyhow::Result<Response> + Send + 'static,
) -> Response {
    respond(
        tokio::task::spawn_blocking(move || page(&endpoint))
            .await
            .map_err(|e| e.to_string()),
    )
}

/// Like [`blocking`], for a page that may draw a chart: on a thread of
/// lower CPU priority (see [`crate::heavy_work`]).
pub(super) async fn heavy(
    endpoint: Arc<Endpoint>,
    page: impl FnOnce(&Endpoint) -> anyhow::Result<Response> + Send + 'static,
) -> Response {
    respond(
        crate::heavy_work::run_heavy(move || page(&endpoint))
            .await
            .map_err(|e| e.to_string()),
    )
}

fn respond(made: Result<anyhow::Result<Response>, String>) -> Response {
    match made {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

pub(super) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(Template)]
#[template(path = "web/not_found.html")]
struct NotFound {
    chrome: Chrome,
}

pub(super) fn not_found(chrome: Chrome) -> Response {
    let title = chrome.t(Web::NotFound);
    let mut response = render(&NotFound {
        chrome: chrome.titled(title),
    });
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// One agenda item as pages show it.
pub(super) struct AgendaView {
    pub(super) title: String,
    pub(super) kind: String,
    pub(super) presenter: Option<String>,
    pub(super) guest: Option<String>,
    pub(super) link: Option<String>,
}

/// A session's agenda as the session page and the front page show it.
pub(super) fn agenda_views(
    session: Option<&Session>,
    lang: Language,
    name: &dyn Fn(&str) -> String,
) -> Vec<AgendaView> {
    session
        .map(|s| {
            s.agenda
                .iter()
                .map(|i| agenda_view(i, lang, name))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn proposal_view(session: Option<&Session>, lang: Language) -> Option<String> {
    session
        .and_then(|s| s.proposal.as_ref())
        .map(|p| crate::messages::invitation::proposal_text(p, lang))
}

pub(super) fn rsvps_view(counts: &crate::domain::log::Attendance, lang: Language) -> String {
    Web::Rsvps {
        going: counts.going,
        maybe: counts.maybe,
        not_going: counts.not_going,
    }
    .say(lang)
}

fn agenda_view(item: &AgendaItem, lang: Language, name: &dyn Fn(&str) -> String) -> AgendaView {
    AgendaView {
        title: item.title.clone(),
        kind: Label::Agenda { kind: item.kind }.say(lang),
        presenter: item.presenter.as_deref().map(name),
        guest: item
            .team
            .as_deref()
            .map(|team| Web::Guest { team }.say(lang)),
        link: item
            .link
            .as_deref()
            .and_then(web_address)
            .map(str::to_string),
    }
}

/// A session to come, on `/`.
pub(super) struct NextView {
    pub(super) meeting: String,
    pub(super) label: String,
    pub(super) href: String,
    pub(super) facilitator: Option<String>,
    pub(super) agenda: Vec<AgendaView>,
    pub(super) proposal: Option<String>,
    pub(super) rsvps: String,
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct Home {
    chrome: Chrome,
    next: Vec<NextView>,
    weeks_off: Vec<String>,
    sessions: Vec<Link>,
    learnings: Vec<LearningView>,
}

pub(super) struct LearningView {
    pub(super) text: String,
    pub(super) session: Link,
    pub(super) tags: Vec<Link>,
}

pub(super) fn learning_view(
    endpoint: &Endpoint,
    chrome: &Chrome,
    l: &crate::domain::log::Learning,
) -> LearningView {
    LearningView {
        text: l.text.clone(),
        session: Link {
            href: chrome.href(&session_href(&l.meeting, l.date)),
            text: format!(
                "{} · {}",
                meeting_title(endpoint, &l.meeting),
                day_with_year(l.date, chrome.lang)
            ),
        },
        tags: l
            .tags
            .iter()
            .map(|t| Link {
                href: chrome.href(&tag_href(t)),
                text: t.clone(),
            })
            .collect(),
    }
}

pub(super) async fn home(State(endpoint): Shared, RawQuery(raw): RawQuery) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/", &query);
        let state = &endpoint.state;
        let lang = chrome.lang;
        let holidays = state.holiday_calendar();
        let mut next = Vec::new();
        let mut weeks_off = Vec::new();
        for meeting in &state.config.meetings {
            let ctx = state.context(meeting, &holidays, lang);
            let occurrences = ctx
                .occurrences(ctx.today(), WEEKS_AHEAD)
                .map_err(|e| anyhow::anyhow!(e.0))?;
            let name = |entry: &str| crate::app::directory::display(&ctx, entry);
            for occurrence in occurrences.iter().filter(|o| o.end > ctx.now).take(5) {
                match &occurrence.status {
                    Status::Skipped(reason) => weeks_off.push(format!(
                        "{} {}: {}",
                        meeting.title,
                        day_with_year(occurrence.date, lang),
                        ctx.skip_text(occurrence.date, reason)
                    )),
                    Status::Held { number } => {
                        let session = state.log.session(&meeting.id, occurrence.date)?;
                        let session = session.as_ref();
                        let counts = session.map(Session::rsvp_counts).unwrap_or_default();
                        next.push(NextView {
                            meeting: meeting.title.clone(),
                            label: session_label(Some(*number), occurrence.date, lang),
                            href: chrome.href(&session_href(&meeting.id, occurrence.date)),
                            facilitator: session.and_then(|s| s.facilitator.as_deref()).map(name),
                            agenda: agenda_views(session, lang, &name),
                            proposal: proposal_view(session, lang),
                            rsvps: rsvps_view(&counts, lang),
                        });
                    }
                }
            }
        }
        let today = state.clock.now().date_naive();
        let sessions = state
            .log
            .search(&Query {
                kind: Some(RecordKind::Session),
                until: Some(today),
                limit: 8,
                ..Query::default()
            })?
            .into_iter()
            .filter_map(|r| match r {
                Record::Session(s) => Some(Link {
                    href: chrome.href(&session_href(&s.meeting, s.date)),
                    text: format!(
                        "{} {}",
                        meeting_title(endpoint, &s.meeting),
                        session_label(s.number, s.date, lang)
                    ),
                }),
                _ => None,
            })
            .collect();
        let learnings = state
            .log
            .search(&Query {
                kind: Some(RecordKind::Learning),
                limit: 10,
                ..Query::default()
            })?
            .iter()
            .filter_map(|r| match r {
                Record::Learning(l) => Some(learning_view(endpoint, &chrome, l)),
                _ => None,
            })
            .collect();
        let title = chrome.t(Web::SiteName);
        Ok(render(&Home {
            chrome: chrome.titled(title),
            next,
            weeks_off,
            sessions,
            learnings,
        }))
    })
    .await
}

#[derive(Template)]
#[template(path = "web/session.html")]
struct SessionPage {
    chrome: Chrome,
    meeting: String,
    label: String,
    skipped: Option<String>,
    facilitator: Option<String>,
    agenda: Vec<AgendaView>,
    proposal: Option<String>,
    rsvps: String,
    present: Option<String>,
    notes: Option<String>,
    postmortems: Vec<Link>,
    learnings: Vec<LearningView>,
}

/// The postmortems and learnings recorded under a session's day.
fn same_day_records(
    endpoint: &Endpoint,
    chrome: &Chrome,
    meeting: &str,
    date: NaiveDate,
) -> anyhow::Result<(Vec<Link>, Vec<LearningView>)> {
    let same_day = |kind| Query {
        kind: Some(kind),
        meeting: Some(meeting.to_string()),
        since: Some(date),
        until: Some(date),
        limit: PAGE_SIZE * 5,
        ..Query::default()
    };
    let log = &endpoint.state.log;
    let postmortems = log
        .search(&same_day(RecordKind::Postmortem))?
        .into_iter()
        .filter_map(|r| match r {
            Record::Postmortem(p) => Some(Link {
                href: chrome.href(&postmortem_href(&p.id)),
                text: p.title,
            }),
            _ => None,
        })
        .collect();
    let learnings = log
        .search(&same_day(RecordKind::Learning))?
        .iter()
        .filter_map(|r| match r {
            Record::Learning(l) => Some(learning_view(endpoint, chrome, l)),
            _ => None,
        })
        .collect();
    Ok((postmortems, learnings))
}

pub(super) async fn session(
    State(endpoint): Shared,
    Path((meeting_id, date)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let path = session_href(&meeting_id, NaiveDate::MIN);
        let chrome = Chrome::new(
            endpoint,
            &path.replace(&NaiveDate::MIN.to_string(), &date),
            &query,
        );
        let state = &endpoint.state;
        let lang = chrome.lang;
        let (Some(meeting), Ok(date)) =
            (state.config.meeting(&meeting_id), date.parse::<NaiveDate>())
        else {
            return Ok(not_found(chrome));
        };
        let session = state.log.session(&meeting.id, date)?;
        let occurrence = state
            .occurrences(meeting, date, date)?
            .into_iter()
            .find(|o| o.date == date);
        if session.is_none() && occurrence.is_none() {
            return Ok(not_found(chrome));
        }
        let holidays = state.holiday_calendar();
        let ctx = state.context(meeting, &holidays, lang);
        let name = |entry: &str| crate::app::directory::display(&ctx, entry);
        let number = session
            .as_ref()
            .and_then(|s| s.number)
            .or_else(|| occurrence.as_ref().and_then(|o| o.number()));
        let skipped = match occurrence.as_ref().map(|o| &o.status) {
            Some(Status::Skipped(reason)) => Some(ctx.skip_text(date, reason)),
            _ if session
                .as_ref()
                .is_some_and(|s| s.status == SessionStatus::Skipped) =>
            {
                Some(chrome.t(Web::Skipped))
            }
            _ => None,
        };
        let (postmortems, learnings) = same_day_records(endpoint, &chrome, &meeting.id, date)?;
        let s = session.as_ref();
        let counts = s.map(Session::rsvp_counts).unwrap_or_default();
        let label = session_label(number, date, lang);
        let title = format!("{} {label}", meeting.title);
        // A week off says why; what is noted on it is that reason.
        let notes = s
            .and_then(|s| s.notes.as_deref())
            .filter(|n| !n.trim().is_empty() && skipped.is_none())
            .map(super::markdown::to_html);
        Ok(render(&SessionPage {
            meeting: meeting.title.clone(),
            label,
            skipped,
            facilitator: s.and_then(|s| s.facilitator.as_deref()).map(name),
            agenda: agenda_views(s, lang, &name),
            proposal: proposal_view(s, lang),
            rsvps: rsvps_view(&counts, lang),
            present: counts.present.map(|count| Web::Present { count }.say(lang)),
            notes,
            postmortems,
            learnings,
            chrome: chrome.titled(title),
        }))
    })
    .await
}
