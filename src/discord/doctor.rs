//! `doctor`'s Discord checks, live against the API with the bot's token: the
//! token is accepted, the bot is in the guild, each channel it posts to exists
//! and lets it do everything in [`BOT_PERMISSIONS`] (as Discord computes its
//! effective permissions: roles, then the channel's overwrites), the
//! facilitator roles exist, and the voice channel is one. It reports what it
//! found; the command line says it in the config's language.

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, ChannelType, GuildId, Permissions, RoleId, UserId};

use super::client::{BotToken, DiscordConnection, build_http};
use super::permissions::{BOT_PERMISSIONS, Needed};
use crate::doctor_report::{Finding, PermissionName};

/// The ids the config names: where the bot posts, who facilitates, where it meets.
pub(crate) struct Places {
    pub(crate) guild: u64,
    pub(crate) text_channels: Vec<u64>,
    pub(crate) facilitator_roles: Vec<u64>,
    pub(crate) voice_channels: Vec<u64>,
}

pub(crate) async fn check(
    token: BotToken,
    api_base_url: Option<String>,
    places: &Places,
) -> Vec<Finding> {
    let connection = DiscordConnection {
        token,
        api_base_url,
        guild_id: GuildId::new(places.guild),
    };
    let http = build_http(&connection);
    let mut found = Vec::new();
    let bot = match http.get_current_user().await {
        Ok(user) => user,
        Err(e) if status_of(&e) == Some(401) => return vec![Finding::TokenRefused],
        Err(e) => {
            return vec![Finding::Unreachable {
                error: e.to_string(),
            }];
        }
    };
    found.push(Finding::TokenAccepted {
        bot: bot.name.clone(),
    });
    let guild_id = GuildId::new(places.guild);
    let (guild, member) = match (
        http.get_guild(guild_id).await,
        http.get_member(guild_id, UserId::new(bot.id.get())).await,
    ) {
        (Ok(guild), Ok(member)) => (guild, member),
        _ => {
            found.push(Finding::NotInGuild {
                guild: places.guild,
            });
            return found;
        }
    };
    found.push(Finding::InGuild {
        guild: guild.name.clone(),
    });
    // The role Discord made for the bot when it was invited, which is the one to grant.
    let role = guild
        .roles
        .values()
        .find(|r| r.tags.bot_id.is_some_and(|id| id.get() == bot.id.get()))
        .map_or_else(|| bot.name.clone(), |r| r.name.clone());
    for id in &places.text_channels {
        found.push(channel_finding(&http, &guild, &member, *id, Needed::Text, &role).await);
    }
    for id in &places.facilitator_roles {
        found.push(match guild.roles.get(&RoleId::new(*id)) {
            Some(role) => Finding::RoleFound {
                role: role.name.clone(),
            },
            None => Finding::RoleMissing { id: *id },
        });
    }
    for id in &places.voice_channels {
        found.push(channel_finding(&http, &guild, &member, *id, Needed::Voice, &role).await);
    }
    found
}

async fn channel_finding(
    http: &serenity::Http,
    guild: &serenity::PartialGuild,
    member: &serenity::Member,
    id: u64,
    needed: Needed,
    role: &str,
) -> Finding {
    let channel = match http.get_channel(ChannelId::new(id)).await {
        Ok(serenity::Channel::Guild(channel)) => channel,
        Ok(_) => return Finding::NotInThisGuild { id },
        Err(_) => return Finding::ChannelMissing { id },
    };
    if channel.guild_id != guild.id {
        return Finding::NotInThisGuild { id };
    }
    let voice = matches!(channel.kind, ChannelType::Voice | ChannelType::Stage);
    if needed == Needed::Voice && !voice {
        return Finding::NotVoice {
            channel: channel.name.clone(),
        };
    }
    // serenity's own rule of roles and overwrites, not a copy of it.
    let effective: Permissions = guild.user_permissions_in(&channel, member);
    let missing: Vec<PermissionName> = BOT_PERMISSIONS
        .iter()
        .filter(|p| p.needed_in(needed) && !effective.contains(p.flag))
        .map(|p| PermissionName {
            ja: p.name_ja,
            en: p.name_en,
        })
        .collect();
    let name = channel.name.clone();
    match (missing.is_empty(), needed) {
        (true, Needed::Voice) => Finding::VoiceReady { channel: name },
        (true, _) => Finding::ChannelReady { channel: name },
        (false, _) => Finding::PermissionsMissing {
            channel: name,
            role: role.to_string(),
            missing,
        },
    }
}

fn status_of(error: &serenity::Error) -> Option<u16> {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}
