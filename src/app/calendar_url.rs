//! The calendar feed's secret address, for whoever may see it: anyone at the service's
//! command line (`calendar-url`), facilitators in Discord (`/calendar`, privately). It is
//! read like a password, so the reply says how to treat it.

use super::{Actor, Answer, Reply, UserError, say};
use crate::config::DaemonConfig;
use crate::domain::language::Language;

/// `/calendar`: the address, only to a facilitator and only to them (ephemeral).
pub fn show(daemon: &DaemonConfig, actor: &Actor) -> Answer {
    let language = daemon.language;
    if !actor.is_facilitator {
        return Err(UserError(say(
            language,
            "カレンダーの購読アドレスはファシリテーターだけが確認できます。ファシリテーターに聞いてください",
            "only facilitators can see the calendar's subscription address; ask one of them",
        )));
    }
    let url = crate::feed_address::url(daemon, false).map_err(|e| {
        tracing::error!("/calendar: {e}");
        UserError(say(
            language,
            "購読アドレスを用意できませんでした。運用担当にログを確認してもらってください",
            "the subscription address could not be prepared; the operators have been told in the logs",
        ))
    })?;
    Ok(Reply::private(format!(
        "{url}\n{}",
        keep_it_secret(language, false)
    )))
}

/// How to treat the address; after a rotation, that the old one stopped working.
pub fn keep_it_secret(language: Language, rotated: bool) -> String {
    let note = say(
        language,
        "このアドレスを知っている人は誰でも予定と議題のタイトルを読めます。パスワードと同じように扱い、漏れたら `weekly-postmortem calendar-url --rotate` で作り直してください。",
        "Anyone who has this address can read the schedule and the agenda titles. Treat it like a password; if it leaks, replace it with `weekly-postmortem calendar-url --rotate`.",
    );
    if !rotated {
        return note;
    }
    say(
        language,
        format!(
            "新しいアドレスに変えました。古いアドレスはもう使えません（購読している人には新しいアドレスを伝えてください）。{note}"
        ),
        format!(
            "The address was replaced; the old one no longer works (give subscribers the new one). {note}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{CONFIG, facilitator, person};

    fn daemon(dir: &std::path::Path) -> DaemonConfig {
        let mut config = crate::config::Config::parse(&dir.join("config.toml"), CONFIG).unwrap();
        config.daemon.state_dir = dir.join("state");
        config.daemon
    }

    #[test]
    fn a_facilitator_gets_the_address_privately_and_others_a_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let daemon = daemon(dir.path());
        let reply = show(&daemon, &facilitator("1")).unwrap();
        assert!(reply.ephemeral);
        let token = crate::secret_token::read(&crate::feed_address::token_path(&daemon.state_dir))
            .unwrap()
            .unwrap();
        assert!(
            reply
                .text
                .starts_with(&format!("http://127.0.0.1:8754/calendar/{token}.ics\n")),
            "{}",
            reply.text
        );
        let refused = show(&daemon, &person("2")).unwrap_err();
        assert!(refused.0.contains("only facilitators"), "{refused}");
        assert!(!refused.0.contains(&token));
    }
}
