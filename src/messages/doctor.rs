//! `doctor`: one line per check, ✓ or ✗ (⚠ for what only warns), and for ✗
//! what to do about it.

use super::{Message, catalogue};
use crate::doctor_report::{Finding, PermissionName};

catalogue! {
    pub(crate) enum Doctor<'a> {
        ConfigRead { path: &'a str },
        StateDirReady { state_dir: &'a str },
        StateDirUnusable { state_dir: &'a str, why: &'a str },
        ListenFree { key: &'a str, address: &'a str },
        ListenOurs { key: &'a str, address: &'a str },
        ListenTaken { key: &'a str, address: &'a str, error: &'a str },
        AlertsToken { source: &'a str },
        AlertsNoToken { source: &'a str },
        DiscordNoToken { source: &'a str },
        Discord { finding: &'a Finding },
        GoogleReady { calendar: &'a str },
        GoogleReadOnly { calendar: &'a str, error: &'a str },
        GoogleUnreachable { calendar: &'a str, error: &'a str },
        HolidaysReachable { url: &'a str },
        HolidaysUnreachable { url: &'a str, error: &'a str },
        AllWell,
        NeedsFixing { count: usize },
    }
}

fn names(missing: &[PermissionName], ja: bool) -> String {
    let names: Vec<&str> = missing
        .iter()
        .map(|p| if ja { p.ja } else { p.en })
        .collect();
    if ja {
        names.iter().map(|n| format!("「{n}」")).collect::<String>()
    } else {
        names.join(", ")
    }
}

impl Message for Doctor<'_> {
    fn ja(&self) -> String {
        use Doctor::*;
        match self {
            ConfigRead { path } => format!("✓ 設定ファイル {path} を読みました"),
            StateDirReady { state_dir } => format!("✓ 状態ディレクトリ {state_dir} に書き込めます"),
            StateDirUnusable { state_dir, why } => format!(
                "✗ 状態ディレクトリ {state_dir} を使えません（{why}）。サービスのユーザーが書き込めるディレクトリを指定してください"
            ),
            ListenFree { key, address } => format!("✓ {key} {address} は空いています"),
            ListenOurs { key, address } => {
                format!("✓ {key} {address} では、このデーモンがすでに動いています")
            }
            ListenTaken {
                key,
                address,
                error,
            } => format!(
                "✗ {key} {address} で待ち受けられません（{error}）。別のプロセスが使っています。止めるか、別のポートを指定してください"
            ),
            AlertsToken { source } => format!("✓ アラート用のトークンを {source} から読めます"),
            AlertsNoToken { source } => format!(
                "✗ アラート用のトークンが {source} にありません。長いランダムな文字列（`openssl rand -hex 32` など）を置き、`Alertmanager` の設定にも同じものを書いてください"
            ),
            DiscordNoToken { source } => format!(
                "✗ Discord のボットのトークンが {source} にありません。開発者ポータルの「ボット」ページで発行して置いてください"
            ),
            Discord { finding } => discord_ja(finding),
            GoogleReady { calendar } => {
                format!("✓ Google カレンダー {calendar} の予定を読み書きできます")
            }
            GoogleReadOnly { calendar, error } => format!(
                "✗ Google カレンダー {calendar} の予定は読めますが、書き込めません（{error}）。カレンダーの共有設定で、サービスアカウントの権限を「予定の変更」にしてください"
            ),
            GoogleUnreachable { calendar, error } => format!(
                "✗ Google カレンダー {calendar} を読めません（{error}）。認証情報と、カレンダーがサービスアカウントに「予定の変更」権限で共有されているかを確かめてください"
            ),
            HolidaysReachable { url } => format!("✓ 祝日の一覧 {url} を取得できます"),
            HolidaysUnreachable { url, error } => format!(
                "⚠ 祝日の一覧 {url} を取得できません（{error}）。同梱の一覧で動きますが、来年の祝日が入るまでに接続を確かめてください"
            ),
            AllWell => "問題は見つかりませんでした".into(),
            NeedsFixing { count } => format!("直すところが {count} 件あります"),
        }
    }

    fn en(&self) -> String {
        use Doctor::*;
        match self {
            ConfigRead { path } => format!("✓ read the config file {path}"),
            StateDirReady { state_dir } => format!("✓ the state directory {state_dir} is writable"),
            StateDirUnusable { state_dir, why } => format!(
                "✗ the state directory {state_dir} cannot be used ({why}): name a directory the service's user can write"
            ),
            ListenFree { key, address } => format!("✓ {key} {address} is free"),
            ListenOurs { key, address } => {
                format!("✓ {key} {address}: this daemon is running there")
            }
            ListenTaken {
                key,
                address,
                error,
            } => format!(
                "✗ cannot listen on {key} {address} ({error}): another process holds it; stop it or choose another port"
            ),
            AlertsToken { source } => format!("✓ the alerts token is readable from {source}"),
            AlertsNoToken { source } => format!(
                "✗ no alerts token in {source}: put a long random string there (`openssl rand -hex 32`) and give Alertmanager the same"
            ),
            DiscordNoToken { source } => format!(
                "✗ no Discord bot token in {source}: create one on the Bot page of the Developer Portal and put it there"
            ),
            Discord { finding } => discord_en(finding),
            GoogleReady { calendar } => {
                format!("✓ Google Calendar {calendar}: its events can be read and written")
            }
            GoogleReadOnly { calendar, error } => format!(
                "✗ Google Calendar {calendar} can be read but not written ({error}): share it with the service account with \"Make changes to events\""
            ),
            GoogleUnreachable { calendar, error } => format!(
                "✗ cannot read Google Calendar {calendar} ({error}): check the credentials and that the calendar is shared with the service account with \"Make changes to events\""
            ),
            HolidaysReachable { url } => format!("✓ the holiday list {url} can be fetched"),
            HolidaysUnreachable { url, error } => format!(
                "⚠ cannot fetch the holiday list {url} ({error}): the list shipped with the binary is used; check the connection before next year's holidays are needed"
            ),
            AllWell => "nothing to fix".into(),
            NeedsFixing { count } => format!("{count} thing(s) to fix"),
        }
    }
}

fn discord_ja(finding: &Finding) -> String {
    match finding {
        Finding::TokenAccepted { bot } => format!("✓ Discord: トークンが受け付けられました（ボット {bot}）"),
        Finding::TokenRefused => "✗ Discord: トークンが受け付けられません。開発者ポータルの「ボット」ページでトークンを再発行し、置き直してください".into(),
        Finding::Unreachable { error } => format!("✗ Discord に接続できません（{error}）。ネットワークと api_base_url を確かめてください"),
        Finding::InGuild { guild } => format!("✓ Discord: ボットはサーバー「{guild}」に参加しています"),
        Finding::NotInGuild { guild } => format!(
            "✗ Discord: ボットがサーバー {guild} に参加していません。`weekly-postmortem discord-invite-url` のアドレスを開いて招待してください"
        ),
        Finding::ChannelReady { channel } => format!("✓ Discord: チャンネル #{channel} でボットに必要な権限がそろっています"),
        Finding::ChannelMissing { id } => format!(
            "✗ Discord: チャンネル {id} が見つからないか、ボットから見えません。チャンネルの id（右クリック →「ID をコピー」）を確かめてください"
        ),
        Finding::NotInThisGuild { id } => format!("✗ Discord: チャンネル {id} は guild_id のサーバーのチャンネルではありません"),
        Finding::PermissionsMissing { channel, role, missing } => format!(
            "✗ Discord: チャンネル #{channel} でボットに{}権限がありません。チャンネルの権限設定でロール {role} に許可してください",
            names(missing, true)
        ),
        Finding::RoleFound { role } => format!("✓ Discord: ファシリテーターのロール「{role}」があります"),
        Finding::RoleMissing { id } => format!(
            "✗ Discord: ファシリテーターのロール {id} がサーバーにありません。サーバー設定の「ロール」で id を確かめてください"
        ),
        Finding::VoiceReady { channel } => format!("✓ Discord: ボイスチャンネル「{channel}」にイベントを作れます"),
        Finding::NotVoice { channel } => format!("✗ Discord: 「{channel}」はボイスチャンネルではありません。voice_channel_id を確かめてください"),
    }
}

fn discord_en(finding: &Finding) -> String {
    match finding {
        Finding::TokenAccepted { bot } => format!("✓ Discord: the token is accepted (bot {bot})"),
        Finding::TokenRefused => "✗ Discord: the token is refused: reset it on the Bot page of the Developer Portal and put the new one in place".into(),
        Finding::Unreachable { error } => format!("✗ cannot reach Discord ({error}): check the network and api_base_url"),
        Finding::InGuild { guild } => format!("✓ Discord: the bot is in the server \"{guild}\""),
        Finding::NotInGuild { guild } => format!(
            "✗ Discord: the bot is not in the server {guild}: open the address `weekly-postmortem discord-invite-url` prints to invite it"
        ),
        Finding::ChannelReady { channel } => format!("✓ Discord: the bot has every permission it needs in #{channel}"),
        Finding::ChannelMissing { id } => format!(
            "✗ Discord: channel {id} does not exist or the bot cannot see it: check the id (right-click, Copy Channel ID)"
        ),
        Finding::NotInThisGuild { id } => format!("✗ Discord: channel {id} is not a channel of the guild_id server"),
        Finding::PermissionsMissing { channel, role, missing } => format!(
            "✗ Discord: the bot lacks {} in #{channel}: allow it for the role {role} in the channel's permissions",
            names(missing, false)
        ),
        Finding::RoleFound { role } => format!("✓ Discord: the facilitator role \"{role}\" exists"),
        Finding::RoleMissing { id } => format!("✗ Discord: the server has no facilitator role {id}: check the id under Server Settings, Roles"),
        Finding::VoiceReady { channel } => format!("✓ Discord: events can be created in the voice channel \"{channel}\""),
        Finding::NotVoice { channel } => format!("✗ Discord: \"{channel}\" is not a voice channel: check voice_channel_id"),
    }
}

#[cfg(test)]
impl Doctor<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Doctor::*;
        let findings: &'static [Finding] = Box::leak(Box::new([
            Finding::TokenAccepted {
                bot: "weekly-postmortem".into(),
            },
            Finding::TokenRefused,
            Finding::Unreachable {
                error: "接続がタイムアウトしました".into(),
            },
            Finding::InGuild {
                guild: "SRE".into(),
            },
            Finding::NotInGuild { guild: 1 },
            Finding::ChannelReady {
                channel: "postmortem".into(),
            },
            Finding::ChannelMissing { id: 2 },
            Finding::NotInThisGuild { id: 2 },
            Finding::PermissionsMissing {
                channel: "postmortem".into(),
                role: "weekly-postmortem".into(),
                missing: vec![PermissionName {
                    ja: "公開スレッドの作成",
                    en: "Create Public Threads",
                }],
            },
            Finding::RoleFound {
                role: "ファシリテーター".into(),
            },
            Finding::RoleMissing { id: 3 },
            Finding::VoiceReady {
                channel: "会議室".into(),
            },
            Finding::NotVoice {
                channel: "雑談".into(),
            },
        ]));
        let mut samples = vec![
            ConfigRead {
                path: "/etc/weekly-postmortem/config.toml",
            },
            StateDirReady {
                state_dir: "/var/lib/weekly-postmortem",
            },
            StateDirUnusable {
                state_dir: "/var/lib/weekly-postmortem",
                why: "権限がありません",
            },
            ListenFree {
                key: "daemon.listen",
                address: "127.0.0.1:8754",
            },
            ListenOurs {
                key: "daemon.listen",
                address: "127.0.0.1:8754",
            },
            ListenTaken {
                key: "alerts.listen",
                address: "0.0.0.0:8755",
                error: "使用中です",
            },
            AlertsToken {
                source: "WEEKLY_POSTMORTEM_ALERTS_TOKEN",
            },
            AlertsNoToken {
                source: "WEEKLY_POSTMORTEM_ALERTS_TOKEN",
            },
            DiscordNoToken {
                source: "DISCORD_TOKEN",
            },
            GoogleReady {
                calendar: "team@example.com",
            },
            GoogleReadOnly {
                calendar: "team@example.com",
                error: "403",
            },
            GoogleUnreachable {
                calendar: "team@example.com",
                error: "404",
            },
            HolidaysReachable {
                url: "https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv",
            },
            HolidaysUnreachable {
                url: "https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv",
                error: "名前を解決できません",
            },
            AllWell,
            NeedsFixing { count: 2 },
        ];
        samples.extend(findings.iter().map(|finding| Discord { finding }));
        samples
    }
}
