//! The chat port over Discord: messages with a nonce Discord enforces, the
//! voice head count from serenity's cache, and the guild's scheduled events.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::client::{
    create_scheduled_event, delete_scheduled_event, edit_scheduled_event, list_scheduled_events,
    post_message_with_nonce,
};
use crate::chat::{
    ChatMessage, ChatPort, EventAction, EventPlace, ExistingEvent, ScheduledEventSpec,
};

pub(crate) struct DiscordChat {
    http: Arc<serenity::Http>,
    cache: Arc<serenity::Cache>,
    guild: serenity::GuildId,
}

impl DiscordChat {
    pub(crate) fn new(
        http: Arc<serenity::Http>,
        cache: Arc<serenity::Cache>,
        guild: serenity::GuildId,
    ) -> Self {
        Self { http, cache, guild }
    }
}

impl ChatPort for DiscordChat {
    /// The nonce is derived from the key, and Discord enforces it for a few
    /// minutes: a retry after a crash returns the first message.
    async fn post_once(
        &self,
        channel: u64,
        message: &ChatMessage,
        key: &str,
    ) -> anyhow::Result<u64> {
        let nonce = crate::domain::log::stable_id("r", &[key]);
        let posted = post_message_with_nonce(
            &self.http,
            serenity::ChannelId::new(channel),
            &message.text,
            &message.buttons,
            &nonce,
        )
        .await?;
        Ok(posted.id.get())
    }

    async fn post_direct(
        &self,
        user: u64,
        message: &ChatMessage,
        key: &str,
    ) -> anyhow::Result<u64> {
        use anyhow::Context as _;
        let channel = serenity::UserId::new(user)
            .create_dm_channel(&self.http)
            .await
            .with_context(|| format!("opening a direct message to {user}"))?;
        self.post_once(channel.id.get(), message, key).await
    }

    async fn create_thread(&self, channel: u64, message: u64, name: &str) -> anyhow::Result<u64> {
        use anyhow::Context as _;
        // Discord caps thread names at 100 characters.
        let name: String = name.chars().take(100).collect();
        let thread = serenity::ChannelId::new(channel)
            .create_thread_from_message(
                &self.http,
                serenity::MessageId::new(message),
                serenity::CreateThread::new(name)
                    .auto_archive_duration(serenity::AutoArchiveDuration::OneDay),
            )
            .await
            .with_context(|| format!("opening a thread on message {message} in {channel}"))?;
        Ok(thread.id.get())
    }

    fn voice_head_count(&self, voice_channel: u64) -> Option<u32> {
        let bot = self.cache.current_user().id;
        self.cache.guild(self.guild).map(|g| {
            g.voice_states
                .values()
                .filter(|v| {
                    v.channel_id.map(|c| c.get()) == Some(voice_channel) && v.user_id != bot
                })
                .count() as u32
        })
    }

    async fn scheduled_events(&self) -> anyhow::Result<Vec<ExistingEvent>> {
        let events = list_scheduled_events(&self.http, self.guild).await?;
        Ok(events
            .into_iter()
            .map(|event| {
                let place = match (event.channel_id, &event.metadata) {
                    (Some(channel), _) => EventPlace::Voice(channel.get()),
                    (None, meta) => EventPlace::External {
                        location: meta
                            .as_ref()
                            .and_then(|m| m.location.clone())
                            .unwrap_or_default(),
                    },
                };
                ExistingEvent {
                    id: event.id.get(),
                    spec: ScheduledEventSpec {
                        name: event.name,
                        description: event.description,
                        start: *event.start_time,
                        end: event.end_time.map_or(*event.start_time, |t| *t),
                        place,
                    },
                }
            })
            .collect())
    }

    async fn apply_event(&self, action: &EventAction) -> anyhow::Result<Option<u64>> {
        match action {
            EventAction::Create(spec) => {
                let created = create_scheduled_event(&self.http, self.guild, spec).await?;
                return Ok(Some(created.id.get()));
            }
            EventAction::Edit(id, spec) => {
                edit_scheduled_event(
                    &self.http,
                    self.guild,
                    serenity::ScheduledEventId::new(*id),
                    spec,
                )
                .await?;
            }
            EventAction::Delete(id) => {
                delete_scheduled_event(
                    &self.http,
                    self.guild,
                    serenity::ScheduledEventId::new(*id),
                )
                .await?;
            }
        }
        Ok(None)
    }
}
