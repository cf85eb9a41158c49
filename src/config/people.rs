//! `[[person]]`, the people directory, and the checks that tie the meetings'
//! per-meeting keys to it (facilitators, attendees, shared history). Refusals
//! name the key and its line; the lookups themselves live in `domain::people`.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;

use crate::messages::config::{ConfigText as Say, Explanation};
use toml::Spanned;

use super::{Config, RawMeeting, Snowflake};
use crate::domain::language::Language;
use crate::domain::log::{TextKind, check_field};
use crate::domain::people::{People, Person, closest, is_email_address};

/// One `[[person]]` table as written (a contract: extend, never rename).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerson {
    name: Spanned<String>,
    #[serde(default)]
    display: Option<Spanned<String>>,
    /// A string or an integer, like every Discord id in the config.
    #[serde(default)]
    discord_id: Option<Spanned<Snowflake>>,
    #[serde(default)]
    email: Option<Spanned<String>>,
    #[serde(default)]
    team: Option<Spanned<String>>,
}

/// Where a problem is, which key, and what to fix.
pub(super) type Problem = (Option<Range<usize>>, String, Explanation);

fn at(span: Range<usize>, key: String, message: impl Into<Explanation>) -> Problem {
    (Some(span), key, message.into())
}

/// Checks the directory and the meeting keys that name people or meetings, and
/// builds the directory.
pub(super) fn check(raw: &[RawPerson], meetings: &[RawMeeting]) -> Result<People, Problem> {
    let mut persons = Vec::with_capacity(raw.len());
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut discord_ids: HashMap<u64, usize> = HashMap::new();
    for (index, person) in raw.iter().enumerate() {
        let key = |field: &str| format!("person[{index}].{field}");
        let text = |kind: TextKind, field: &str, value: &Spanned<String>| {
            check_field(kind, &key(field), value.get_ref())
                .map_err(|e| at(value.span(), e.field.clone(), &e))
        };
        text(TextKind::Name, "name", &person.name)?;
        let name = person.name.get_ref().as_str();
        if name.contains('@') {
            return Err(at(
                person.name.span(),
                key("name"),
                Say::NameLooksLikeAddress { name },
            ));
        }
        if let Some(first) = names.insert(name, index) {
            return Err(at(
                person.name.span(),
                key("name"),
                Say::NameTaken { first, name },
            ));
        }
        for (field, value) in [("display", &person.display), ("team", &person.team)] {
            if let Some(value) = value {
                text(TextKind::Name, field, value)?;
            }
        }
        if let Some(email) = &person.email
            && !is_email_address(email.get_ref())
        {
            return Err(at(
                email.span(),
                key("email"),
                Say::Email {
                    got: email.get_ref(),
                },
            ));
        }
        if let Some(id) = &person.discord_id
            && let Some(first) = discord_ids.insert(id.get_ref().0, index)
        {
            return Err(at(
                id.span(),
                key("discord_id"),
                Say::DiscordIdTaken {
                    first,
                    name: raw[first].name.get_ref(),
                    id: id.get_ref().0,
                },
            ));
        }
        persons.push(Person {
            name: name.to_string(),
            display: person.display.as_ref().map(|d| d.get_ref().clone()),
            discord_id: person.discord_id.as_ref().map(|d| d.get_ref().0),
            email: person.email.as_ref().map(|e| e.get_ref().clone()),
            team: person.team.as_ref().map(|t| t.get_ref().clone()),
        });
    }
    let people = People::new(persons);
    for (index, meeting) in meetings.iter().enumerate() {
        check_meeting(index, meeting, meetings, &people)?;
    }
    Ok(people)
}

fn check_meeting(
    index: usize,
    meeting: &RawMeeting,
    meetings: &[RawMeeting],
    people: &People,
) -> Result<(), Problem> {
    let key = |field: String| format!("meeting[{index}].{field}");
    // A name that is not in the directory is accepted (older configs), unless
    // it is one typo away from a name that is: then it is the typo.
    for (i, name) in meeting.facilitators.iter().enumerate() {
        if people.by_name(name.get_ref()).is_none()
            && let Some(near) = people.did_you_mean(name.get_ref())
        {
            return Err(at(
                name.span(),
                key(format!("facilitators[{i}]")),
                Say::NoPersonNamed {
                    name: name.get_ref(),
                    near: Some(near),
                },
            ));
        }
    }
    if let Some(calendar) = &meeting.google_calendar_id {
        check_field(TextKind::Line, "google_calendar_id", calendar.get_ref())
            .map_err(|e| at(calendar.span(), key(e.field.clone()), &e))?;
    }
    for (i, entry) in meeting.google_attendees.iter().flatten().enumerate() {
        attendee_email(entry.get_ref(), people)
            .map_err(|message| at(entry.span(), key(format!("google_attendees[{i}]")), message))?;
    }
    let own_id = &meeting.id.get_ref().0;
    for (i, other) in meeting.share_history_with.iter().enumerate() {
        let wanted = other.get_ref();
        let known = meetings.iter().map(|m| m.id.get_ref().0.as_str());
        if wanted == own_id {
            return Err(at(
                other.span(),
                key(format!("share_history_with[{i}]")),
                Say::SharesWithItself { id: wanted },
            ));
        }
        if !known.clone().any(|id| id == wanted) {
            let near = closest(wanted, known.clone());
            let ids: Vec<&str> = known.collect();
            return Err(at(
                other.span(),
                key(format!("share_history_with[{i}]")),
                Say::NoMeetingWithId {
                    id: wanted,
                    near,
                    ids: &ids.join(", "),
                },
            ));
        }
    }
    Ok(())
}

/// A `google_attendees` entry: an address as written, or a person's name
/// standing for their `email`.
fn attendee_email<'a>(entry: &'a str, people: &'a People) -> Result<&'a str, Explanation> {
    if entry.contains('@') {
        return if is_email_address(entry) {
            Ok(entry)
        } else {
            Err(Say::EmailOrPerson { got: entry }.into())
        };
    }
    match people.by_name(entry) {
        Some(person) => person
            .email
            .as_deref()
            .ok_or_else(|| Say::PersonWithoutEmail { name: entry }.into()),
        None => Err(match people.did_you_mean(entry) {
            Some(near) => Say::NoPersonNamed {
                name: entry,
                near: Some(near),
            }
            .into(),
            None => Say::NeitherEmailNorPerson { got: entry }.into(),
        }),
    }
}

/// The attendees' emails; [`check`] has refused every entry that has none.
pub(super) fn attendee_emails(entries: &[Spanned<String>], people: &People) -> Vec<String> {
    entries
        .iter()
        .filter_map(|e| attendee_email(e.get_ref(), people).ok())
        .map(str::to_string)
        .collect()
}

impl Config {
    /// What is accepted but probably not meant; `check-config` prints these
    /// and `run` logs them.
    pub fn warnings(&self) -> Vec<String> {
        let language = self.daemon.language;
        let mut warnings = Vec::new();
        for meeting in &self.meetings {
            for name in &meeting.facilitators {
                if self.people.by_name(name).is_none() {
                    warnings.push(match language {
                        Language::Ja => format!(
                            "meeting {:?} のファシリテーター {name:?} には [[person]] がありません。この人の代わりに操作できるのはファシリテーターロールの人だけです",
                            meeting.id
                        ),
                        Language::En => format!(
                            "meeting {:?}: facilitator {name:?} has no [[person]] entry, so only holders of the facilitator role can act for them",
                            meeting.id
                        ),
                    });
                }
            }
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    const BASE: &str = r#"[daemon]
language = "en"

[[person]]
name = "sato"
display = "佐藤"
discord_id = "123456789012345678"
email = "sato@example.com"
team = "SRE"

[[person]]
name = "tanaka"
discord_id = 223456789012345678
team = "CloudLog"

[[meeting]]
id = "sre"
title = "SRE"
weekday = "wednesday"
start_time = "17:00"
first_session = "2024-01-03"
facilitators = ["sato", "tanaka", "yamada"]
"#;

    fn parse(text: &str) -> Result<crate::config::Config, String> {
        crate::config::Config::parse(Path::new("/etc/wp/config.toml"), text)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_directory_parses_ids_as_strings_or_integers_and_warns_about_strangers() {
        let config = parse(BASE).unwrap();
        let sato = config
            .people
            .by_discord_id(123_456_789_012_345_678)
            .unwrap();
        assert_eq!((sato.name.as_str(), sato.display_name()), ("sato", "佐藤"));
        let tanaka = config.people.by_name("tanaka").unwrap();
        assert_eq!(tanaka.discord_id, Some(223_456_789_012_345_678));
        assert_eq!(tanaka.display_name(), "tanaka");
        let warnings = config.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("\"yamada\""), "{warnings:?}");
        assert!(warnings[0].contains("facilitator role"), "{warnings:?}");
    }

    #[test]
    fn bad_people_and_references_name_file_line_and_key() {
        let cases = [
            (
                BASE.replace("name = \"tanaka\"", "name = \"sato\""),
                "/etc/wp/config.toml:12: key `person[1].name`: person[0] is already named \"sato\"",
            ),
            (
                BASE.replace("223456789012345678", "\"123456789012345678\""),
                "/etc/wp/config.toml:13: key `person[1].discord_id`: person[0] (\"sato\") already has the Discord id 123456789012345678",
            ),
            (
                BASE.replace("sato@example.com", "sato.example.com"),
                "/etc/wp/config.toml:8: key `person[0].email`: expected an email address",
            ),
            (
                BASE.replace("\"tanaka\", \"yamada\"", "\"tanka\", \"yamada\""),
                "/etc/wp/config.toml:22: key `meeting[0].facilitators[1]`: no [[person]] is named \"tanka\"; did you mean \"tanaka\"?",
            ),
            (
                format!("{BASE}discord_voice_channel_id = \"voice\"\n"),
                "/etc/wp/config.toml:23: key `meeting[0].discord_voice_channel_id`: expected a Discord id",
            ),
            (
                format!("{BASE}discord_facilitator_role_id = -3\n"),
                "/etc/wp/config.toml:23: key `meeting[0].discord_facilitator_role_id`: expected a Discord id",
            ),
            (
                format!("{BASE}share_history_with = [\"srre\"]\n"),
                "/etc/wp/config.toml:23: key `meeting[0].share_history_with[0]`: no meeting has the id \"srre\"; did you mean \"sre\"? the meetings are sre",
            ),
            (
                format!("{BASE}share_history_with = [\"sre\"]\n"),
                "key `meeting[0].share_history_with[0]`: \"sre\" is this meeting itself",
            ),
            (
                format!("{BASE}google_attendees = [\"tanaka\"]\n"),
                ":23: key `meeting[0].google_attendees[0]`: [[person]] \"tanaka\" has no `email`",
            ),
            (
                format!("{BASE}google_attendees = [\"satou\"]\n"),
                ":23: key `meeting[0].google_attendees[0]`: no [[person]] is named \"satou\"; did you mean \"sato\"?",
            ),
            (
                format!("{BASE}google_attendees = [\"ops@\"]\n"),
                ":23: key `meeting[0].google_attendees[0]`: expected an email address",
            ),
            (
                format!("{BASE}google_calendar_id = \"\"\n"),
                ":23: key `meeting[0].google_calendar_id`: is empty",
            ),
            (
                BASE.replace("name = \"tanaka\"", "name = \"tanaka@example.com\""),
                ":12: key `person[1].name`: \"tanaka@example.com\" looks like an address",
            ),
            (
                BASE.replace("team = \"SRE\"", "team = \"SRE\"\nphone = \"1\""),
                "unknown field `phone`",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
    }

    #[test]
    fn attendees_may_be_person_names_standing_for_their_email() {
        let config = parse(&format!(
            "{BASE}google_attendees = [\"sato\", \"oncall@example.com\"]\n"
        ))
        .unwrap();
        assert_eq!(
            config.meetings[0].settings.google_attendees.as_deref(),
            Some(
                &[
                    "sato@example.com".to_string(),
                    "oncall@example.com".to_string()
                ][..]
            )
        );
    }
}
