//! The settings a meeting may set for itself, each falling back to the global
//! `[discord]` or `[google]` key. One function per setting: every caller asks
//! here, so two meetings never disagree about which rule applies.

use super::{Config, Meeting, Snowflake};

impl Meeting {
    /// Where announcements and reminders go: `meeting.discord_channel_id`,
    /// else `[discord] channel_id`. `None` without `[discord]`.
    pub fn channel(&self, config: &Config) -> Option<Snowflake> {
        let discord = config.discord.as_ref()?;
        Some(self.discord_channel_id.unwrap_or(discord.channel_id))
    }

    /// The voice channel whose head count is the session's presence and where
    /// the scheduled event takes place: `meeting.discord_voice_channel_id`,
    /// else `[discord] voice_channel_id`.
    pub fn voice_channel(&self, config: &Config) -> Option<Snowflake> {
        let discord = config.discord.as_ref()?;
        self.settings
            .discord_voice_channel_id
            .or(discord.voice_channel_id)
    }

    /// The role whose holders facilitate this meeting:
    /// `meeting.discord_facilitator_role_id`, else `[discord] facilitator_role_id`.
    pub fn facilitator_role(&self, config: &Config) -> Option<Snowflake> {
        let discord = config.discord.as_ref()?;
        Some(
            self.settings
                .discord_facilitator_role_id
                .unwrap_or(discord.facilitator_role_id),
        )
    }

    /// The Google calendar holding this meeting's events:
    /// `meeting.google_calendar_id`, else `[google] calendar_id`.
    pub fn calendar_id<'a>(&'a self, config: &'a Config) -> Option<&'a str> {
        let google = config.google.as_ref()?;
        Some(
            self.settings
                .google_calendar_id
                .as_deref()
                .unwrap_or(&google.calendar_id),
        )
    }

    /// Who the events invite (as optional attendees): `meeting.google_attendees`
    /// (person names already resolved to their emails), else `[google] attendees`.
    /// A meeting that sets an empty list invites nobody.
    pub fn attendees<'a>(&'a self, config: &'a Config) -> &'a [String] {
        match (&self.settings.google_attendees, &config.google) {
            (Some(own), _) => own,
            (None, Some(google)) => &google.attendees,
            (None, None) => &[],
        }
    }

    /// Whether this meeting's fallback proposals may draw on a postmortem of
    /// `meeting_id`: its own, and those of `share_history_with`.
    pub fn reads_history_of(&self, meeting_id: &str) -> bool {
        meeting_id == self.id
            || self
                .settings
                .share_history_with
                .iter()
                .any(|m| m == meeting_id)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const TWO: &str = r#"
[google]
calendar_id = "shared@example.com"
credentials_file = "key.json"
attendees = ["sre-all@example.com"]

[discord]
guild_id = "1"
channel_id = "2"
facilitator_role_id = "3"
voice_channel_id = "4"

[[person]]
name = "kato"
email = "kato@example.com"

[[meeting]]
id = "sre"
title = "SRE"
weekday = "wednesday"
start_time = "17:00"
first_session = "2024-01-03"

[[meeting]]
id = "cloudlog"
title = "CloudLog"
weekday = "thursday"
start_time = "17:00"
first_session = "2024-01-04"
discord_channel_id = 12
discord_voice_channel_id = "14"
discord_facilitator_role_id = 13
google_calendar_id = "cloudlog@example.com"
google_attendees = ["kato", "cl@example.com"]
share_history_with = ["sre"]
"#;

    #[test]
    fn each_setting_falls_back_to_the_global_key() {
        let config = Config::parse(Path::new("/etc/wp/config.toml"), TWO).unwrap();
        let (sre, cloudlog) = (&config.meetings[0], &config.meetings[1]);
        assert_eq!(sre.channel(&config), Some(Snowflake(2)));
        assert_eq!(sre.voice_channel(&config), Some(Snowflake(4)));
        assert_eq!(sre.facilitator_role(&config), Some(Snowflake(3)));
        assert_eq!(sre.calendar_id(&config), Some("shared@example.com"));
        assert_eq!(sre.attendees(&config), ["sre-all@example.com"]);
        assert!(sre.reads_history_of("sre") && !sre.reads_history_of("cloudlog"));

        assert_eq!(cloudlog.channel(&config), Some(Snowflake(12)));
        assert_eq!(cloudlog.voice_channel(&config), Some(Snowflake(14)));
        assert_eq!(cloudlog.facilitator_role(&config), Some(Snowflake(13)));
        assert_eq!(cloudlog.calendar_id(&config), Some("cloudlog@example.com"));
        assert_eq!(
            cloudlog.attendees(&config),
            ["kato@example.com", "cl@example.com"]
        );
        assert!(cloudlog.reads_history_of("sre") && cloudlog.reads_history_of("cloudlog"));
    }

    #[test]
    fn without_the_integration_there_is_nothing_to_fall_back_to() {
        let offline = TWO
            .split("[[person]]")
            .nth(1)
            .map(|rest| format!("[[person]]{rest}"))
            .unwrap();
        let config = Config::parse(Path::new("/etc/wp/config.toml"), &offline).unwrap();
        let (sre, cloudlog) = (&config.meetings[0], &config.meetings[1]);
        assert_eq!(sre.voice_channel(&config), None);
        assert_eq!(cloudlog.voice_channel(&config), None);
        assert_eq!(cloudlog.calendar_id(&config), None);
        assert!(sre.attendees(&config).is_empty());
        assert_eq!(cloudlog.attendees(&config).len(), 2, "its own list stands");
    }
}
