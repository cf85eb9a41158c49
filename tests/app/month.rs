//! A month in the life (issue 24): a Japanese SRE team lives 12/7 to 1/8 with the bot
//! (calls for topics, late topics, a skip with its reason, a live session with every
//! button, forms, alerts, a closure, guests, rotation, history past its last page).
//! Every text the bot posts or answers goes, in order, into a reviewed snapshot
//! (`snapshots/`), once in Japanese and once in English; the test fails on an ISO
//! date, a raw mention, a person's key, a ping, or English in the Japanese one.

use serde_json::{Value, json};

use crate::fake_discord::{FACILITATOR_ROLE_ID, FakeDiscord, TEXT_CHANNEL_ID};
use crate::helpers::{ALERTS_TOKEN, ALERTS_TOKEN_ENV, RunningDaemon, TestApp, WAIT};
use crate::test_config::{Discord, Meeting, Person, TestConfig, toml_string};
use crate::transcript::{Transcript, problems};

use crate::fake_discord::{BOT_TOKEN, BOT_TOKEN_ENV};

const SATO: u64 = 1_300_000_000_000_002_001;
const SUZUKI: u64 = 1_300_000_000_000_002_002;
const TANAKA: u64 = 1_300_000_000_000_002_003;
const TAKAHASHI: u64 = 1_300_000_000_000_002_004;

/// The people, by key: what the transcript must never show where a display exists.
const KEYS: &[&str] = &["sato", "suzuki", "tanaka", "takahashi"];

/// The tracker issue of an action, closed on GitHub during the month.
const ISSUE: &str = "https://github.com/acme/pay/issues/42";

fn config(fake: &FakeDiscord, trackers: &str, language: &str) -> TestConfig {
    let person = |name: &str, ja: &str, en: &str, id: u64, team: &str| {
        Person::new(name)
            .display(pick(language, ja, en))
            .discord_id(id)
            .team(team)
    };
    let closure = pick(language, "年末年始", "Year-end holidays");
    let dashboard = pick(language, "APIレイテンシ", "API latency");
    TestConfig::new()
        .language(language)
        .meeting(
            Meeting::weekly()
                .title(pick(language, "週刊ポストモーテム", "Weekly postmortem"))
                .without("skip_japanese_holidays")
                .without("skip_dates")
                .set(
                    "closures",
                    &format!(
                        "[{{name = {}, from = \"12-29\", until = \"01-03\"}}]",
                        toml_string(closure)
                    ),
                )
                .facilitators(&["sato", "takahashi"])
                .team("SRE")
                .set(
                    "dashboards",
                    &format!(
                        "[{{name = {}, url = \"https://grafana.example.com/d/api\"}}]",
                        toml_string(dashboard)
                    ),
                ),
        )
        .person(person("sato", "佐藤", "Sato", SATO, "SRE"))
        .person(person("suzuki", "鈴木", "Suzuki", SUZUKI, "SRE"))
        .person(person("tanaka", "田中", "Tanaka", TANAKA, "CloudLog"))
        .person(person("takahashi", "高橋", "Takahashi", TAKAHASHI, "SRE"))
        .discord(Discord::fake(fake, FACILITATOR_ROLE_ID))
        .section(&format!(
            "[alerts]\nlisten = \"127.0.0.1:0\"\ntoken_env = \"{ALERTS_TOKEN_ENV}\"\nmin_duration_minutes = 5\n"
        ))
        .section(&format!(
            "[trackers.github]\napi_base_url = \"{trackers}\"\ntoken_env = \"MONTH_GITHUB_TOKEN\"\n"
        ))
}

fn pick<'a>(language: &str, ja: &'a str, en: &'a str) -> &'a str {
    if language == "ja" { ja } else { en }
}

/// The month, one daemon start per day it lives.
struct Month<'a> {
    app: &'a TestApp,
    fake: &'a FakeDiscord,
    daemon: Option<RunningDaemon>,
    t: Transcript<'a>,
    ja: bool,
}

impl<'a> Month<'a> {
    fn day(&mut self, heading: &str, now: &str) {
        if let Some(mut daemon) = self.daemon.take() {
            daemon.terminate();
        }
        self.t.heading(heading);
        let ready = self.app_log_count("Discord gateway ready");
        let daemon = self.app.start_daemon_with_env(&[
            (BOT_TOKEN_ENV, BOT_TOKEN),
            (ALERTS_TOKEN_ENV, ALERTS_TOKEN),
            ("MONTH_GITHUB_TOKEN", crate::fake_trackers::GITHUB_TOKEN),
            ("WEEKLY_POSTMORTEM_NOW", now),
        ]);
        crate::helpers::wait_until("the bot on the gateway", WAIT, || {
            self.app_log_count("Discord gateway ready") > ready
        });
        crate::helpers::wait_until("the reminders caught up", WAIT, || {
            self.app_log_count("reminders: caught up") > ready
        });
        self.daemon = Some(daemon);
        self.t.settle();
    }

    fn app_log_count(&self, what: &str) -> usize {
        self.app.daemon_log().matches(what).count()
    }

    fn name(&self, user: u64) -> &'static str {
        let (ja, en) = match user {
            SATO => ("佐藤", "Sato"),
            SUZUKI => ("鈴木", "Suzuki"),
            TANAKA => ("田中", "Tanaka"),
            _ => ("高橋", "Takahashi"),
        };
        if self.ja { ja } else { en }
    }

    fn roles(user: u64) -> &'static [u64] {
        if user == SATO || user == TAKAHASHI {
            &[FACILITATOR_ROLE_ID]
        } else {
            &[]
        }
    }

    /// A slash command, written as the person typed it; waits for the answer.
    fn command(&mut self, user: u64, typed: &str, name: &str, options: Value) -> Value {
        self.t.step(self.name(user), typed);
        let id = self
            .fake
            .send_slash_command(name, options, user, Self::roles(user));
        let callback = self.fake.wait_for_callback(id, WAIT);
        if callback["type"] == 5 {
            crate::helpers::wait_until("the deferred answer", WAIT, || {
                self.fake.original_response(id).is_some() || !self.fake.followups(id).is_empty()
            });
        }
        self.t.settle();
        callback
    }

    fn click(&mut self, user: u64, message: &Value, label: &str) -> Value {
        self.t.step(self.name(user), &format!("「{label}」を押す"));
        let custom_id = message["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .find(|b| b["label"] == label)
            .unwrap_or_else(|| panic!("no button {label:?} on {message}"))["custom_id"]
            .as_str()
            .unwrap()
            .to_string();
        let id = self
            .fake
            .click_button_with_roles(message, &custom_id, user, Self::roles(user));
        let callback = self.fake.wait_for_callback(id, WAIT);
        self.t.settle();
        callback
    }

    fn submit(&mut self, user: u64, form: &Value, fields: &[(&str, &str)]) {
        let shown: Vec<String> = fields
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        self.t.step(
            self.name(user),
            &format!("フォームを送信 {}", shown.join(" ")),
        );
        let custom_id = form["data"]["custom_id"].as_str().unwrap().to_string();
        let id = self.fake.submit_modal(&custom_id, fields, user);
        self.fake.wait_for_callback(id, WAIT);
        self.t.settle();
    }

    fn newest_with_button(&self, channel: u64, label: &str) -> Value {
        self.fake
            .messages(channel)
            .into_iter()
            .rev()
            .find(|m| m.to_string().contains(&format!("\"label\":\"{label}\"")))
            .unwrap_or_else(|| panic!("no message with a button {label:?} in {channel}"))
    }

    fn thread_id(&self) -> u64 {
        self.fake.threads().last().expect("a thread")["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    fn hook(&mut self, what: &str, body: Value) {
        self.t.step("Alertmanager", what);
        let daemon = self.daemon.as_ref().unwrap();
        let url = crate::alerts::hooks_url(daemon);
        let (status, answer) = crate::alerts::post(&url, Some(ALERTS_TOKEN), body.to_string());
        assert_eq!(status, 200, "{answer}");
        self.t.settle();
    }

    fn agenda_id(&self, date: &str, title: &str) -> String {
        let export = self.app.json(&["export"]);
        export["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["date"] == date)
            .flat_map(|s| s["agenda"].as_array().cloned().unwrap_or_default())
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no agenda item {title:?} on {date}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// A failing month leaves what it saw so far beside the final transcript, to read.
impl Drop for Month<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let language = if self.ja { "ja" } else { "en" };
            let _ = std::fs::write(
                std::env::temp_dir().join(format!("month-{language}.partial.txt")),
                self.t.lines_so_far(),
            );
        }
    }
}

fn sub(name: &str, options: Value) -> Value {
    json!([{"name": name, "type": 1, "options": options}])
}

fn text(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value})
}

fn int(name: &str, value: i64) -> Value {
    json!({"name": name, "type": 4, "value": value})
}

/// An Alertmanager group that fired at `start` and resolved at `end` (UTC).
fn alert(name: &str, summary: &str, start: &str, end: &str, fingerprint: &str) -> Value {
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{name}\"}}"),
        "status": "resolved",
        "receiver": "weekly-postmortem",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "severity": "critical"},
        "commonAnnotations": {"summary": summary},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": [{
            "status": "resolved",
            "labels": {"alertname": name, "severity": "critical"},
            "annotations": {"summary": summary},
            "startsAt": start,
            "endsAt": end,
            "generatorURL": "http://prometheus.example.com:9090/graph",
            "fingerprint": fingerprint,
        }],
    })
}

/// Lives the month in `language` and returns the transcript, checked.
fn live_the_month(language: &str) -> String {
    let ja = language == "ja";
    let fake = FakeDiscord::start();
    let trackers = crate::fake_trackers::FakeTrackers::start();
    trackers.set("github:acme/pay#42", false);
    let app = config(&fake, &trackers.base_url, language).spawn();
    if !ja {
        fake.set_user_locale("en-US");
    }
    let mut m = Month {
        app: &app,
        fake: &fake,
        daemon: None,
        t: Transcript::new(&fake),
        ja,
    };
    let l = |ja_text: &'static str, en_text: &'static str| if ja { ja_text } else { en_text };

    // Monday 12/7: the call for topics for 12/9; topics come in, a skip with its reason.
    m.day(
        l("12月7日(月) 12:05", "Mon Dec 7, 12:05"),
        "2026-12-07T12:05:00+09:00",
    );
    m.command(SUZUKI, "/next", "next", json!([]));
    let payment = l("決済APIの5xx増加", "Payment API 5xx spike");
    m.command(
        SUZUKI,
        &format!("/agenda add title:{payment} kind:incident"),
        "agenda",
        sub("add", json!([text("title", payment), int("kind", 0)])),
    );
    let storage = l("ログ基盤の容量逼迫", "Log platform running out of disk");
    m.command(
        TANAKA,
        &format!("/agenda add title:{storage} kind:topic"),
        "agenda",
        sub("add", json!([text("title", storage), int("kind", 2)])),
    );
    let dashboard = l("ダッシュボードを眺める", "Looking at the dashboards");
    m.command(
        TAKAHASHI,
        &format!("/agenda add title:{dashboard} kind:dashboard"),
        "agenda",
        sub("add", json!([text("title", dashboard), int("kind", 1)])),
    );
    let offsite = l("全社オフサイトのため", "the company offsite");
    m.command(
        SATO,
        &format!("/skip date:12/16 reason:{offsite}"),
        "skip",
        json!([text("date", "12/16"), text("reason", offsite)]),
    );
    m.command(
        SUZUKI,
        "/rsvp status:maybe",
        "rsvp",
        json!([int("status", 1)]),
    );
    m.command(SUZUKI, "/agenda list", "agenda", sub("list", json!([])));
    m.command(SATO, "/rotation show", "rotation", sub("show", json!([])));
    m.command(SUZUKI, "/next", "next", json!([]));

    // Wednesday 12/9: the announcement, a done item, then the live session.
    m.day(
        l("12月9日(水) 10:05", "Wed Dec 9, 10:05"),
        "2026-12-09T10:05:00+09:00",
    );
    let announcement = m.newest_with_button(TEXT_CHANNEL_ID, l("始める", "Start"));
    m.click(SUZUKI, &announcement, l("参加", "Going"));
    let dashboard_id = m.agenda_id("2026-12-09", dashboard);
    m.command(
        SATO,
        "/agenda done id:…",
        "agenda",
        sub("done", json!([text("id", &dashboard_id)])),
    );
    m.command(SUZUKI, "/next", "next", json!([]));
    m.command(SUZUKI, "/agenda list", "agenda", sub("list", json!([])));

    m.day(
        l("12月9日(水) 16:58", "Wed Dec 9, 16:58"),
        "2026-12-09T16:58:00+09:00",
    );
    // Someone who does not lead the session is told who does, by name.
    m.click(SUZUKI, &announcement, l("始める", "Start"));
    m.command(SATO, "/session start", "session", sub("start", json!([])));
    let thread = m.thread_id();
    let run_of_show = m.newest_with_button(thread, l("次へ", "Next"));
    m.click(SATO, &run_of_show, l("+5分", "+5 min"));
    let late = l("CDNのキャッシュ設定ミス", "CDN cache misconfiguration");
    m.command(
        TAKAHASHI,
        &format!("/agenda add title:{late} kind:incident"),
        "agenda",
        sub("add", json!([text("title", late), int("kind", 0)])),
    );
    m.click(SATO, &run_of_show, l("次へ", "Next"));
    let form = m.click(SUZUKI, &run_of_show, l("学びを記録", "Record a learning"));
    m.submit(
        SUZUKI,
        &form,
        &[(
            "text",
            l(
                "5xxの閾値は割合で見る",
                "Alert on the 5xx ratio, not the count",
            ),
        )],
    );
    m.click(SATO, &run_of_show, l("次へ", "Next"));
    m.click(SATO, &run_of_show, l("次へ", "Next"));
    m.command(SATO, "/session end", "session", sub("end", json!([])));

    m.day(
        l("12月9日(水) 18:30", "Wed Dec 9, 18:30"),
        "2026-12-09T18:30:00+09:00",
    );
    let form = m.command(SUZUKI, "/postmortem", "postmortem", json!([]));
    m.submit(
        SUZUKI,
        &form,
        &[
            ("title", payment),
            (
                "impact",
                l("決済の2%が30分失敗", "2% of payments failed for 30 minutes"),
            ),
            (
                "actions_taken",
                l(
                    "旧バージョンへ戻した",
                    "Rolled back to the previous release",
                ),
            ),
            ("root_cause", ""),
            ("prevention", l("段階的リリースにする", "Release in stages")),
        ],
    );
    // The prevention becomes an action with an owner, a due date and its issue.
    let staged = l(
        "段階的リリースの手順を書く",
        "Write down the staged release steps",
    );
    m.command(
        SATO,
        &format!("/action add title:{staged} due:12/22 link:{ISSUE}"),
        "action",
        sub(
            "add",
            json!([
                text("title", staged),
                text("due", "12/22"),
                text("link", ISSUE)
            ]),
        ),
    );

    // Friday 12/11: alerts arrive; one becomes a postmortem.
    m.day(
        l("12月11日(金) 15:00", "Fri Dec 11, 15:00"),
        "2026-12-11T15:00:00+09:00",
    );
    m.hook(
        l("アラート（解決済み）を2件送信", "sends two resolved alerts"),
        alert(
            "CheckoutLatency",
            l(
                "決済APIのレイテンシが2秒を超えています",
                "Checkout latency above 2 s",
            ),
            "2026-12-11T01:00:00Z",
            "2026-12-11T01:40:00Z",
            "aa01",
        ),
    );
    m.hook(
        l("もう1件", "one more"),
        alert(
            "DiskFull",
            l("ログ基盤のディスク使用率が95%", "Log platform disk at 95%"),
            "2026-12-11T03:00:00Z",
            "2026-12-11T03:20:00Z",
            "aa02",
        ),
    );
    m.command(SUZUKI, "/incidents", "incidents", json!([]));
    m.command(
        SUZUKI,
        "/incidents page:5",
        "incidents",
        json!([int("page", 5)]),
    );
    let incident = app.json(&["export"])["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["title"]
                .as_str()
                .unwrap_or_default()
                .contains(l("レイテンシ", "latency"))
        })
        .expect("the latency incident")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = m.command(
        SUZUKI,
        "/postmortem incident:…",
        "postmortem",
        json!([text("incident", &incident)]),
    );
    m.submit(
        SUZUKI,
        &form,
        &[
            (
                "title",
                l(
                    "決済APIのレイテンシが2秒を超えています",
                    "Checkout latency above 2 s",
                ),
            ),
            ("impact", l("決済が遅延", "Slow payments")),
            (
                "actions_taken",
                l("DBの接続数を増やした", "Raised the DB connection limit"),
            ),
            (
                "root_cause",
                l("接続プールの枯渇", "Connection pool exhausted"),
            ),
            ("prevention", l("接続数の監視", "Monitor connections")),
        ],
    );
    let connections = l("接続数の監視を追加する", "Add a connection count alert");
    m.command(
        SUZUKI,
        &format!("/action add title:{connections} due:12/23"),
        "action",
        sub(
            "add",
            json!([text("title", connections), text("due", "12/23")]),
        ),
    );
    m.command(
        SUZUKI,
        "/learning add date:12/30",
        "learning",
        sub(
            "add",
            json!([
                text("text", l("年末の学び", "A year-end learning")),
                text("date", "12/30")
            ]),
        ),
    );

    // Monday 12/14: the week off, with its reason.
    m.day(
        l("12月14日(月) 12:05", "Mon Dec 14, 12:05"),
        "2026-12-14T12:05:00+09:00",
    );
    m.command(SUZUKI, "/next", "next", json!([]));
    // Two facilitators trade sessions.
    m.command(
        TAKAHASHI,
        "/rotation swap first:12/23 second:1/6",
        "rotation",
        sub(
            "swap",
            json!([text("first", "12/23"), text("second", "1/6")]),
        ),
    );
    m.command(SATO, "/rotation show", "rotation", sub("show", json!([])));

    // Monday 12/21: the call for 12/23, with the alerts as candidates.
    m.day(
        l("12月21日(月) 12:05", "Mon Dec 21, 12:05"),
        "2026-12-21T12:05:00+09:00",
    );
    m.command(SUZUKI, "/next", "next", json!([]));

    // Wednesday 12/23: the announcement counts the actions; the session follows them up.
    m.day(
        l("12月23日(水) 10:05", "Wed Dec 23, 10:05"),
        "2026-12-23T10:05:00+09:00",
    );
    m.day(
        l("12月23日(水) 16:58", "Wed Dec 23, 16:58"),
        "2026-12-23T16:58:00+09:00",
    );
    m.command(SATO, "/session start", "session", sub("start", json!([])));
    let thread = m.thread_id();
    let run_of_show = m.newest_with_button(thread, l("次へ", "Next"));
    let done = format!("{}{connections}", l("完了: ", "Done: "));
    m.click(SUZUKI, &run_of_show, &done);
    m.command(SATO, "/session end", "session", sub("end", json!([])));
    // The staged release issue is closed on GitHub after the session.
    trackers.set("github:acme/pay#42", true);

    // Monday 12/28: the closure.
    m.day(
        l("12月28日(月) 12:05", "Mon Dec 28, 12:05"),
        "2026-12-28T12:05:00+09:00",
    );
    m.command(SUZUKI, "/next", "next", json!([]));

    // Friday 1/8: looking back.
    m.day(
        l("1月8日(金) 10:00", "Fri Jan 8, 10:00"),
        "2027-01-08T10:00:00+09:00",
    );
    let query = l("決済", "payment");
    m.command(
        SUZUKI,
        &format!("/history query:{query}"),
        "history",
        json!([text("query", query)]),
    );
    m.command(
        SUZUKI,
        &format!("/history query:{query} page:99"),
        "history",
        json!([text("query", query), int("page", 99)]),
    );
    m.command(SATO, "/rotation show", "rotation", sub("show", json!([])));
    m.command(
        SATO,
        "/action list all:true",
        "action",
        sub("list", json!([{"name": "all", "type": 5, "value": true}])),
    );

    let transcript = m.t.text();
    // The other team's name is what the config calls it.
    let mut found = problems(&m.t.bot_texts, KEYS, ja, &["CloudLog", "GitHub"]);
    found.extend(m.t.pings.iter().map(|p| format!("a ping: {p}")));
    if let Some(mut daemon) = m.daemon.take() {
        daemon.terminate();
    }
    let report = found.join("\n---\n");
    std::fs::write(
        std::env::temp_dir().join(format!("month-{language}.problems.txt")),
        &report,
    )
    .ok();
    std::fs::write(
        std::env::temp_dir().join(format!("month-{language}.txt")),
        &transcript,
    )
    .ok();
    assert!(found.is_empty(), "{} problems:\n{report}", found.len());
    transcript
}

#[test]
fn a_month_in_japanese_reads_naturally() {
    let transcript = live_the_month("ja");
    insta::assert_snapshot!("month_ja", transcript);
}

#[test]
fn a_month_in_english_reads_naturally() {
    let transcript = live_the_month("en");
    insta::assert_snapshot!("month_en", transcript);
}
