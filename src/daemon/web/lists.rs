//! The paged lists (`/postmortems`, `/learnings`, the search's results) and
//! one postmortem's page, with its Markdown twin.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::super::endpoint::Endpoint;
use super::text::{Piece, highlight, postmortem_markdown, web_address};
use crate::domain::history::{Query, Record, RecordKind};
use crate::domain::language::Language;
use crate::domain::log::Postmortem;
use crate::messages::Message;
use crate::messages::dates::day_with_year;
use crate::messages::labels::Label;
use crate::messages::web::Web;
use crate::store::SessionLog;

use super::pages::*;

/// One result of a list or the search, its matched words marked.
pub(super) struct ResultView {
    pub(super) kind: String,
    pub(super) when: String,
    pub(super) href: String,
    pub(super) title: Vec<Piece>,
    pub(super) detail: Vec<Piece>,
}

pub(super) fn result_view(
    endpoint: &Endpoint,
    chrome: &Chrome,
    record: &Record,
    words: Option<&str>,
) -> ResultView {
    let lang = chrome.lang;
    let (title, detail, href) = match record {
        Record::Session(s) => (
            session_label(s.number, s.date, lang),
            // A snippet is plain text: the notes' Markdown marks would show as typed.
            crate::messages::markdown::plain(s.notes.as_deref().unwrap_or_default()),
            session_href(&s.meeting, s.date),
        ),
        Record::Agenda {
            meeting,
            date,
            item,
        } => (
            item.title.clone(),
            // The presenter as people read them, not their directory key.
            item.presenter
                .as_deref()
                .map(|p| {
                    crate::app::directory::display_in(
                        &endpoint.state.config.people,
                        endpoint.state.log.as_ref(),
                        p,
                    )
                })
                .unwrap_or_default(),
            session_href(meeting, *date),
        ),
        Record::Postmortem(p) => {
            let detail = [&p.impact, &p.root_cause, &p.actions_taken, &p.prevention]
                .into_iter()
                .find(|t| !t.trim().is_empty())
                .cloned()
                .unwrap_or_default();
            (p.title.clone(), detail, postmortem_href(&p.id))
        }
        Record::Learning(l) => (
            l.text.clone(),
            l.tags.join(", "),
            session_href(&l.meeting, l.date),
        ),
        Record::Incident(i) => (
            i.title.clone(),
            i.severity.clone().unwrap_or_default(),
            session_href(&i.meeting, i.date()),
        ),
        Record::Action(a) => (
            a.title.clone(),
            crate::app::directory::display_in(
                &endpoint.state.config.people,
                endpoint.state.log.as_ref(),
                &a.owner,
            ),
            format!("/actions?owner={}", encode(&a.owner)),
        ),
    };
    let detail: String = detail.chars().take(DETAIL_CHARS).collect();
    ResultView {
        kind: Label::Record {
            kind: record.kind(),
        }
        .say(lang),
        when: format!(
            "{} · {}",
            meeting_title(endpoint, record.meeting()),
            day_with_year(record.date(), lang)
        ),
        href: chrome.href(&href),
        title: highlight(&title, words),
        detail: highlight(&detail, words),
    }
}

/// A page of the store's search, in its order (newest first).
/// One page of a listing, and past its end, which page is the last (0-based).
pub(super) struct ListingPage {
    pub(super) records: Vec<Record>,
    pub(super) more: bool,
    pub(super) last: Option<usize>,
}

pub(super) fn search_page(
    log: &dyn SessionLog,
    mut query: Query,
    page: usize,
) -> Result<ListingPage, crate::store::StoreError> {
    // One more than a page, to know whether there is a next one.
    query.limit = PAGE_SIZE + 1;
    let mut records = log.search_after(&query, page * PAGE_SIZE)?;
    let more = records.len() > PAGE_SIZE;
    records.truncate(PAGE_SIZE);
    let mut last = None;
    if records.is_empty() && page > 0 {
        // Fewer than `page` pages exist: count them to name the last.
        query.limit = page * PAGE_SIZE;
        let total = log.search(&query)?.len();
        last = total.checked_sub(1).map(|t| t / PAGE_SIZE);
    }
    Ok(ListingPage {
        records,
        more,
        last,
    })
}

/// What a listing says above its results: how many, or that the page is past the last.
pub(super) fn listing_summary(listing: &ListingPage, page: usize, lang: Language) -> String {
    match listing.last {
        Some(last) => Web::PastLastPage {
            page: page + 1,
            last: last + 1,
        }
        .say(lang),
        None => Web::Results {
            shown: listing.records.len(),
            more: listing.more,
        }
        .say(lang),
    }
}

pub(super) fn listing_pager(
    query: &Pairs,
    path: &str,
    listing: &ListingPage,
    page: usize,
) -> Pager {
    match listing.last {
        Some(last) => query.past_the_end(path, last),
        None => query.pager(path, page, listing.more),
    }
}

#[derive(Template)]
#[template(path = "web/list.html")]
struct ListPage {
    chrome: Chrome,
    heading: String,
    filters: Vec<Link>,
    results: Vec<ResultView>,
    summary: String,
    pager: Pager,
    feed: bool,
}

pub(super) async fn postmortems(State(endpoint): Shared, RawQuery(raw): RawQuery) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/postmortems", &query);
        let page = query.page();
        let listing = search_page(
            endpoint.state.log.as_ref(),
            Query {
                kind: Some(RecordKind::Postmortem),
                meeting: query.owned("meeting"),
                ..Query::default()
            },
            page,
        )?;
        let results = listing
            .records
            .iter()
            .map(|r| result_view(endpoint, &chrome, r, None))
            .collect();
        let heading = chrome.t(Web::Postmortems);
        Ok(render(&ListPage {
            summary: listing_summary(&listing, page, chrome.lang),
            pager: listing_pager(&query, "/postmortems", &listing, page),
            heading: heading.clone(),
            filters: Vec::new(),
            results,
            feed: true,
            chrome: chrome.titled(heading),
        }))
    })
    .await
}

pub(super) async fn learnings(State(endpoint): Shared, RawQuery(raw): RawQuery) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/learnings", &query);
        let page = query.page();
        let tag = query.owned("tag");
        let listing = search_page(
            endpoint.state.log.as_ref(),
            Query {
                kind: Some(RecordKind::Learning),
                tag: tag.clone(),
                meeting: query.owned("meeting"),
                ..Query::default()
            },
            page,
        )?;
        let records = &listing.records;
        let results = records
            .iter()
            .map(|r| result_view(endpoint, &chrome, r, None))
            .collect();
        // The tags on this page, to move sideways to another one.
        let mut tags: Vec<&str> = records
            .iter()
            .flat_map(|r| r.tags())
            .map(String::as_str)
            .collect();
        tags.sort_unstable();
        tags.dedup();
        let mut filters: Vec<Link> = tags
            .into_iter()
            .map(|t| Link {
                href: chrome.href(&tag_href(t)),
                text: t.to_string(),
            })
            .collect();
        if tag.is_some() {
            filters.insert(
                0,
                Link {
                    href: chrome.href("/learnings"),
                    text: chrome.t(Web::AllTags),
                },
            );
        }
        let heading = match &tag {
            Some(tag) => format!(
                "{} · {}",
                chrome.t(Web::Learnings),
                Web::Tag { tag }.say(chrome.lang)
            ),
            None => chrome.t(Web::Learnings),
        };
        Ok(render(&ListPage {
            summary: listing_summary(&listing, page, chrome.lang),
            pager: listing_pager(&query, "/learnings", &listing, page),
            heading: heading.clone(),
            filters,
            results,
            feed: true,
            chrome: chrome.titled(heading),
        }))
    })
    .await
}

#[derive(Template)]
#[template(path = "web/postmortem.html")]
struct PostmortemPage {
    chrome: Chrome,
    p: Postmortem,
    session: Link,
    markdown: String,
    sections: Vec<(String, String)>,
    links: Vec<(String, Option<String>)>,
    /// Its prevention actions.
    actions: super::actions::ActionGroup,
}

pub(super) async fn postmortem(
    State(endpoint): Shared,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let (id, markdown) = match id.strip_suffix(".md") {
            Some(id) => (id.to_string(), true),
            None => (id, false),
        };
        let chrome = Chrome::new(endpoint, &postmortem_href(&id), &query);
        let Some(mut p) = endpoint.state.log.postmortem(&id)? else {
            return Ok(not_found(chrome));
        };
        // Responders as people read them: a directory key becomes its display.
        let state = &endpoint.state;
        for responder in &mut p.responders {
            *responder = crate::app::directory::display_in(
                &state.config.people,
                state.log.as_ref(),
                responder,
            );
        }
        let lang = chrome.lang;
        if markdown {
            return Ok((
                [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                postmortem_markdown(&p, &meeting_title(endpoint, &p.meeting), lang),
            )
                .into_response());
        }
        let sections = [
            (Web::Impact, &p.impact),
            (Web::ActionsTaken, &p.actions_taken),
            (Web::RootCause, &p.root_cause),
            (Web::Prevention, &p.prevention),
        ]
        .into_iter()
        .filter(|(_, body)| !body.trim().is_empty())
        .map(|(heading, body)| (heading.say(lang), body.clone()))
        .collect();
        let links = p
            .links
            .iter()
            .map(|l| (l.clone(), web_address(l).map(str::to_string)))
            .collect();
        let session = Link {
            href: chrome.href(&session_href(&p.meeting, p.date)),
            text: format!(
                "{} · {}",
                meeting_title(endpoint, &p.meeting),
                day_with_year(p.date, lang)
            ),
        };
        let markdown = chrome.href(&format!("{}.md", postmortem_href(&p.id)));
        let title = p.title.clone();
        let mut own: Vec<crate::domain::actions::Action> = endpoint
            .state
            .log
            .actions(Some(&p.meeting))?
            .into_iter()
            .filter(|a| a.postmortem.as_deref() == Some(p.id.as_str()))
            .collect();
        own.sort_by_key(|a| (a.created, a.title.clone()));
        let actions = super::actions::ActionGroup {
            heading: chrome.t(Web::Actions),
            actions: own
                .iter()
                .map(|a| super::actions::action_view(endpoint, &chrome, a, false))
                .collect(),
        };
        Ok(render(&PostmortemPage {
            p,
            session,
            markdown,
            sections,
            links,
            actions,
            chrome: chrome.titled(title),
        }))
    })
    .await
}
