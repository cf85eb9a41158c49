//! The chat port: what the daemon's jobs need from a chat service (post a
//! message once under a key, count a voice channel, keep the guild's
//! scheduled events). Plain data in and out; the Discord adapter implements it.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::log::RsvpStatus;
use crate::store::{SessionLog, StoreError};

/// Custom ids this program owns start with this; anything else is left alone.
pub(crate) const CUSTOM_ID_PREFIX: &str = "wp:";

/// Keeps `channel`'s current name (text read outside the chat, such as
/// Google Calendar descriptions, cannot use `<#id>`, and a name kept in the
/// store is there for `sync` from the command line too); `true` when it differs from the kept one
/// (so texts that name it are due for an update).
pub(crate) fn remember_channel_name(
    log: &dyn SessionLog,
    channel: u64,
    name: &str,
) -> Result<bool, StoreError> {
    if log.channel_name(channel)?.as_deref() == Some(name) {
        return Ok(false);
    }
    log.set_channel_name(channel, name)?;
    Ok(true)
}

/// A message a job wants posted: text (nobody is pinged by it) and its buttons (laid out in rows of five).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChatMessage {
    pub text: String,
    pub buttons: Vec<ChatButton>,
}

/// One button; the click comes back to the bot with `custom_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatButton {
    pub custom_id: String,
    pub label: String,
}

/// `wp:rsvp:<meeting>:<date>:<status>` on the day's announcement.
pub(crate) fn rsvp_button_id(meeting: &str, date: NaiveDate, status: RsvpStatus) -> String {
    let status = match status {
        RsvpStatus::Going => "going",
        RsvpStatus::Maybe => "maybe",
        RsvpStatus::NotGoing => "not_going",
    };
    format!("{CUSTOM_ID_PREFIX}rsvp:{meeting}:{date}:{status}")
}

/// The inverse of [`rsvp_button_id`]; `None` for anything else.
pub(crate) fn parse_rsvp_button(custom_id: &str) -> Option<(&str, NaiveDate, RsvpStatus)> {
    let mut parts = custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)?
        .strip_prefix("rsvp:")?
        .split(':');
    let meeting = parts.next()?;
    let date = parts.next()?.parse().ok()?;
    let status = match parts.next()? {
        "going" => RsvpStatus::Going,
        "maybe" => RsvpStatus::Maybe,
        "not_going" => RsvpStatus::NotGoing,
        _ => return None,
    };
    Some((meeting, date, status))
}

/// `wp:incident:<incident id>`: 「話します」 under an incident a message lists.
pub(crate) fn present_button_id(incident: &str) -> String {
    format!("{CUSTOM_ID_PREFIX}incident:{incident}")
}

/// The inverse of [`present_button_id`]; `None` for anything else.
pub(crate) fn parse_present_button(custom_id: &str) -> Option<&str> {
    custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)?
        .strip_prefix("incident:")
        .filter(|id| !id.is_empty() && !id.contains(':'))
}

/// Where a scheduled event takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventPlace {
    /// A voice channel, by id.
    Voice(u64),
    /// Anywhere else; a location text is required.
    External { location: String },
}

/// What a guild scheduled event should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScheduledEventSpec {
    pub name: String,
    pub description: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub place: EventPlace,
}

/// A scheduled event that exists, with the chat service's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExistingEvent {
    pub id: u64,
    pub spec: ScheduledEventSpec,
}

/// One change to the guild's scheduled events.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventAction {
    Create(ScheduledEventSpec),
    Edit(u64, ScheduledEventSpec),
    Delete(u64),
}

/// The most characters one chat message holds (Discord's limit).
pub(crate) const MAX_MESSAGE_CHARS: usize = 2000;

/// The chat service, as the jobs see it.
pub(crate) trait ChatPort: Send + Sync + 'static {
    /// Posts `message` to `channel`. `key` names the message for good: the
    /// adapter makes a retry under the same key (after a crash between
    /// posting and recording) not post a second message where it can.
    /// Returns the message's id.
    fn post_once(
        &self,
        channel: u64,
        message: &ChatMessage,
        key: &str,
    ) -> impl Future<Output = anyhow::Result<u64>> + Send;

    /// Sends `message` to one person privately (a DM), under `key` as
    /// [`ChatPort::post_once`] does. Only for what the person asked for.
    fn post_direct(
        &self,
        user: u64,
        message: &ChatMessage,
        key: &str,
    ) -> impl Future<Output = anyhow::Result<u64>> + Send;

    /// Opens a public thread named `name` on `message` in `channel`; returns
    /// the thread's id (where messages to it are posted).
    fn create_thread(
        &self,
        channel: u64,
        message: u64,
        name: &str,
    ) -> impl Future<Output = anyhow::Result<u64>> + Send;

    /// How many people (bots excluded) are in a voice channel now; `None`
    /// when the service cannot tell yet.
    fn voice_head_count(&self, voice_channel: u64) -> Option<u32>;

    /// The scheduled events that exist now.
    fn scheduled_events(&self) -> impl Future<Output = anyhow::Result<Vec<ExistingEvent>>> + Send;

    /// Applies one change to the scheduled events; a created event's id is returned.
    fn apply_event(
        &self,
        action: &EventAction,
    ) -> impl Future<Output = anyhow::Result<Option<u64>>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsvp_button_ids_round_trip() {
        let date: NaiveDate = "2026-12-02".parse().unwrap();
        for status in [RsvpStatus::Going, RsvpStatus::Maybe, RsvpStatus::NotGoing] {
            let id = rsvp_button_id("weekly", date, status);
            assert_eq!(parse_rsvp_button(&id), Some(("weekly", date, status)));
        }
        assert_eq!(parse_rsvp_button("wp:rsvp:weekly:2026-12-02:never"), None);
        assert_eq!(parse_rsvp_button("other:rsvp"), None);
        assert_eq!(
            parse_present_button(&present_button_id("inc-0a1b")),
            Some("inc-0a1b")
        );
        assert_eq!(parse_present_button("wp:incident:"), None);
        assert_eq!(parse_rsvp_button(&present_button_id("inc-0a1b")), None);
    }
}
