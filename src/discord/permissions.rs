//! The one list of what the bot may do in a channel: the invite URL asks for
//! exactly these (`discord-invite-url`) and `doctor` checks each of them, as
//! Discord computes them, in every channel the bot posts to. Never
//! Administrator: a bot that can do everything hides a missing permission.

use poise::serenity_prelude::Permissions;

/// Where the bot needs a permission: the channels it posts to, or the voice
/// channel its scheduled events take place in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needed {
    Text,
    Voice,
    Both,
}

/// Why the bot needs a permission, and its name as Discord's settings show it.
#[derive(Debug)]
pub(crate) struct BotPermission {
    pub(crate) flag: Permissions,
    pub(crate) needed: Needed,
    pub(crate) name_ja: &'static str,
    pub(crate) name_en: &'static str,
}

impl BotPermission {
    /// Whether a channel of this kind must grant it.
    pub(crate) fn needed_in(&self, kind: Needed) -> bool {
        self.needed == Needed::Both || self.needed == kind
    }
}

/// Every permission the bot uses; nothing else.
pub(crate) const BOT_PERMISSIONS: &[BotPermission] = &[
    // To see the channel at all, and the announcement it edits.
    BotPermission {
        flag: Permissions::VIEW_CHANNEL,
        needed: Needed::Both,
        name_ja: "チャンネルを見る",
        name_en: "View Channel",
    },
    // Announcements, reminders, calls for topics, summaries.
    BotPermission {
        flag: Permissions::SEND_MESSAGES,
        needed: Needed::Text,
        name_ja: "メッセージの送信",
        name_en: "Send Messages",
    },
    // The agenda and the postmortem answers are embeds.
    BotPermission {
        flag: Permissions::EMBED_LINKS,
        needed: Needed::Text,
        name_ja: "埋め込みリンク",
        name_en: "Embed Links",
    },
    // `/stats` answers with the chart as a PNG.
    BotPermission {
        flag: Permissions::ATTACH_FILES,
        needed: Needed::Text,
        name_ja: "ファイルを添付",
        name_en: "Attach Files",
    },
    // To find its own announcement again after a restart.
    BotPermission {
        flag: Permissions::READ_MESSAGE_HISTORY,
        needed: Needed::Text,
        name_ja: "メッセージ履歴を読む",
        name_en: "Read Message History",
    },
    // The live session runs in a thread of the announcement.
    BotPermission {
        flag: Permissions::CREATE_PUBLIC_THREADS,
        needed: Needed::Text,
        name_ja: "公開スレッドの作成",
        name_en: "Create Public Threads",
    },
    BotPermission {
        flag: Permissions::SEND_MESSAGES_IN_THREADS,
        needed: Needed::Text,
        name_ja: "スレッドでメッセージを送信",
        name_en: "Send Messages in Threads",
    },
    // Each held session as a scheduled event of the guild.
    BotPermission {
        flag: Permissions::MANAGE_EVENTS,
        needed: Needed::Both,
        name_ja: "イベントの管理",
        name_en: "Manage Events",
    },
    // A scheduled event in a voice channel needs the bot to be allowed in it.
    BotPermission {
        flag: Permissions::CONNECT,
        needed: Needed::Voice,
        name_ja: "接続",
        name_en: "Connect",
    },
];

/// Where a server's owner adds the bot: the OAuth2 address with the bot and
/// slash-command scopes and exactly [`BOT_PERMISSIONS`].
pub(crate) fn invite_url(application_id: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot+applications.commands&permissions={}",
        bot_permissions().bits()
    )
}

/// The permissions of [`BOT_PERMISSIONS`] as one bit set, as the invite URL carries it.
pub(crate) fn bot_permissions() -> Permissions {
    BOT_PERMISSIONS
        .iter()
        .fold(Permissions::empty(), |all, p| all | p.flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_asks_for_what_it_uses_and_never_for_administrator() {
        let all = bot_permissions();
        assert!(!all.contains(Permissions::ADMINISTRATOR));
        assert!(!all.contains(Permissions::MANAGE_CHANNELS));
        // VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
        // | CONNECT | MANAGE_EVENTS | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
        assert_eq!(
            all.bits(),
            1024 + 2048 + 16384 + 32768 + 65536 + (1 << 20) + (1 << 33) + (1 << 35) + (1 << 38)
        );
    }
}
