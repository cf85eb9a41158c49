use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn action(title: &str, due: Option<&str>) -> Action {
    Action {
        id: action_id("weekly", date("2026-12-01"), title),
        meeting: "weekly".into(),
        title: title.into(),
        owner: "sato".into(),
        owner_id: None,
        due: due.map(date),
        status: ActionStatus::Open,
        link: None,
        postmortem: None,
        created: date("2026-12-01"),
        closed: None,
        note: None,
        closed_by: None,
    }
}

#[test]
fn an_open_action_past_its_due_date_is_overdue_and_listed_first() {
    let today = date("2026-12-09");
    let later = action("later", Some("2026-12-20"));
    let overdue = action("overdue", Some("2026-12-08"));
    let older_overdue = action("older overdue", Some("2026-12-02"));
    let undated = action("undated", None);
    let mut done = action("done", Some("2026-12-03"));
    assert!(done.close(ActionStatus::Done, today, None));
    let all = [later, undated, overdue, done, older_overdue];
    let titles: Vec<&str> = in_follow_up_order(&all, today)
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(titles, ["older overdue", "overdue", "later", "undated"]);
    assert_eq!(all[2].state(today), ActionState::Overdue);
    assert_eq!(all[2].state(date("2026-12-08")), ActionState::Open);
    assert_eq!(all[3].state(today), ActionState::Done);
}

#[test]
fn a_session_follows_up_overdue_actions_and_those_due_within_its_week() {
    let session = date("2026-12-09");
    let all = [
        action("due in six days", Some("2026-12-15")),
        action("due in seven days", Some("2026-12-16")),
        action("overdue", Some("2026-12-01")),
        action("no due date", None),
        Action {
            meeting: "other".into(),
            ..action("other meeting", Some("2026-12-10"))
        },
    ];
    let titles: Vec<&str> = to_follow_up(&all, "weekly", session)
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(titles, ["overdue", "due in six days"]);
}

#[test]
fn closing_twice_changes_nothing_and_a_reopened_action_forgets_its_closing() {
    let mut a = action("a", Some("2026-12-10"));
    assert!(a.close(
        ActionStatus::Dropped,
        date("2026-12-05"),
        Some("not needed".into())
    ));
    assert!(!a.close(ActionStatus::Done, date("2026-12-06"), None));
    assert_eq!(a.status, ActionStatus::Dropped);
    assert_eq!(a.closed, Some(date("2026-12-05")));
    assert!(a.reopen());
    assert_eq!(
        (a.status, a.closed, a.note.clone()),
        (ActionStatus::Open, None, None)
    );
    assert!(!a.reopen());
}

#[test]
fn trackers_close_open_actions_reopen_done_ones_and_leave_dropped_ones() {
    let open = action("a", None);
    assert_eq!(tracker_change(&open, true), Some(ActionStatus::Done));
    assert_eq!(tracker_change(&open, false), None);
    let mut done_by_a_person = open.clone();
    done_by_a_person.close(ActionStatus::Done, date("2026-12-03"), None);
    assert_eq!(tracker_change(&done_by_a_person, false), None);
    let mut done = open.clone();
    assert!(done.follow_tracker("github", true, date("2026-12-03")));
    assert_eq!(
        (done.status, done.closed_by.as_deref()),
        (ActionStatus::Done, Some("github"))
    );
    assert!(!done.follow_tracker("github", true, date("2026-12-04")));
    assert!(done.follow_tracker("github", false, date("2026-12-05")));
    assert_eq!(
        (done.status, done.closed, done.closed_by),
        (ActionStatus::Open, None, None)
    );
    let mut dropped = open;
    dropped.close(ActionStatus::Dropped, date("2026-12-03"), None);
    assert_eq!(tracker_change(&dropped, false), None);
}

#[test]
fn figures_count_done_by_the_due_date_and_the_median_days_to_close() {
    let mut on_time = action("on time", Some("2026-12-10"));
    on_time.close(ActionStatus::Done, date("2026-12-09"), None);
    let mut late = action("late", Some("2026-12-03"));
    late.close(ActionStatus::Done, date("2026-12-15"), None);
    let mut undated = action("undated", None);
    undated.close(ActionStatus::Done, date("2026-12-05"), None);
    let mut dropped = action("dropped", Some("2026-12-02"));
    dropped.close(ActionStatus::Dropped, date("2026-12-30"), None);
    let figures = closing_figures(&[on_time, late, undated, dropped, action("open", None)]);
    assert_eq!(figures.done, 3);
    assert_eq!((figures.done_with_due, figures.done_on_time), (2, 1));
    assert_eq!(figures.on_time_share(), Some(0.5));
    // 8, 14 and 4 days.
    assert_eq!(figures.median_days_to_close, Some(8.0));
    assert_eq!(closing_figures(&[]).median_days_to_close, None);
}

#[test]
fn an_action_is_refused_for_a_bad_link_owner_id_or_closing() {
    let mut a = action("a", None);
    assert!(a.validate().is_ok());
    a.link = Some("javascript:alert(1)".into());
    assert_eq!(a.validate().unwrap_err().field, "link");
    a.link = Some("https://github.com/acme/app/issues/1".into());
    a.owner_id = Some("<@1>".into());
    assert_eq!(a.validate().unwrap_err().field, "owner_id");
    a.owner_id = None;
    a.closed = Some(date("2026-12-02"));
    assert_eq!(a.validate().unwrap_err().field, "closed");
    a.status = ActionStatus::Done;
    a.closed = Some(date("2026-11-30"));
    assert!(a.validate().unwrap_err().problem.contains("before"));
    a.closed = None;
    assert_eq!(a.validate().unwrap_err().field, "closed");
}

#[test]
fn dates_are_read_only_as_written_yyyy_mm_dd() {
    let json = |due: &str| {
        format!(
            r#"{{"meeting":"weekly","title":"t","owner":"sato","created":"2026-12-01","due":"{due}"}}"#
        )
    };
    let read: Action = serde_json::from_str(&json("2026-12-24")).unwrap();
    assert_eq!(read.due, Some(date("2026-12-24")));
    assert_eq!(read.status, ActionStatus::Open);
    assert!(serde_json::from_str::<Action>(&json("2026-12-4")).is_err());
    let written = serde_json::to_value(&read).unwrap();
    assert_eq!(written["due"], "2026-12-24");
    assert!(written.get("closed").is_none());
}

#[test]
fn reminders_go_for_open_actions_due_tomorrow() {
    let all = [
        action("tomorrow", Some("2026-12-10")),
        action("today", Some("2026-12-09")),
        action("none", None),
    ];
    let titles: Vec<&str> = due_tomorrow(&all, date("2026-12-09"))
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(titles, ["tomorrow"]);
}
