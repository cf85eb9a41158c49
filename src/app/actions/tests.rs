use super::*;
use crate::app::fixture::{Fixture, fixture, person};

/// Wednesday 2026-12-09, 10:00 in Tokyo; sato is a configured person.
fn setup() -> Fixture {
    fixture("2026-12-09T01:00:00Z")
        .with_config("[[person]]\nname = \"sato\"\ndisplay = \"佐藤\"\ndiscord_id = 111\n")
}

fn new(title: &str, owner: Owner, due: Option<&str>) -> NewAction {
    NewAction {
        title: title.into(),
        owner,
        due: due.map(str::to_string),
        postmortem: None,
        link: None,
    }
}

fn only_action(f: &Fixture) -> Action {
    let mut actions = f.ctx().log.actions(None).unwrap();
    assert_eq!(actions.len(), 1);
    actions.remove(0)
}

#[test]
fn the_asker_owns_an_action_by_id_and_the_answer_names_their_display() {
    let f = setup();
    let reply = add(
        &f.ctx(),
        &person("111"),
        new("Raise the alert threshold", Owner::Asker, Some("12/24")),
    )
    .unwrap();
    assert!(!reply.ephemeral);
    assert!(
        reply.text.contains("owner: 佐藤, due Dec 24 (Thu)"),
        "{}",
        reply.text
    );
    let action = only_action(&f);
    assert_eq!(
        (action.owner.as_str(), action.owner_id.as_deref()),
        ("sato", Some("111"))
    );
    assert_eq!(action.created.to_string(), "2026-12-09");
}

#[test]
fn a_named_owner_is_a_configured_person_or_kept_as_written() {
    let f = setup();
    add(
        &f.ctx(),
        &person("222"),
        new("a", Owner::Named("sato".into()), None),
    )
    .unwrap();
    add(
        &f.ctx(),
        &person("222"),
        new("b", Owner::Named(" 山田（CloudLog） ".into()), None),
    )
    .unwrap();
    let owners: Vec<String> = f
        .ctx()
        .log
        .actions(None)
        .unwrap()
        .into_iter()
        .map(|a| a.owner)
        .collect();
    assert!(owners.contains(&"sato".to_string()));
    assert!(owners.contains(&"山田（CloudLog）".to_string()));
}

#[test]
fn a_past_due_date_a_bad_link_or_an_unknown_postmortem_adds_nothing() {
    let f = setup();
    let ctx = f.ctx();
    let e = add(
        &ctx,
        &person("111"),
        new("a", Owner::Asker, Some("2026-12-01")),
    )
    .unwrap_err();
    assert!(e.0.contains("has passed"), "{}", e.0);
    let mut bad_link = new("a", Owner::Asker, None);
    bad_link.link = Some("javascript:alert(1)".into());
    assert!(
        add(&ctx, &person("111"), bad_link)
            .unwrap_err()
            .0
            .contains("not a web address")
    );
    let mut unknown = new("a", Owner::Asker, None);
    unknown.postmortem = Some("pm-nope".into());
    assert!(
        add(&ctx, &person("111"), unknown)
            .unwrap_err()
            .0
            .contains("pm-nope")
    );
    assert!(ctx.log.actions(None).unwrap().is_empty());
    add(&ctx, &person("111"), new("a", Owner::Asker, None)).unwrap();
    let twice = add(&ctx, &person("111"), new("a", Owner::Asker, None)).unwrap_err();
    assert!(twice.0.contains("already added"), "{}", twice.0);
}

#[test]
fn only_the_owner_or_a_facilitator_closes_and_only_once() {
    let f = setup();
    let ctx = f.ctx();
    add(&ctx, &person("111"), new("a", Owner::Asker, None)).unwrap();
    let id = only_action(&f).id;
    let stranger = close(&ctx, &person("333"), &id, ActionStatus::Done, None).unwrap_err();
    assert!(stranger.0.contains("its owner, 佐藤"), "{}", stranger.0);
    let facilitator = Actor {
        is_facilitator: true,
        ..person("333")
    };
    let dropped = close(
        &ctx,
        &facilitator,
        &id,
        ActionStatus::Dropped,
        Some("covered by the new alert".into()),
    )
    .unwrap();
    assert!(dropped.text.contains("reason: covered by the new alert"));
    let again = close(&ctx, &person("111"), &id, ActionStatus::Done, None).unwrap_err();
    assert!(again.0.contains("already dropped"), "{}", again.0);
    assert!(
        close(&ctx, &person("111"), "act-nope", ActionStatus::Done, None)
            .unwrap_err()
            .0
            .contains("act-nope")
    );
    let stored = only_action(&f);
    assert_eq!(
        (stored.status, stored.closed.map(|d| d.to_string())),
        (ActionStatus::Dropped, Some("2026-12-09".into()))
    );
}

#[test]
fn the_list_shows_open_actions_overdue_first_and_only_to_the_asker() {
    let f = setup();
    add(
        &f.ctx(),
        &person("111"),
        new("later", Owner::Asker, Some("2026-12-30")),
    )
    .unwrap();
    add(
        &f.ctx(),
        &person("222"),
        new("theirs", Owner::Asker, Some("2026-12-20")),
    )
    .unwrap();
    // Added a week ago with a due date that has passed since.
    let mut overdue = only_action_titled(&f, "later");
    overdue.id = action_id("weekly", overdue.created, "overdue");
    overdue.title = "overdue".into();
    overdue.due = "2026-12-08".parse().ok();
    f.ctx().log.put_action(&overdue).unwrap();
    let reply = list(&f.ctx(), &person("111"), true, false).unwrap();
    assert!(reply.ephemeral);
    let lines: Vec<&str> = reply.text.lines().collect();
    assert_eq!(lines[0], "Your open actions (2):");
    assert!(
        lines[1].starts_with("- \"overdue\" owner: 佐藤, due Dec 8 (Tue) (overdue)"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("- \"later\""), "{}", lines[2]);
    let everyone = list(&f.ctx(), &person("333"), false, false).unwrap();
    assert!(
        everyone.text.starts_with("Open actions (3):"),
        "{}",
        everyone.text
    );
}

fn only_action_titled(f: &Fixture, title: &str) -> Action {
    f.ctx()
        .log
        .actions(None)
        .unwrap()
        .into_iter()
        .find(|a| a.title == title)
        .unwrap()
}

#[test]
fn the_announcement_counts_overdue_actions_and_those_due_this_week() {
    let f = setup();
    for (title, due) in [
        ("a", "2026-12-10"),
        ("b", "2026-12-15"),
        ("c", "2026-12-16"),
    ] {
        add(
            &f.ctx(),
            &person("111"),
            new(title, Owner::Asker, Some(due)),
        )
        .unwrap();
    }
    let actions = f.ctx().log.actions(None).unwrap();
    let session: chrono::NaiveDate = "2026-12-09".parse().unwrap();
    assert_eq!(follow_up_counts(&actions, "weekly", session), (0, 2));
    let next: chrono::NaiveDate = "2026-12-16".parse().unwrap();
    assert_eq!(follow_up_counts(&actions, "weekly", next), (2, 1));
}
