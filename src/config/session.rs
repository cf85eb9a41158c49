//! `[meeting.session]`: how the live session splits its time (issue 15). The
//! keys `opening_minutes`, `closing_minutes` and `weights.<kind>` are a contract.

use serde::Deserialize;

use crate::messages::config::{ConfigText as Say, Explanation};
use toml::Spanned;

use crate::domain::run_of_show::{KindWeights, SessionTiming};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSession {
    #[serde(default)]
    opening_minutes: Option<Minutes>,
    #[serde(default)]
    closing_minutes: Option<Minutes>,
    #[serde(default)]
    weights: RawWeights,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWeights {
    #[serde(default)]
    incident: Option<Weight>,
    #[serde(default)]
    dashboard: Option<Weight>,
    #[serde(default)]
    topic: Option<Weight>,
    #[serde(default)]
    other: Option<Weight>,
}

/// 0 to 120 minutes: an opening or closing longer than two hours is a typo.
#[derive(Deserialize, Clone, Copy)]
#[serde(try_from = "i64")]
struct Minutes(u32);

impl TryFrom<i64> for Minutes {
    type Error = Explanation;
    fn try_from(minutes: i64) -> Result<Self, Explanation> {
        match u32::try_from(minutes) {
            Ok(m @ 0..=120) => Ok(Self(m)),
            _ => Err(Say::Minutes {
                min: 0,
                max: 120,
                got: minutes,
            }
            .into()),
        }
    }
}

/// 0 (no time of its own) to 100.
#[derive(Deserialize, Clone, Copy)]
#[serde(try_from = "i64")]
struct Weight(u32);

impl TryFrom<i64> for Weight {
    type Error = Explanation;
    fn try_from(weight: i64) -> Result<Self, Explanation> {
        match u32::try_from(weight) {
            Ok(w @ 0..=100) => Ok(Self(w)),
            _ => Err(Say::Weight {
                min: 0,
                max: 100,
                got: weight,
            }
            .into()),
        }
    }
}

/// The timing with defaults filled in; an error (span, key below the
/// meeting, message) when opening and closing leave no time for the items.
pub(super) fn timing(
    raw: Option<&Spanned<RawSession>>,
    duration_minutes: u32,
) -> Result<SessionTiming, (std::ops::Range<usize>, String, Explanation)> {
    let defaults = SessionTiming::default();
    let Some(spanned) = raw else {
        return Ok(defaults);
    };
    let raw = spanned.get_ref();
    let w = &raw.weights;
    let pick = |own: Option<Weight>, default: u32| own.map_or(default, |w| w.0);
    let timing = SessionTiming {
        opening_minutes: raw
            .opening_minutes
            .map_or(defaults.opening_minutes, |m| m.0),
        closing_minutes: raw
            .closing_minutes
            .map_or(defaults.closing_minutes, |m| m.0),
        weights: KindWeights {
            incident: pick(w.incident, defaults.weights.incident),
            dashboard: pick(w.dashboard, defaults.weights.dashboard),
            topic: pick(w.topic, defaults.weights.topic),
            other: pick(w.other, defaults.weights.other),
        },
    };
    if timing.opening_minutes + timing.closing_minutes >= duration_minutes {
        return Err((
            spanned.span(),
            "session".into(),
            Say::NoTimeForAgenda {
                opening: timing.opening_minutes,
                closing: timing.closing_minutes,
                duration: duration_minutes,
            }
            .into(),
        ));
    }
    Ok(timing)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    const BASE: &str = r#"
[[meeting]]
id = "weekly"
title = "Weekly"
weekday = "wednesday"
start_time = "17:00"
duration_minutes = 60
first_session = "2024-01-03"
"#;

    fn parse(extra: &str) -> Result<Config, String> {
        Config::parse(
            Path::new("/etc/wp/config.toml"),
            &format!("{BASE}{extra}\n[daemon]\nlanguage = \"en\"\n"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn without_the_table_the_defaults_apply() {
        let config = parse("").unwrap();
        assert_eq!(config.meetings[0].session, Default::default());
    }

    #[test]
    fn the_keys_override_the_defaults() {
        let config = parse(
            "[meeting.session]\nopening_minutes = 2\nclosing_minutes = 8\n\
             [meeting.session.weights]\nincident = 5\nother = 0\n",
        )
        .unwrap();
        let timing = config.meetings[0].session;
        assert_eq!((timing.opening_minutes, timing.closing_minutes), (2, 8));
        assert_eq!((timing.weights.incident, timing.weights.other), (5, 0));
        assert_eq!(timing.weights.topic, 2, "unset weights keep their default");
    }

    #[test]
    fn bad_values_name_the_file_line_and_key() {
        let err = parse("[meeting.session]\nopening_minutes = -1\n").unwrap_err();
        assert!(
            err.starts_with("/etc/wp/config.toml:10: key `meeting[0].session.opening_minutes`"),
            "{err}"
        );
        let err = parse("[meeting.session.weights]\nincident = 1000\n").unwrap_err();
        assert!(
            err.contains(":10: key `meeting[0].session.weights.incident`"),
            "{err}"
        );
        let err = parse("[meeting.session]\nopening_minute = 3\n").unwrap_err();
        assert!(err.contains("opening_minute"), "{err}");
        let err =
            parse("[meeting.session]\nopening_minutes = 30\nclosing_minutes = 30\n").unwrap_err();
        assert!(err.contains("key `meeting[0].session`"), "{err}");
        assert!(err.contains("leave no time"), "{err}");
    }
}
