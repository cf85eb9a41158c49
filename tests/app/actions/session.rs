//! Actions in the live session and around it: followed up when overdue or due, offered
//! after a postmortem, and a direct message to the owner the day before a due date.

use super::*;

#[test]
fn the_session_follows_up_overdue_and_due_actions_and_its_summary_lists_those_done() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    seed_actions(&app);
    let mut daemon =
        app.start_daemon_with_env(&[(BOT_TOKEN_ENV, BOT_TOKEN), ("WEEKLY_POSTMORTEM_NOW", NOW)]);
    fake.wait_until_ready(WAIT);
    let announced = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT);
    let announcement = announced[0]["content"].as_str().unwrap();
    assert!(
        announcement.contains("期限を過ぎた再発防止アクションが1件、今週が期限のものが1件あります"),
        "{announcement}"
    );
    assert!(
        !announcement.contains("タイムアウト") && !announcement.contains("佐藤"),
        "a count, no names: {announcement}"
    );
    crate::helpers::wait_until("the announcement recorded", WAIT, || {
        app.daemon_log().contains("posted reminder")
    });

    let start = fake.send_slash_command(
        "session",
        json!([{"name": "start", "type": 1, "options": []}]),
        TANAKA,
        &[FACILITATOR_ROLE],
    );
    fake.wait_for_callback(start, WAIT);
    let thread: u64 = fake.threads()[0]["id"].as_str().unwrap().parse().unwrap();
    let run_of_show = fake.wait_for_messages(thread, 1, WAIT)[0].clone();
    let text = run_of_show["content"].as_str().unwrap();
    crate::no_english::assert_japanese("the run-of-show", text, &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1], "▶ 再発防止アクション（期限切れと今週が期限のもの）",
        "{text}"
    );
    assert_eq!(
        lines[2], "- 「タイムアウトを見直す」 担当: 佐藤、期限 11月30日(月)（期限切れ）",
        "{text}"
    );
    assert_eq!(
        lines[3],
        "- 「遅延のグラフを足す」 担当: 田中、期限 12月4日(金) <https://github.com/acme/pay/issues/9>",
        "{text}"
    );
    assert!(!text.contains("手順書を直す"), "{text}");
    let done_buttons: Vec<(String, String)> = buttons(&run_of_show)
        .into_iter()
        .filter(|(id, _)| id.contains(":done:"))
        .collect();
    assert_eq!(
        done_buttons
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>(),
        ["完了: タイムアウトを見直す", "完了: 遅延のグラフを足す"]
    );

    // Someone who neither owns it nor facilitates is told who may.
    let refused = fake.click_button(&run_of_show, &done_buttons[0].0, 1_300_000_000_000_002_999);
    let refused = fake.wait_for_callback(refused, WAIT);
    assert!(is_ephemeral(&refused));
    assert!(
        japanese_reply(&refused).contains("担当の佐藤さんとファシリテーター"),
        "{refused}"
    );
    let done = fake.click_button(&run_of_show, &done_buttons[0].0, SATO);
    let done = fake.wait_for_callback(done, WAIT);
    assert!(!is_ephemeral(&done), "the thread sees it: {done}");
    assert!(
        japanese_reply(&done).contains("「タイムアウトを見直す」を完了にしました"),
        "{done}"
    );

    let end = fake.send_slash_command(
        "session",
        json!([{"name": "end", "type": 1, "options": []}]),
        TANAKA,
        &[FACILITATOR_ROLE],
    );
    fake.wait_for_callback(end, WAIT);
    let summary = crate::helpers::eventually("the summary in the thread", WAIT, || {
        fake.messages(thread)
            .into_iter()
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .find(|t| t.contains("のまとめ"))
    });
    assert!(
        summary.contains("この回で完了したアクション:\n- タイムアウトを見直す"),
        "{summary}"
    );
    daemon.terminate();
}

#[test]
fn a_recorded_postmortem_offers_to_add_its_prevention_actions_in_a_small_form() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    let mut daemon = app.start_daemon_with_env(&[
        (BOT_TOKEN_ENV, BOT_TOKEN),
        // The session day, after the session.
        ("WEEKLY_POSTMORTEM_NOW", "2026-12-02T19:00:00+09:00"),
    ]);
    fake.wait_until_ready(WAIT);
    let submitted = fake.submit_modal(
        "wp:pm:weekly:-",
        &[
            ("title", "決済APIの遅延"),
            ("impact", "決済の3割が失敗"),
            ("actions_taken", "旧版に戻した"),
            ("prevention", "タイムアウトを見直す"),
        ],
        SATO,
    );
    let recorded = fake.wait_for_callback(submitted, WAIT);
    assert!(
        japanese_reply(&recorded).contains("記録しました"),
        "{recorded}"
    );
    let add = buttons(&recorded["data"])
        .into_iter()
        .find(|(_, label)| label == "アクションを追加")
        .unwrap_or_else(|| panic!("no 「アクションを追加」: {recorded}"));
    // The reply as Discord would deliver it with the click: a whole message.
    let mut message = fake.wait_for_messages(TEXT_CHANNEL_ID, 1, WAIT)[0].clone();
    message["components"] = recorded["data"]["components"].clone();
    let opened = fake.wait_for_callback(fake.click_button(&message, &add.0, TANAKA), WAIT);
    assert_eq!(opened["type"], 9, "a form: {opened}");
    let form = opened["data"]["custom_id"].as_str().unwrap().to_string();
    let labels: Vec<&str> = opened["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["components"][0]["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "やること",
            "担当（空欄ならあなた）",
            "期限（12/24、来週 など。空欄なら期限なし）"
        ]
    );
    let added = fake.submit_modal(
        &form,
        &[
            ("title", "タイムアウトを2秒に"),
            ("owner", "sato"),
            ("due", "来週"),
        ],
        TANAKA,
    );
    let added = fake.wait_for_callback(added, WAIT);
    assert!(
        japanese_reply(&added)
            .contains("「タイムアウトを2秒に」を登録しました（担当: 佐藤、期限 12月9日(水)）"),
        "{added}"
    );
    daemon.terminate();
    let action = exported(&app)["actions"][0].clone();
    assert!(
        action["postmortem"].as_str().unwrap().starts_with("pm-"),
        "{action}"
    );
    assert_eq!(action["owner"], "sato");
}

#[test]
fn an_owner_who_asked_gets_one_direct_message_the_day_before_a_due_date() {
    let fake = FakeDiscord::start();
    let app = app_with_discord(&fake);
    seed_actions(&app);
    // Thursday 12/3, 10:00: act-soon (田中) is due on Friday.
    let env = [
        (BOT_TOKEN_ENV, BOT_TOKEN),
        ("WEEKLY_POSTMORTEM_NOW", "2026-12-03T10:00:00+09:00"),
    ];
    let mut daemon = app.start_daemon_with_env(&env);
    fake.wait_until_ready(WAIT);
    let asked = action(
        &fake,
        "remind",
        json!([{"name": "setting", "type": 4, "value": 0}]),
        TANAKA,
        &[],
    );
    assert!(is_ephemeral(&asked));
    let dm = crate::fake_discord::direct_channel_id(TANAKA);
    let sent = fake.wait_for_messages(dm, 1, WAIT);
    let text = sent[0]["content"].as_str().unwrap();
    crate::no_english::assert_japanese("the reminder", text, &[]);
    assert!(
        text.contains("明日（12月4日(金)）が期限") && text.contains("遅延のグラフを足す"),
        "{text}"
    );
    assert_eq!(sent[0]["allowed_mentions"]["parse"], json!([]));
    assert!(
        fake.messages(crate::fake_discord::direct_channel_id(SATO))
            .is_empty(),
        "only those who asked"
    );
    daemon.terminate();
    // Once: a restart the same day sends nothing more.
    let mut daemon = app.start_daemon_with_env(&env);
    fake.wait_until_ready(WAIT);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fake.messages(dm).len(), 1);
    daemon.terminate();
}
