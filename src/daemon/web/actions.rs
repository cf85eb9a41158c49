//! `/actions`: prevention actions as the organisation follows them up:
//! overdue, open, and done in the last 90 days, by meeting and owner, each
//! with its tracker issue and the postmortem it came from. A postmortem's
//! page lists its own actions with the same view.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::NaiveDate;

use super::super::endpoint::Endpoint;
use super::pages::{
    Chrome, Link, Pairs, Shared, blocking, encode, meeting_title, postmortem_href, render,
};
use super::text::web_address;
use crate::domain::actions::{Action, ActionState, ActionStatus, in_follow_up_order};
use crate::messages::Message;
use crate::messages::actions::ActionText;
use crate::messages::dates::day_with_year;
use crate::messages::web::Web;

/// Done actions stay on the page this long.
const DONE_DAYS: i64 = 90;

/// One action as the pages show it.
pub(super) struct ActionView {
    pub(super) title: String,
    /// Owner, due date and state, as one line people read.
    pub(super) meta: String,
    pub(super) issue: Option<String>,
    pub(super) postmortem: Option<Link>,
    pub(super) overdue: bool,
}

pub(super) struct ActionGroup {
    pub(super) heading: String,
    pub(super) actions: Vec<ActionView>,
}

/// Today where `meeting` meets (the first meeting's zone for an unknown one).
fn today(endpoint: &Endpoint, meeting: &str) -> NaiveDate {
    let config = &endpoint.state.config;
    let now = endpoint.state.clock.now();
    match config.meeting(meeting).or(config.meetings.first()) {
        Some(m) => m.rule.day_of(now),
        None => now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive(),
    }
}

pub(super) fn action_view(
    endpoint: &Endpoint,
    chrome: &Chrome,
    action: &Action,
    with_postmortem: bool,
) -> ActionView {
    let state = &endpoint.state;
    let lang = chrome.lang;
    let today = today(endpoint, &action.meeting);
    let owner =
        crate::app::directory::display_in(&state.config.people, state.log.as_ref(), &action.owner);
    let due = match action.due {
        Some(due) => day_with_year(due, lang),
        None => ActionText::NoDueDate.say(lang),
    };
    let action_state = action.state(today);
    let state_text = match (action.closed, action.is_open()) {
        (Some(closed), false) => ActionText::ClosedOn {
            state: action_state,
            day: &day_with_year(closed, lang),
        }
        .say(lang),
        _ => ActionText::State {
            state: action_state,
        }
        .say(lang),
    };
    let mut meta = format!(
        "{} · {due} · {state_text}",
        chrome.t(Web::Owner { owner: &owner })
    );
    if let Some(tracker) = crate::app::actions::closed_by_name(action) {
        meta += &format!(" · {tracker}");
    }
    ActionView {
        title: action.title.clone(),
        meta,
        issue: action
            .link
            .as_deref()
            .and_then(web_address)
            .map(str::to_string),
        postmortem: action
            .postmortem
            .as_deref()
            .filter(|_| with_postmortem)
            .map(|id| Link {
                href: chrome.href(&postmortem_href(id)),
                text: chrome.t(Web::FromPostmortem),
            }),
        overdue: action_state == ActionState::Overdue,
    }
}

#[derive(Template)]
#[template(path = "web/actions.html")]
struct ActionsPage {
    chrome: Chrome,
    heading: String,
    filters: Vec<Link>,
    groups: Vec<ActionGroup>,
}

pub(super) async fn actions(State(endpoint): Shared, RawQuery(raw): RawQuery) -> Response {
    blocking(endpoint, move |endpoint| {
        let query = Pairs::parse(raw.as_deref());
        let chrome = Chrome::new(endpoint, "/actions", &query);
        let meeting = query.owned("meeting");
        let owner = query.owned("owner");
        let all = endpoint.state.log.actions(meeting.as_deref())?;
        let shown: Vec<&Action> = all
            .iter()
            .filter(|a| owner.as_deref().is_none_or(|o| a.owner == o))
            .collect();
        let today_of = |a: &Action| today(endpoint, &a.meeting);
        let open = in_follow_up_order(
            shown.iter().copied(),
            today(endpoint, meeting.as_deref().unwrap_or_default()),
        );
        let (overdue, open): (Vec<&Action>, Vec<&Action>) = open
            .into_iter()
            .partition(|a| a.state(today_of(a)) == ActionState::Overdue);
        let mut done: Vec<&Action> = shown
            .iter()
            .copied()
            .filter(|a| {
                a.status == ActionStatus::Done
                    && a.closed
                        .is_some_and(|c| (today_of(a) - c).num_days() <= DONE_DAYS)
            })
            .collect();
        done.sort_by_key(|a| std::cmp::Reverse((a.closed, a.created)));
        let view = |list: Vec<&Action>| -> Vec<ActionView> {
            list.into_iter()
                .map(|a| action_view(endpoint, &chrome, a, true))
                .collect()
        };
        let groups = vec![
            ActionGroup {
                heading: chrome.t(Web::ActionsOverdue),
                actions: view(overdue),
            },
            ActionGroup {
                heading: chrome.t(Web::ActionsOpen),
                actions: view(open),
            },
            ActionGroup {
                heading: chrome.t(Web::ActionsDoneRecently),
                actions: view(done),
            },
        ];
        // Owners and meetings of the actions, to narrow the page to one.
        let mut owners: Vec<&str> = all.iter().map(|a| a.owner.as_str()).collect();
        owners.sort_unstable();
        owners.dedup();
        let state = &endpoint.state;
        let mut filters: Vec<Link> = owners
            .into_iter()
            .map(|o| Link {
                href: chrome.href(&format!("/actions?owner={}", encode(o))),
                text: crate::app::directory::display_in(
                    &state.config.people,
                    state.log.as_ref(),
                    o,
                ),
            })
            .collect();
        if owner.is_some() {
            filters.insert(
                0,
                Link {
                    href: chrome.href("/actions"),
                    text: chrome.t(Web::AllOwners),
                },
            );
        }
        let mut heading = chrome.t(Web::Actions);
        if let Some(meeting) = &meeting {
            heading = format!("{heading} · {}", meeting_title(endpoint, meeting));
        }
        if let Some(owner) = &owner {
            let shown =
                crate::app::directory::display_in(&state.config.people, state.log.as_ref(), owner);
            heading = format!("{heading} · {}", chrome.t(Web::Owner { owner: &shown }));
        }
        Ok(render(&ActionsPage {
            heading: heading.clone(),
            filters,
            groups,
            chrome: chrome.titled(heading),
        }))
    })
    .await
}
