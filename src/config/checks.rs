//! Checks of the config that span a table: the meetings as a whole, and the
//! one rule for secrets read from a variable or a file.

use std::collections::HashSet;

use toml::Spanned;

use super::{RawMeeting, session};
use crate::messages::config::{ConfigText as Say, Explanation};

/// At least one meeting, ids unique, and each meeting's texts and session timing.
pub(super) fn meetings(
    meetings: &[RawMeeting],
) -> Result<(), (Option<std::ops::Range<usize>>, String, Explanation)> {
    if meetings.is_empty() {
        return Err((None, String::new(), Say::NoMeeting.into()));
    }
    let mut seen = HashSet::new();
    for (index, meeting) in meetings.iter().enumerate() {
        let id = &meeting.id.get_ref().0;
        if !seen.insert(id.clone()) {
            return Err((
                Some(meeting.id.span()),
                format!("meeting[{index}].id"),
                Say::DuplicateMeetingId { id }.into(),
            ));
        }
    }
    for (index, meeting) in meetings.iter().enumerate() {
        meeting
            .check_texts()
            .and_then(|()| {
                session::timing(meeting.session.as_ref(), meeting.duration_minutes.0).map(drop)
            })
            .map_err(|(span, key, message)| {
                (Some(span), format!("meeting[{index}].{key}"), message)
            })?;
    }
    Ok(())
}

/// The one rule for a secret read from an environment variable or a file:
/// not both, and the variable's name a name. `keys` are the two config keys.
pub(super) fn secret_source(
    env: Option<&Spanned<String>>,
    has_file: bool,
    keys: (&str, &str),
) -> Result<(), (Option<std::ops::Range<usize>>, String, Explanation)> {
    let (env_key, file_key) = keys;
    let Some(env) = env else { return Ok(()) };
    let last = |key: &str| key.rsplit('.').next().unwrap_or(key).to_string();
    if has_file {
        return Err((
            Some(env.span()),
            env_key.to_string(),
            Say::EnvAndFile {
                env: &last(env_key),
                file: &last(file_key),
            }
            .into(),
        ));
    }
    if env.get_ref().is_empty() || env.get_ref().contains('=') {
        return Err((
            Some(env.span()),
            env_key.to_string(),
            Say::TokenEnvName { got: env.get_ref() }.into(),
        ));
    }
    Ok(())
}
