//! The calendar feed's secret address, for whoever may see it: anyone at the service's
//! command line (`calendar-url`), facilitators in Discord (`/calendar`, privately). It is
//! read like a password, so the reply says how to treat it.

use super::{Actor, Answer, Reply, UserError};
use crate::config::Config;
use crate::domain::language::Language;
use crate::messages::Message;
use crate::messages::sessions::Sessions;

/// `/calendar`: the address, only to a facilitator and only to them (ephemeral).
pub fn show(config: &Config, actor: &Actor) -> Answer {
    let language = config.daemon.language;
    if !actor.is_facilitator {
        return Err(UserError(Sessions::CalendarOnlyFacilitators.say(language)));
    }
    let url = crate::feed_address::url(config, false).map_err(|e| {
        tracing::error!("/calendar: {e}");
        UserError(Sessions::CalendarAddressFailed.say(language))
    })?;
    Ok(Reply::private(format!(
        "{url}\n{}",
        keep_it_secret(language, false)
    )))
}

/// How to treat the address; after a rotation, that the old one stopped working.
pub fn keep_it_secret(language: Language, rotated: bool) -> String {
    let note = Sessions::KeepAddressSecret.say(language);
    if !rotated {
        return note;
    }
    Sessions::AddressReplaced { note: &note }.say(language)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{CONFIG, facilitator, person};

    fn config(dir: &std::path::Path) -> Config {
        let mut config = Config::parse(&dir.join("config.toml"), CONFIG).unwrap();
        config.daemon.state_dir = dir.join("state");
        config
    }

    #[test]
    fn a_facilitator_gets_the_address_privately_and_others_a_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let daemon = &config.daemon;
        let reply = show(&config, &facilitator("1")).unwrap();
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
        let refused = show(&config, &person("2")).unwrap_err();
        assert!(refused.0.contains("only facilitators"), "{refused}");
        assert!(!refused.0.contains(&token));
    }
}
