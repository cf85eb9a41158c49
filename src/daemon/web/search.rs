//! `/search`: the history search as a form and its results, paged, the
//! matches marked.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::super::endpoint::SearchParams;
use super::lists::*;
use super::pages::*;
use crate::domain::history::RecordKind;
use crate::messages::Message;
use crate::messages::labels::Label;
use crate::messages::web::Web;

#[derive(Template)]
#[template(path = "web/search.html")]
struct SearchPage {
    chrome: Chrome,
    form: HashMap<&'static str, String>,
    kinds: Vec<(String, String)>,
    meetings: Vec<(String, String)>,
    problem: Option<String>,
    results: Vec<ResultView>,
    summary: Option<String>,
    pager: Pager,
}

impl SearchPage {
    fn value(&self, name: &str) -> String {
        self.form.get(name).cloned().unwrap_or_default()
    }
}

pub(super) async fn search(State(endpoint): Shared, RawQuery(raw): RawQuery) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/search", &query);
        let lang = chrome.lang;
        let fields = ["q", "kind", "meeting", "since", "until", "tag", "team"];
        let form: HashMap<&'static str, String> = fields
            .iter()
            .filter_map(|f| Some((*f, query.owned(f)?)))
            .collect();
        let params = SearchParams {
            q: query.owned("q"),
            meeting: query.owned("meeting"),
            since: query.owned("since"),
            until: query.owned("until"),
            kind: query.owned("kind"),
            tag: query.owned("tag"),
            team: query.owned("team"),
            limit: 0,
        };
        let page = query.page();
        let asked = !form.is_empty();
        let (results, summary, problem, pager) = match params.query(lang) {
            Ok(search) if asked => {
                let words = search.text.clone();
                let listing = search_page(endpoint.state.log.as_ref(), search, page)?;
                let results: Vec<ResultView> = listing
                    .records
                    .iter()
                    .map(|r| result_view(endpoint, &chrome, r, words.as_deref()))
                    .collect();
                let summary = if results.is_empty() && listing.last.is_none() {
                    chrome.t(Web::NoResults)
                } else {
                    listing_summary(&listing, page, lang)
                };
                (
                    results,
                    Some(summary),
                    None,
                    listing_pager(&query, "/search", &listing, page),
                )
            }
            Ok(_) => (Vec::new(), None, None, query.pager("/search", 0, false)),
            Err(problem) => (
                Vec::new(),
                None,
                Some(Web::BadFilter { problem: &problem }.say(lang)),
                query.pager("/search", 0, false),
            ),
        };
        let kinds = RecordKind::ALL
            .iter()
            .map(|k| (k.code().to_string(), Label::Record { kind: *k }.say(lang)))
            .collect();
        let meetings = endpoint
            .state
            .config
            .meetings
            .iter()
            .map(|m| (m.id.clone(), m.title.clone()))
            .collect();
        let title = match form.get("q") {
            Some(q) => format!("{} · {q}", chrome.t(Web::Search)),
            None => chrome.t(Web::Search),
        };
        Ok(render(&SearchPage {
            form,
            kinds,
            meetings,
            problem,
            results,
            summary,
            pager,
            chrome: chrome.titled(title),
        }))
    })
    .await
}
