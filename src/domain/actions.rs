//! Prevention actions: what a postmortem decided to change, who owns it and by
//! when. The rules here decide which actions the weekly meeting follows up,
//! in which order a list shows them, and what closing on time means.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::log::{Invalid, TextKind, check_date, check_field, check_optional, stable_id};

/// Where an action stands. `Dropped`: the team decided not to do it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    #[default]
    Open,
    Done,
    Dropped,
}

impl ActionStatus {
    pub fn code(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }
}

/// An action as a person sees it on a given day: an open action past its due
/// date is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionState {
    Open,
    Overdue,
    Done,
    Dropped,
}

impl ActionState {
    pub const ALL: [ActionState; 4] = [
        ActionState::Open,
        ActionState::Overdue,
        ActionState::Done,
        ActionState::Dropped,
    ];

    /// The metric label (`weekly_postmortem_actions{state=…}`): a contract.
    pub fn code(self) -> &'static str {
        match self {
            ActionState::Open => "open",
            ActionState::Overdue => "overdue",
            ActionState::Done => "done",
            ActionState::Dropped => "dropped",
        }
    }
}

/// One prevention action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub meeting: String,
    pub title: String,
    /// A `[[person]]` name, or the name of someone outside the directory.
    pub owner: String,
    /// The owner's Discord user id, when the owner was named in Discord: who
    /// they are, whatever `owner` shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_date"
    )]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub status: ActionStatus,
    /// A tracker issue (GitHub, Backlog, Jira) or any http(s) page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The postmortem it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmortem: Option<String>,
    #[serde(with = "optional_date::required")]
    pub created: NaiveDate,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_date"
    )]
    pub closed: Option<NaiveDate>,
    /// Why it was dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The tracker that closed it (`github`, `backlog`, `jira`); none when a
    /// person did. Only a tracker's closing is undone by its reopening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
}

/// Dates written `YYYY-MM-DD`, as every record's (see [`super::log`]).
mod optional_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::domain::log::written_date;

    pub(super) fn serialize<S: Serializer>(
        date: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.collect_str(date),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => written_date::parse(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("`{text}` {}", written_date::NOT_A_DATE))),
        }
    }

    pub(super) mod required {
        use chrono::NaiveDate;
        use serde::{Deserializer, Serializer};

        pub(in crate::domain::actions) fn serialize<S: Serializer>(
            date: &NaiveDate,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.collect_str(date)
        }

        pub(in crate::domain::actions) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<NaiveDate, D::Error> {
            crate::domain::log::written_date::deserialize(deserializer)
        }
    }
}

/// The id an action gets from what identifies it, so the same action
/// imported twice is one action.
pub fn action_id(meeting: &str, created: NaiveDate, title: &str) -> String {
    stable_id("act", &[meeting, &created.to_string(), title.trim()])
}

/// A link people can open: `http://` or `https://` with a host.
pub fn is_web_link(text: &str) -> bool {
    url::Url::parse(text.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

impl Action {
    pub fn validate(&self) -> Result<(), Invalid> {
        check_field(TextKind::Id, "id", &self.id)?;
        check_field(TextKind::Name, "meeting", &self.meeting)?;
        check_field(TextKind::Title, "title", &self.title)?;
        check_field(TextKind::Name, "owner", &self.owner)?;
        check_optional(TextKind::Id, "owner_id", &self.owner_id)?;
        if let Some(id) = &self.owner_id
            && !id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Invalid::new(
                "owner_id",
                "is not a Discord user id (digits only)",
                "Discord のユーザー id（数字のみ）ではありません",
            ));
        }
        check_date(self.created)?;
        self.due.map_or(Ok(()), check_date)?;
        self.closed.map_or(Ok(()), check_date)?;
        check_optional(TextKind::Line, "link", &self.link)?;
        if let Some(link) = &self.link
            && !is_web_link(link)
        {
            return Err(Invalid::new(
                "link",
                "is not a web address; write it as https://…",
                "URL ではありません。https://… の形で書いてください",
            ));
        }
        check_optional(TextKind::Id, "postmortem", &self.postmortem)?;
        check_optional(TextKind::Title, "note", &self.note)?;
        check_optional(TextKind::Id, "closed_by", &self.closed_by)?;
        match (self.status, self.closed) {
            (ActionStatus::Open, Some(_)) => Err(Invalid::new(
                "closed",
                "is set on an open action; remove it or set the status to done or dropped",
                "未完了のアクションに設定されています。削除するか、status を done か dropped にしてください",
            )),
            (ActionStatus::Done | ActionStatus::Dropped, None) => Err(Invalid::new(
                "closed",
                "is missing: a done or dropped action says when it was closed",
                "がありません。done と dropped のアクションには閉じた日が必要です",
            )),
            (_, Some(closed)) if closed < self.created => Err(Invalid::new(
                "closed",
                format!(
                    "{closed} is before the action was created ({})",
                    self.created
                ),
                format!("{closed} が作成日（{}）より前です", self.created),
            )),
            _ => Ok(()),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status == ActionStatus::Open
    }

    pub fn state(&self, today: NaiveDate) -> ActionState {
        match self.status {
            ActionStatus::Open if self.due.is_some_and(|due| due < today) => ActionState::Overdue,
            ActionStatus::Open => ActionState::Open,
            ActionStatus::Done => ActionState::Done,
            ActionStatus::Dropped => ActionState::Dropped,
        }
    }

    /// Closes an open action; `false` when it was already closed (nothing changes).
    pub fn close(&mut self, status: ActionStatus, today: NaiveDate, note: Option<String>) -> bool {
        if !self.is_open() || status == ActionStatus::Open {
            return false;
        }
        self.status = status;
        // An action created "today" in another time zone is never closed before it began.
        self.closed = Some(today.max(self.created));
        self.note = note;
        self.closed_by = None;
        true
    }

    /// Opens a closed action again (its tracker issue was reopened).
    pub fn reopen(&mut self) -> bool {
        if self.is_open() {
            return false;
        }
        self.status = ActionStatus::Open;
        self.closed = None;
        self.note = None;
        self.closed_by = None;
        true
    }

    /// What a tracker's answer does to this action (see [`tracker_change`]):
    /// `true` when it changed.
    pub fn follow_tracker(&mut self, tracker: &str, issue_closed: bool, today: NaiveDate) -> bool {
        match tracker_change(self, issue_closed) {
            Some(ActionStatus::Done) => {
                self.close(ActionStatus::Done, today, None);
                self.closed_by = Some(tracker.to_string());
                true
            }
            Some(ActionStatus::Open) => self.reopen(),
            _ => false,
        }
    }

    /// Whether it was done by its due date (`None`: not done, or no due date).
    pub fn done_on_time(&self) -> Option<bool> {
        match (self.status, self.due, self.closed) {
            (ActionStatus::Done, Some(due), Some(closed)) => Some(closed <= due),
            _ => None,
        }
    }
}

/// Open actions as a list shows them: overdue first (the longest overdue
/// first), then by due date, those without one last, older before newer.
pub fn in_follow_up_order<'a>(
    actions: impl IntoIterator<Item = &'a Action>,
    today: NaiveDate,
) -> Vec<&'a Action> {
    let mut open: Vec<&Action> = actions.into_iter().filter(|a| a.is_open()).collect();
    open.sort_by_key(|a| {
        (
            a.state(today) != ActionState::Overdue,
            a.due.is_none(),
            a.due,
            a.created,
            a.id.clone(),
        )
    });
    open
}

/// What the meeting on `session_date` follows up: open actions of its meeting
/// that are overdue or due within the week that starts on the session's day.
pub fn to_follow_up<'a>(
    actions: impl IntoIterator<Item = &'a Action>,
    meeting: &str,
    session_date: NaiveDate,
) -> Vec<&'a Action> {
    let week_end = session_date + chrono::Days::new(6);
    in_follow_up_order(
        actions
            .into_iter()
            .filter(|a| a.meeting == meeting && a.due.is_some_and(|due| due <= week_end)),
        session_date,
    )
}

/// Open actions whose owner asked for a reminder the day before: due tomorrow.
pub fn due_tomorrow<'a>(
    actions: impl IntoIterator<Item = &'a Action>,
    today: NaiveDate,
) -> Vec<&'a Action> {
    let tomorrow = today.succ_opt();
    actions
        .into_iter()
        .filter(|a| a.is_open() && a.due.is_some() && a.due == tomorrow)
        .collect()
}

/// What a tracker's answer changes: `Some(status)` to set, `None` for nothing.
/// A closed issue makes an open action done; a reopened one makes an action
/// a tracker closed open again (one a person closed stays done). A dropped
/// action is the team's decision and stays.
pub fn tracker_change(action: &Action, issue_closed: bool) -> Option<ActionStatus> {
    match (action.status, issue_closed) {
        (ActionStatus::Open, true) => Some(ActionStatus::Done),
        (ActionStatus::Done, false) if action.closed_by.is_some() => Some(ActionStatus::Open),
        _ => None,
    }
}

/// How many actions are in each state on `today`, every state listed.
pub fn count_by_state<'a>(
    actions: impl IntoIterator<Item = &'a Action>,
    today: NaiveDate,
) -> Vec<(ActionState, usize)> {
    let mut counts: Vec<(ActionState, usize)> = ActionState::ALL.iter().map(|s| (*s, 0)).collect();
    for action in actions {
        let state = action.state(today);
        if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == state) {
            entry.1 += 1;
        }
    }
    counts
}

/// How well actions get done: of the done ones with a due date, how many by
/// it, and the median days from creation to done.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClosingFigures {
    pub done: usize,
    pub done_with_due: usize,
    pub done_on_time: usize,
    pub median_days_to_close: Option<f64>,
}

impl ClosingFigures {
    /// The share done by their due date, 0 to 1.
    pub fn on_time_share(&self) -> Option<f64> {
        (self.done_with_due > 0).then(|| self.done_on_time as f64 / self.done_with_due as f64)
    }
}

pub fn closing_figures<'a>(actions: impl IntoIterator<Item = &'a Action>) -> ClosingFigures {
    let mut figures = ClosingFigures::default();
    let mut days: Vec<i64> = Vec::new();
    for action in actions {
        if action.status != ActionStatus::Done {
            continue;
        }
        figures.done += 1;
        if let Some(on_time) = action.done_on_time() {
            figures.done_with_due += 1;
            figures.done_on_time += usize::from(on_time);
        }
        if let Some(closed) = action.closed {
            days.push((closed - action.created).num_days());
        }
    }
    days.sort_unstable();
    figures.median_days_to_close = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2] as f64),
        n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
    };
    figures
}

#[cfg(test)]
mod tests;
