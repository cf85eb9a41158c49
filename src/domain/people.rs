//! The people directory: who is who, found by name (what the config refers
//! to) or by Discord user id (who is asking). Pure; the config builds it.

/// One `[[person]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Unique key: what `facilitators`, `google_attendees` and teams refer to.
    pub name: String,
    /// How messages name them; `name` when absent.
    pub display: Option<String>,
    pub discord_id: Option<u64>,
    pub email: Option<String>,
    pub team: Option<String>,
}

impl Person {
    pub fn display_name(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.name)
    }
}

/// Someone not in the config who joined the rotation from Discord: kept in
/// the store and in the v1 document's `people` array. `name` is derived from
/// the id (`discord-<id>`), so it never collides with a display name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinedPerson {
    pub name: String,
    /// Their Discord name when they joined; renaming in Discord changes nothing.
    pub display: String,
    /// A Discord user id, as a string (JSON numbers lose digits past 2^53).
    pub discord_id: String,
}

impl JoinedPerson {
    pub fn new(discord_id: u64, display: &str) -> Self {
        Self {
            name: format!("discord-{discord_id}"),
            display: display.chars().take(100).collect(),
            discord_id: discord_id.to_string(),
        }
    }

    pub fn validate(&self) -> Result<(), crate::domain::log::Invalid> {
        use crate::domain::log::{Invalid, TextKind, check_field};
        check_field(TextKind::Name, "name", &self.name)?;
        check_field(TextKind::Name, "display", &self.display)?;
        match self.discord_id.parse::<u64>() {
            Ok(id) if id > 0 && self.name == format!("discord-{id}") => Ok(()),
            Ok(_) | Err(_) => Err(Invalid::new(
                "discord_id",
                format!(
                    "{:?} with name {:?}: expected a Discord user id (digits) and the name discord-<that id>",
                    self.discord_id, self.name
                ),
                format!(
                    "{:?}（name {:?}）: Discord のユーザー ID（数字）と、name には discord-<その ID> が必要です",
                    self.discord_id, self.name
                ),
            )),
        }
    }
}

/// Every person of the config, in the order written. Names and Discord ids
/// are unique (the config refuses duplicates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    persons: Vec<Person>,
}

impl People {
    /// The caller has checked that names and Discord ids are unique.
    pub fn new(persons: Vec<Person>) -> Self {
        Self { persons }
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Person> {
        self.persons.iter()
    }

    pub fn by_name(&self, name: &str) -> Option<&Person> {
        self.persons.iter().find(|p| p.name == name)
    }

    pub fn by_discord_id(&self, id: u64) -> Option<&Person> {
        self.persons.iter().find(|p| p.discord_id == Some(id))
    }

    /// The key of a roster or session entry: a person's name as is, else the
    /// name of the person whose `display` an older version stored there, else
    /// the entry unchanged. Only the config decides this; what Discord shows
    /// never says who someone is.
    pub fn canonical(&self, entry: &str) -> String {
        if self.by_name(entry).is_some() {
            return entry.to_string();
        }
        self.persons
            .iter()
            .find(|p| p.display.as_deref() == Some(entry))
            .map_or_else(|| entry.to_string(), |p| p.name.clone())
    }

    /// The people of `team` (compared ignoring case: "sre" is "SRE"), in config order.
    pub fn team(&self, team: &str) -> Vec<&Person> {
        self.persons
            .iter()
            .filter(|p| {
                p.team
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(team))
            })
            .collect()
    }

    /// Every team named by someone, each once, in config order.
    pub fn teams(&self) -> Vec<&str> {
        let mut teams: Vec<&str> = Vec::new();
        for team in self.persons.iter().filter_map(|p| p.team.as_deref()) {
            if !teams.iter().any(|t| t.eq_ignore_ascii_case(team)) {
                teams.push(team);
            }
        }
        teams
    }

    /// The known name closest to `name`, when it looks like a typo of it.
    pub fn did_you_mean(&self, name: &str) -> Option<&str> {
        closest(name, self.persons.iter().map(|p| p.name.as_str()))
    }
}

/// The candidate within a typo's reach of `wanted` (at most 2 edits, fewer for
/// short words, case ignored), the nearest first.
pub fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let reach = (wanted.chars().count() / 3).clamp(1, 2);
    candidates
        .filter(|c| *c != wanted)
        .map(|c| (edit_distance(&wanted_lower, &c.to_lowercase()), c))
        .filter(|(distance, _)| *distance <= reach)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// An address Google can invite: one `@`, a local part, and a domain with a
/// dot, no spaces. Not RFC 5322: a typo check, not a mail server.
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let fine = |c: char| !c.is_whitespace() && !c.is_control() && c != '@' && c != ',';
    !local.is_empty()
        && local.chars().all(fine)
        && domain.chars().all(fine)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, discord: Option<u64>, team: Option<&str>) -> Person {
        Person {
            name: name.into(),
            display: None,
            discord_id: discord,
            email: Some(format!("{name}@example.com")),
            team: team.map(str::to_string),
        }
    }

    #[test]
    fn people_are_found_by_name_discord_id_and_team() {
        let people = People::new(vec![
            person("sato", Some(11), Some("SRE")),
            person("tanaka", None, Some("CloudLog")),
            person("suzuki", Some(33), Some("sre")),
        ]);
        assert_eq!(people.by_name("tanaka").unwrap().name, "tanaka");
        assert!(people.by_name("Tanaka").is_none(), "names are exact keys");
        assert_eq!(people.by_discord_id(33).unwrap().name, "suzuki");
        assert!(people.by_discord_id(22).is_none());
        let sre: Vec<&str> = people.team("SRE").iter().map(|p| p.name.as_str()).collect();
        assert_eq!(sre, ["sato", "suzuki"]);
        assert_eq!(people.teams(), ["SRE", "CloudLog"]);
        assert_eq!(people.by_name("sato").unwrap().display_name(), "sato");
    }

    #[test]
    fn a_typo_suggests_the_nearest_name_and_a_stranger_suggests_nothing() {
        let people = People::new(vec![
            person("sato", None, None),
            person("tanaka", None, None),
        ]);
        assert_eq!(people.did_you_mean("tanka"), Some("tanaka"));
        assert_eq!(people.did_you_mean("Sato"), Some("sato"));
        assert_eq!(people.did_you_mean("satou"), Some("sato"));
        assert_eq!(people.did_you_mean("yamamoto"), None);
        assert_eq!(
            people.did_you_mean("sato"),
            None,
            "an exact name is no typo"
        );
    }

    #[test]
    fn email_addresses_are_checked_for_typos() {
        for good in ["sato@example.com", "a.b+c@sub.example.co.jp"] {
            assert!(is_email_address(good), "{good}");
        }
        for bad in [
            "sato",
            "sato@",
            "@example.com",
            "sato@example",
            "sato @example.com",
            "sato@@example.com",
            "sato@example..com",
            "a@b.com,c@d.com",
        ] {
            assert!(!is_email_address(bad), "{bad}");
        }
    }
}
