//! The command line's human output, notes and errors.

use chrono::NaiveDate;

use super::dates::day_with_year;
use super::{Message, catalogue};
use crate::domain::language::Language;

catalogue! {
    pub(crate) enum Cli<'a> {
        /// Prefixes the one line a failing command prints on stderr.
        ErrorLine { text: &'a str },
        WarningLine { text: &'a str },
        FlagDate { flag: &'a str, date: &'a str, reason: &'a str },
        NoMeetingWithId { id: &'a str, configured: &'a str },
        SeveralMeetings { configured: &'a str },
        NoMeetingConfigured,
        FromAfterUntil { from: &'a str, until: &'a str },
        SinceAfterUntil { since: &'a str, until: &'a str },
        WeeksPastCalendar { weeks: u64, from: &'a str },
        RangeTooLong { from: &'a str, until: &'a str },
        Imported { file: &'a str, added: usize, updated: usize, unchanged: usize },
        NothingImported { file: &'a str, error: &'a str },
        CannotRead { file: &'a str, error: &'a str },
        NotUtf8 { file: &'a str, byte: usize },
        CannotWrite { file: &'a str, error: &'a str },
        OutputIsDirectory { file: &'a str },
        OutputNotAFile { file: &'a str },
        OutputNoReader { file: &'a str },
        InputNotAFile { file: &'a str },
        InputTooLarge { file: &'a str, mib: u64 },
        ReadAsShiftJis { file: &'a str },
        DiskFull { path: &'a str },
        DiskFullReading { state_dir: &'a str },
        NothingFound,
        ChartWritten { path: &'a str, width: u32, height: u32 },
        DaemonHoldsDatabase { url: &'a str },
        DaemonNotAnswering { url: &'a str, state_dir: &'a str, seconds: u64, env: &'a str },
        DaemonDoesNotAnswer { url: &'a str },
        DaemonAnswered { status: &'a str, message: &'a str },
        DaemonTokenUnreadable { error: &'a str },
        TimeoutNotSeconds { env: &'a str, text: &'a str },
        NoDatabase,
        ReadingCopy { state_dir: &'a str, why: &'a str },
        ReadingBackup { state_dir: &'a str, reason: &'a str, path: &'a str, date: &'a str },
        ReadOnlyNoBackup { error: &'a str, state_dir: &'a str, why: &'a str, backups: &'a str },
        ReadOnlyRefusesWrites { state_dir: &'a str, why: &'a str },
        StateDirUnusable { state_dir: &'a str, why: &'a str },
        NoGoogleForSync { path: &'a str },
        InviteNeedsDiscord { path: &'a str },
        InviteNeedsToken { source: &'a str },
        TokenWithoutApplicationId { source: &'a str },
        InviteAsksFor { permissions: &'a str },
        NoGoogleForSuggestSlot { path: &'a str },
        NoGoogleForAuth,
        NothingWrittenToCalendar { error: &'a str },
        Authorized { path: &'a str },
        ConfigOk { path: &'a str },
        DaemonSettings { state_dir: &'a str, listen: &'a str, language: &'a str },
        MeetingSummary {
            id: &'a str, title: &'a str, weekday_ja: &'a str, weekday_en: &'a str,
            start: &'a str, timezone: &'a str, minutes: i64, first_session: NaiveDate,
            holidays_skipped: bool, skip_dates: usize,
            closures: &'a str,
        },
        NextHeld { date: NaiveDate, number: u32 },
        OwnSettings { parts: &'a str },
        OwnVoiceChannel { id: u64 },
        OwnFacilitatorRole { id: u64 },
        OwnCalendar { id: Option<&'a str> },
        OwnAttendees { list: &'a str },
        OwnSharesHistory { with: &'a str },
        PeopleSummary { people: usize, teams: &'a [&'a str] },
        GoogleOn { calendar: &'a str, weeks: u32, credentials: &'a str, missing: bool },
        GoogleOff,
        DiscordOn { guild: u64, channel: u64 },
        /// `source`: where the token is read from; `why`: the reader's own words.
        DiscordNoToken { guild: u64, source: &'a str, why: &'a str },
        AlertsOn { listen: &'a str, source: &'a str, token_found: bool },
        AlertsOff,
        /// One configured tracker: its name, where its secret is read from, and whether it is there.
        TrackerOn { tracker: &'a str, every: u32, source: &'a str, secret_found: bool },
        TrackersOff,
        WebOn { address: &'a str, proxies: usize },
        WebOff { listen: &'a str },
        DiscordOff,
        /// A history line's title with what it is and who, when known.
        HistoryAgendaLine { title: &'a str, kind: &'a str, presenter: Option<&'a str> },
        NotAWeekday { text: &'a str },
        NotAShare { text: &'a str },
        NotATimeZone { text: &'a str },
        DurationDoesNotFit { duration: u32, between: &'a str },
        FreeBusyFailed { error: &'a str },
        NobodyKnown { unknown: &'a str },
        TeamWithoutTeams { team: &'a str },
        TeamUnknown { team: &'a str, near: Option<&'a str>, teams: &'a str },
        TeamWithoutEmails { team: &'a str },
        NoAttendees,
        CompanyDayOff,
        UnknownAttendees { list: &'a str },
        SlotsHeading { timezone: &'a str, weeks: u32, first: &'a str, minutes: i64, window: &'a str },
        TeamQuorum { percent: f64, sizes: &'a str },
        NoSlot,
        SlotFree { average: f64, attendees: usize, all_free: u32, weeks: u32 },
        DaysOffExcluded { list: &'a str },
        /// The system's wording of an I/O error, in Japanese for the common kinds.
        Io { kind: std::io::ErrorKind, text: &'a str },
        PlanNoSessions,
        PlanFacilitator { who: &'a str },
        Held,
        SkippedHoliday { name_ja: &'a str, name_en: &'a str },
        SkippedClosure { name: &'a str },
        SkippedDayOff,
        SkippedCancelled,
        SkippedCancelledBecause { reason: &'a str },
    }
}

impl Message for Cli<'_> {
    fn ja(&self) -> String {
        use Cli::*;
        match *self {
            ErrorLine { text } => format!("エラー: {text}"),
            WarningLine { text } => format!("警告: {text}"),
            FlagDate { flag, date, reason } => format!("{flag} {date}: {reason}"),
            NoMeetingWithId { id, configured } => {
                format!("id が {id:?} のミーティングはありません。設定にあるもの: {configured}")
            }
            SeveralMeetings { configured } => {
                format!("ミーティングが複数あります（{configured}）。--meeting で選んでください")
            }
            NoMeetingConfigured => "ミーティングが設定されていません。[[meeting]] を追加してください".into(),
            FromAfterUntil { from, until } => format!("--from {from} が --until {until} より後です"),
            SinceAfterUntil { since, until } => {
                format!("--since {since} が --until {until} より後です")
            }
            WeeksPastCalendar { weeks, from } => {
                format!("{from} から --weeks {weeks} では暦の範囲を超えます")
            }
            RangeTooLong { from, until } => format!(
                "{from}..{until} は 100 年を超えます。--until か --weeks で短くしてください"
            ),
            Imported { file, added, updated, unchanged } => format!(
                "{file} を取り込みました: 追加 {added} 件、更新 {updated} 件、変更なし {unchanged} 件"
            ),
            NothingImported { file, error } => format!("{file}: {error}。何も取り込んでいません"),
            CannotRead { file, error } => format!("{file}: 読み取れません: {error}"),
            NotUtf8 { file, byte } => format!(
                "{file}: UTF-8 のテキストではありません（{byte} バイト目）。UTF-8 で保存してから取り込み直してください"
            ),
            CannotWrite { file, error } => format!("{file}: 書き込めません: {error}"),
            OutputIsDirectory { file } => format!(
                "{file} はディレクトリです。書き出し先のファイル名まで指定してください（例: {file}/export.json）"
            ),
            OutputNotAFile { file } => format!(
                "{file} には書き出せません。通常のファイル、その場所へのシンボリックリンク、端末やパイプ（/dev/stdout など）を指定してください"
            ),
            OutputNoReader { file } => format!(
                "{file} は名前付きパイプですが、読み取る側がいません。読み取る側を先に起動してください"
            ),
            InputNotAFile { file } => format!(
                "{file} は通常のファイルではありません。ファイルを指定するか、標準入力から渡すときは - を指定してください"
            ),
            InputTooLarge { file, mib } => format!(
                "{file}: 大きすぎます（上限 {mib} MiB）。分けて取り込んでください"
            ),
            ReadAsShiftJis { file } => {
                format!("注意: {file} は UTF-8 ではないため、Shift_JIS として読みました")
            }
            DiskFull { path } => format!(
                "{path} を開けません: ディスクに空きがありません。空きを作ってからもう一度実行してください（読み取るだけのコマンドは今も使えます）"
            ),
            DiskFullReading { state_dir } => format!(
                "注意: 状態ディレクトリ {state_dir} のディスクに空きがありません。読み取りはできますが、書き込みは空きができるまで失敗します"
            ),
            NothingFound => "見つかりませんでした".into(),
            ChartWritten { path, width, height } => {
                format!("グラフ: {path}（{width}x{height} の PNG）")
            }
            DaemonHoldsDatabase { url } => format!(
                "注意: デーモンがデータベースを使用中のため、デーモンのローカル API {url} を通して実行します"
            ),
            DaemonNotAnswering { url, state_dir, seconds, env } => format!(
                "{url} のデーモン（{state_dir} のデータベースを使用中）が {seconds} 秒以内に応答しませんでした。`systemctl status weekly-postmortem` で確認するか（または、その状態ディレクトリを使っているプロセスを止めて）、もう一度実行してください。待ち時間は {env} で延ばせます"
            ),
            DaemonDoesNotAnswer { url } => format!("デーモンのローカル API {url} が応答しません"),
            DaemonAnswered { status, message } => format!("デーモンの応答 {status}: {message}"),
            DaemonTokenUnreadable { error } => format!(
                "デーモンは動いていますが、その API トークンを読み取れません（{error}）。サービスのユーザーでこのコマンドを実行してください"
            ),
            TimeoutNotSeconds { env, text } => {
                format!("{env}={text:?}: 1 から 86400 までの整数（秒）を指定してください")
            }
            NoDatabase => "データベースがありません".into(),
            ReadingCopy { state_dir, why } => format!(
                "注意: 状態ディレクトリ {state_dir} に書き込めないため（{why}）、データベースの一時コピーから読み取ります"
            ),
            ReadingBackup { state_dir, reason, path, date } => format!(
                "注意: 状態ディレクトリ {state_dir} に書き込めず、データベースも読み取れないため（{reason}）、最新のバックアップ {path}（{date} 作成）から読み取ります。それ以降の変更は含まれません"
            ),
            ReadOnlyNoBackup { error, state_dir, why, backups } => format!(
                "{error}。状態ディレクトリ {state_dir} は読み取り専用で（{why}）、代わりに読めるバックアップも {backups} にありません"
            ),
            ReadOnlyRefusesWrites { state_dir, why } => format!(
                "状態ディレクトリ {state_dir} は読み取り専用です（{why}）。このコマンドはデータベースに書き込むため、書き込める状態ディレクトリで実行してください（読み取るだけの export・history・plan・stats はこのまま使えます）"
            ),
            StateDirUnusable { state_dir, why } => format!(
                "daemon.state_dir {state_dir}: {why}。サービスが書き込める（または作成できる）ディレクトリを指定してください"
            ),
            NoGoogleForSync { path } => format!(
                "{path}: [google] の設定がないため、カレンダー同期は無効です（docs/google-calendar.md を参照）"
            ),
            InviteNeedsDiscord { path } => format!(
                "{path}: [discord] の設定がありません。`guild_id`・`channel_id`・`facilitator_role_id` とトークンの置き場所を書いてください"
            ),
            InviteNeedsToken { source } => format!(
                "ボットのトークンが {source} にありません。Discord の開発者ポータル（https://discord.com/developers/applications）の「ボット」ページでトークンを発行して置いてください"
            ),
            TokenWithoutApplicationId { source } => format!(
                "{source} の値はボットのトークンに見えません（先頭の部分からアプリケーション ID が読めません）。開発者ポータルの「ボット」ページのトークンを貼り直してください"
            ),
            InviteAsksFor { permissions } => format!(
                "このアドレスで求める権限: {permissions}（管理者権限は求めません）"
            ),
            NoGoogleForSuggestSlot { path } => format!(
                "{path}: [google] の設定がありません。suggest-slot には Google カレンダーの空き時間情報が必要です（docs/google-calendar.md を参照）"
            ),
            NoGoogleForAuth => {
                "[google] の設定がありません。先に credentials_file にインストール型アプリのクライアントシークレットを指定してください".into()
            }
            NothingWrittenToCalendar { error } => {
                format!("{error}。カレンダーには何も書き込んでいません")
            }
            Authorized { path } => format!("認可しました。トークンは {path} に保存しました"),
            ConfigOk { path } => format!("{path}: OK"),
            DaemonSettings { state_dir, listen, language } => {
                let language = if language == "en" { "英語" } else { "日本語" };
                format!("状態ディレクトリ {state_dir}、待ち受け {listen}、言語 {language}")
            }
            MeetingSummary {
                id, title, weekday_ja, start, timezone, minutes, first_session,
                holidays_skipped, skip_dates, closures, ..
            } => format!(
                "ミーティング {id:?}「{title}」: 毎週{weekday_ja}曜 {start}（{timezone}）、{minutes}分、初回 {}、祝日は{}、会社の休業日 {skip_dates}日{}",
                day_with_year(first_session, Language::Ja),
                if holidays_skipped { "休み" } else { "開催" },
                if closures.is_empty() { String::new() } else { format!("、毎年の休業期間 {closures}") }
            ),
            NextHeld { date, number } => {
                format!("、次回 {}（第{number}回）", day_with_year(date, Language::Ja))
            }
            OwnSettings { parts } => format!("  個別の設定: {parts}"),
            OwnVoiceChannel { id } => format!("ボイスチャンネル {id}"),
            OwnFacilitatorRole { id } => format!("ファシリテーターのロール {id}"),
            OwnCalendar { id } => match id {
                Some(id) => format!("カレンダー {id}"),
                None => "カレンダー（[google] なし）".into(),
            },
            OwnAttendees { list } => format!("招待者 {list}"),
            OwnSharesHistory { with } => format!("履歴を共有: {with}"),
            PeopleSummary { people, teams } => {
                if teams.is_empty() {
                    format!("メンバー: {people} 人（チーム 0）")
                } else {
                    format!("メンバー: {people} 人（チーム {}: {}）", teams.len(), teams.join(", "))
                }
            }
            GoogleOn { calendar, weeks, credentials, missing } => format!(
                "Google カレンダー: {calendar}（{weeks} 週先まで）、認証情報 {credentials}{}",
                if missing { "（見つかりません！）" } else { "" }
            ),
            GoogleOff => "Google カレンダー: 無効（[google] の設定なし）".into(),
            DiscordOn { guild, channel } => {
                format!("Discord: サーバー {guild}、チャンネル {channel}、トークンあり")
            }
            DiscordNoToken { guild, source, .. } => format!(
                "Discord: サーバー {guild}。ただしトークンを {source} から読めないため、ボットは動きません（`weekly-postmortem doctor` で確かめられます）"
            ),
            AlertsOn { listen, source, token_found } => format!(
                "アラートの受け口: {listen}（トークン {source}{}）",
                if token_found { "" } else { "、見つかりません！" }
            ),
            AlertsOff => "アラートの受け口: 無効（[alerts] の設定なし）".into(),
            TrackerOn { tracker, every, source, secret_found } => format!(
                "課題管理 {tracker}: {every}分ごとに確認（トークン {source}{}）",
                if secret_found { "" } else { "、見つかりません！" }
            ),
            TrackersOff => "課題管理: 無効（[trackers] の設定なし。アクションは人が閉じます）".into(),
            WebOn { address, proxies } => format!(
                "ウェブのアーカイブ: {address}（認証するプロキシ {proxies}台の後ろ）"
            ),
            WebOff { listen } => format!("ウェブのアーカイブ: {listen}（このマシンの中からのみ）"),
            DiscordOff => "Discord: 無効（[discord] の設定なし）".into(),
            HistoryAgendaLine { title, kind, presenter } => {
                let parts: Vec<&str> = [Some(kind), presenter]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .collect();
                format!("{title}（{}）", parts.join("、"))
            }
            NotAWeekday { text } => {
                format!("{text:?} は曜日ではありません。mon|tue|wed|thu|fri|sat|sun のどれかを指定してください")
            }
            NotAShare { text } => {
                format!("{text:?} は 0 から 1 までの割合ではありません（チームの半数なら 0.5）")
            }
            NotATimeZone { text } => {
                format!("{text:?} は IANA のタイムゾーン（Asia/Tokyo など）ではありません")
            }
            DurationDoesNotFit { duration, between } => {
                format!("--duration {duration} が --between {between} に収まりません")
            }
            FreeBusyFailed { error } => format!("Google カレンダーの空き時間情報: {error}"),
            NobodyKnown { unknown } => format!(
                "どの参加者についても Google から空き状況を得られませんでした（{unknown}）。アドレスと、カレンダーが [google] のアカウントに共有されているかを確認してください"
            ),
            TeamWithoutTeams { team } => format!(
                "--team {team:?}: `team` のある [[person]] がいません。設定でそのチームのメンバーに `team = \"{team}\"` を追加してください"
            ),
            TeamUnknown { team, near, teams } => format!(
                "--team {team:?}: そのチームの [[person]] がいません。{}チームは {teams} です",
                near.map(|n| format!("{n:?} のことですか？ ")).unwrap_or_default()
            ),
            TeamWithoutEmails { team } => format!(
                "--team {team:?}: 設定でメンバーの誰にも `email` がないため、Google に問い合わせられません"
            ),
            NoAttendees => {
                "--attendees にメールアドレスかグループを 1 つ以上、カンマ区切りで指定してください".into()
            }
            CompanyDayOff => "会社の休業日".into(),
            UnknownAttendees { list } => {
                format!("Google から空き状況を得られなかった参加者（数に含めていません）: {list}")
            }
            SlotsHeading { timezone, weeks, first, minutes, window } => format!(
                "空き時間の候補（{timezone}、{first} から {weeks} 週、{minutes} 分、{window}、祝日と会社の休業日を除く）"
            ),
            TeamQuorum { percent, sizes } => format!(
                "チームは所属者の {percent:.0}% 以上が空いていれば空きと数えます（人数: {sizes}）"
            ),
            NoSlot => "候補がありません（どの週も祝日か会社の休業日です）".into(),
            SlotFree { average, attendees, all_free, weeks } => {
                format!("平均 {average:.1} / {attendees} 人が空き  全員が空き {all_free} / {weeks} 週")
            }
            DaysOffExcluded { list } => format!("  （休みの日を除外: {list}）"),
            Io { kind, text } => match kind {
                std::io::ErrorKind::NotFound => "ファイルがありません".into(),
                std::io::ErrorKind::PermissionDenied => "権限がありません".into(),
                std::io::ErrorKind::IsADirectory => "ファイルではなくディレクトリです".into(),
                std::io::ErrorKind::StorageFull => "ディスクに空きがありません".into(),
                std::io::ErrorKind::ReadOnlyFilesystem => "読み取り専用のファイルシステムです".into(),
                _ => text.to_string(),
            },
            PlanNoSessions => "この期間に開催予定はありません".into(),
            PlanFacilitator { who } => format!("ファシリテーター: {who}"),
            Held => "開催".into(),
            SkippedHoliday { name_ja, .. } => format!("休み（祝日: {name_ja}）"),
            SkippedClosure { name } => format!("{name}のためお休み"),
            SkippedDayOff => "休み（会社の休業日）".into(),
            SkippedCancelled => "休み（中止）".into(),
            SkippedCancelledBecause { reason } => format!("休み（中止: {reason}）"),
        }
    }

    fn en(&self) -> String {
        use Cli::*;
        match *self {
            ErrorLine { text } => format!("error: {text}"),
            WarningLine { text } => format!("warning: {text}"),
            FlagDate { flag, date, reason } => format!("{flag} {date}: {reason}"),
            NoMeetingWithId { id, configured } => {
                format!("no meeting with id {id:?}; configured: {configured}")
            }
            SeveralMeetings { configured } => {
                format!("several meetings are configured ({configured}); choose one with --meeting")
            }
            NoMeetingConfigured => "no meeting configured: add a [[meeting]] table".into(),
            FromAfterUntil { from, until } => format!("--from {from} is after --until {until}"),
            SinceAfterUntil { since, until } => format!("--since {since} is after --until {until}"),
            WeeksPastCalendar { weeks, from } => {
                format!("--weeks {weeks} from {from} runs past the calendar")
            }
            RangeTooLong { from, until } => format!(
                "{from}..{until} spans more than 100 years; choose a shorter range with --until or --weeks"
            ),
            Imported {
                file,
                added,
                updated,
                unchanged,
            } => {
                format!("imported {file}: added {added}, updated {updated}, unchanged {unchanged}")
            }
            NothingImported { file, error } => format!("{file}: {error}; nothing was imported"),
            CannotRead { file, error } => format!("{file}: cannot read: {error}"),
            NotUtf8 { file, byte } => {
                format!("{file}: not UTF-8 text (byte {byte}); save it as UTF-8 and import again")
            }
            CannotWrite { file, error } => format!("{file}: cannot write: {error}"),
            OutputIsDirectory { file } => format!(
                "{file} is a directory; name the file to write in it (e.g. {file}/export.json)"
            ),
            OutputNotAFile { file } => format!(
                "cannot write to {file}: name a regular file, a symbolic link to one, or a terminal or pipe (such as /dev/stdout)"
            ),
            OutputNoReader { file } => {
                format!("{file} is a named pipe that nobody reads; start the reader first")
            }
            InputNotAFile { file } => {
                format!("{file} is not a regular file; name a file, or - to read standard input")
            }
            InputTooLarge { file, mib } => {
                format!("{file}: too large (at most {mib} MiB); import it in parts")
            }
            ReadAsShiftJis { file } => {
                format!("note: {file} is not UTF-8; it was read as Shift_JIS")
            }
            DiskFull { path } => format!(
                "cannot open {path}: the disk is full; free some space and run it again (commands that only read still work)"
            ),
            DiskFullReading { state_dir } => format!(
                "note: the disk of the state directory {state_dir} is full; reading works, writing fails until there is room"
            ),
            NothingFound => "nothing found".into(),
            ChartWritten {
                path,
                width,
                height,
            } => format!("chart: {path} ({width}x{height} PNG)"),
            DaemonHoldsDatabase { url } => {
                format!("note: the daemon holds the database; using its local API at {url}")
            }
            DaemonNotAnswering {
                url,
                state_dir,
                seconds,
                env,
            } => format!(
                "the daemon at {url} (it holds the database in {state_dir}) did not answer within {seconds} s: check it with `systemctl status weekly-postmortem` (or stop the process that holds that state directory), then try again; {env} sets a longer wait"
            ),
            DaemonDoesNotAnswer { url } => {
                format!("the daemon's local API at {url} does not answer")
            }
            DaemonAnswered { status, message } => {
                format!("the daemon answered {status}: {message}")
            }
            DaemonTokenUnreadable { error } => format!(
                "the daemon is running but its API token cannot be read ({error}); run this command as the service's user"
            ),
            TimeoutNotSeconds { env, text } => {
                format!("{env}={text:?}: expected a whole number of seconds from 1 to 86400")
            }
            NoDatabase => "there is no database".into(),
            ReadingCopy { state_dir, why } => format!(
                "note: the state directory {state_dir} is not writable ({why}); reading from a temporary copy of its database"
            ),
            ReadingBackup {
                state_dir,
                reason,
                path,
                date,
            } => format!(
                "note: the state directory {state_dir} is not writable and its database cannot be read ({reason}); reading the newest backup {path} (made on {date}); later changes are not in it"
            ),
            ReadOnlyNoBackup {
                error,
                state_dir,
                why,
                backups,
            } => format!(
                "{error}; the state directory {state_dir} is read-only ({why}) and has no backup in {backups} to read instead"
            ),
            ReadOnlyRefusesWrites { state_dir, why } => format!(
                "the state directory {state_dir} is read-only ({why}): this command writes to the database, so run it on a writable state directory (export, history, plan and stats, which only read, work as they are)"
            ),
            StateDirUnusable { state_dir, why } => format!(
                "daemon.state_dir {state_dir}: {why}: point it at a directory the service can write, or one it can create"
            ),
            NoGoogleForSync { path } => format!(
                "{path}: no [google] section: calendar sync is off (see docs/google-calendar.md)"
            ),
            InviteNeedsDiscord { path } => format!(
                "{path}: no [discord] section: write guild_id, channel_id, facilitator_role_id and where the token is"
            ),
            InviteNeedsToken { source } => format!(
                "no bot token in {source}: create one on the Bot page of the Discord Developer Portal and put it there"
            ),
            TokenWithoutApplicationId { source } => format!(
                "{source} does not hold a bot token (its first part names no application id): paste the token from the Bot page again"
            ),
            InviteAsksFor { permissions } => {
                format!("the address asks for: {permissions} (never Administrator)")
            }
            NoGoogleForSuggestSlot { path } => format!(
                "{path}: no [google] section: suggest-slot needs Google Calendar's free/busy (see docs/google-calendar.md)"
            ),
            NoGoogleForAuth => {
                "no [google] section: set credentials_file to the installed-app client secret first"
                    .into()
            }
            NothingWrittenToCalendar { error } => {
                format!("{error}; nothing was written to the calendar")
            }
            Authorized { path } => format!("authorized; the token is stored in {path}"),
            ConfigOk { path } => format!("{path}: OK"),
            DaemonSettings {
                state_dir,
                listen,
                language,
            } => {
                format!("state_dir {state_dir}, listen {listen}, language {language}")
            }
            MeetingSummary {
                id,
                title,
                weekday_en,
                start,
                timezone,
                minutes,
                first_session,
                holidays_skipped,
                skip_dates,
                closures,
                ..
            } => format!(
                "meeting {id:?} \"{title}\": {weekday_en} {start} {timezone}, {minutes} min, first session {}, Japanese holidays {}, {skip_dates} skip date(s){}",
                day_with_year(first_session, Language::En),
                if holidays_skipped {
                    "skipped"
                } else {
                    "not skipped"
                },
                if closures.is_empty() {
                    String::new()
                } else {
                    format!(", yearly closures {closures}")
                }
            ),
            NextHeld { date, number } => format!(", next held {date} (#{number})"),
            OwnSettings { parts } => format!("  own settings: {parts}"),
            OwnVoiceChannel { id } => format!("voice channel {id}"),
            OwnFacilitatorRole { id } => format!("facilitator role {id}"),
            OwnCalendar { id } => format!("calendar {}", id.unwrap_or("(no [google])")),
            OwnAttendees { list } => format!("attendees {list}"),
            OwnSharesHistory { with } => format!("shares history with {with}"),
            PeopleSummary { people, teams } => format!(
                "people: {people} ({} team(s){}{})",
                teams.len(),
                if teams.is_empty() { "" } else { ": " },
                teams.join(", ")
            ),
            GoogleOn {
                calendar,
                weeks,
                credentials,
                missing,
            } => format!(
                "Google Calendar: {calendar} ({weeks} weeks ahead), credentials {credentials}{}",
                if missing { " (missing!)" } else { "" }
            ),
            GoogleOff => "Google Calendar: off (no [google] section)".into(),
            DiscordOn { guild, channel } => {
                format!("Discord: guild {guild}, channel {channel}, token found")
            }
            DiscordNoToken { guild, why, .. } => {
                format!("Discord: guild {guild}, but {why}: the bot will be off")
            }
            AlertsOn {
                listen,
                source,
                token_found,
            } => format!(
                "alert hooks: {listen} (token {source}{})",
                if token_found { "" } else { ", not found!" }
            ),
            AlertsOff => "alert hooks: off (no [alerts] section)".into(),
            TrackerOn {
                tracker,
                every,
                source,
                secret_found,
            } => format!(
                "tracker {tracker}: asked every {every} min (token {source}{})",
                if secret_found { "" } else { ", not found!" }
            ),
            TrackersOff => "trackers: off (no [trackers] section; people close actions)".into(),
            WebOn { address, proxies } => {
                format!("web archive: {address} (behind {proxies} authenticating prox(ies))")
            }
            WebOff { listen } => format!("web archive: {listen} (this machine only)"),
            DiscordOff => "Discord: off (no [discord] section)".into(),
            HistoryAgendaLine {
                title,
                kind,
                presenter,
            } => {
                let parts: Vec<&str> = [Some(kind), presenter]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .collect();
                format!("{title} ({})", parts.join(", "))
            }
            NotAWeekday { text } => {
                format!("{text:?} is not a weekday; use mon, tue, wed, thu, fri, sat or sun")
            }
            NotAShare { text } => {
                format!("{text:?} is not a share from 0 to 1 (e.g. 0.5 for half of a team)")
            }
            NotATimeZone { text } => {
                format!("{text:?} is not an IANA time zone such as Asia/Tokyo")
            }
            DurationDoesNotFit { duration, between } => {
                format!("--duration {duration} does not fit in --between {between}")
            }
            FreeBusyFailed { error } => format!("Google Calendar free/busy: {error}"),
            NobodyKnown { unknown } => format!(
                "Google could not tell about any of the attendees ({unknown}); check the addresses and that their calendars are shared with the account in [google]"
            ),
            TeamWithoutTeams { team } => format!(
                "--team {team:?}: no [[person]] has a `team`; add `team = \"{team}\"` to the people of that team in the config"
            ),
            TeamUnknown { team, near, teams } => format!(
                "--team {team:?}: no [[person]] is in that team; {}the teams are {teams}",
                near.map(|n| format!("did you mean {n:?}? "))
                    .unwrap_or_default()
            ),
            TeamWithoutEmails { team } => format!(
                "--team {team:?}: none of its people has an `email` in the config, so Google cannot be asked about them"
            ),
            NoAttendees => "--attendees needs at least one email or group, comma-separated".into(),
            CompanyDayOff => "company day off".into(),
            UnknownAttendees { list } => {
                format!("Google could not tell about (not counted): {list}")
            }
            SlotsHeading {
                timezone,
                weeks,
                first,
                minutes,
                window,
            } => format!(
                "Best weekly slots ({timezone}, {weeks} weeks from {first}, {minutes} min, {window}, holidays and company days off excluded)"
            ),
            TeamQuorum { percent, sizes } => format!(
                "a team counts as free when at least {percent:.0}% of its people are (people: {sizes})"
            ),
            NoSlot => "no slot: every week is a holiday or a company day off".into(),
            SlotFree {
                average,
                attendees,
                all_free,
                weeks,
            } => format!(
                "free on average {average:.1} of {attendees}  everyone free in {all_free} of {weeks} weeks"
            ),
            DaysOffExcluded { list } => format!("  (days off excluded: {list})"),
            Io { text, .. } => text.to_string(),
            PlanNoSessions => "no sessions in this range".into(),
            PlanFacilitator { who } => format!("facilitator: {who}"),
            Held => "held".into(),
            SkippedHoliday { name_en, .. } => format!("skipped: holiday ({name_en})"),
            SkippedClosure { name } => format!("skipped: closed for {name}"),
            SkippedDayOff => "skipped: company day off".into(),
            SkippedCancelled => "skipped: cancelled".into(),
            SkippedCancelledBecause { reason } => format!("skipped: cancelled ({reason})"),
        }
    }
}

#[cfg(test)]
impl Cli<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Cli::*;
        let (path, dir) = (
            "/etc/weekly-postmortem/config.toml",
            "/var/lib/weekly-postmortem",
        );
        let url = "http://127.0.0.1:8080";
        vec![
            ErrorLine {
                text: "設定を確認してください",
            },
            WarningLine {
                text: "設定を確認してください",
            },
            FlagDate {
                flag: "--from",
                date: "2040-01-01",
                reason: "10 年以上先です",
            },
            NoMeetingWithId {
                id: "weekly",
                configured: "weekly",
            },
            SeveralMeetings {
                configured: "weekly, sato",
            },
            NoMeetingConfigured,
            FromAfterUntil {
                from: "2026-12-09",
                until: "2026-12-02",
            },
            SinceAfterUntil {
                since: "2026-12-09",
                until: "2026-12-02",
            },
            WeeksPastCalendar {
                weeks: 9,
                from: "2026-12-09",
            },
            RangeTooLong {
                from: "2026-12-09",
                until: "2226-12-09",
            },
            Imported {
                file: "log.json",
                added: 1,
                updated: 2,
                unchanged: 3,
            },
            NothingImported {
                file: "log.json",
                error: "2 行目: 日付がありません",
            },
            CannotRead {
                file: "log.json",
                error: "権限がありません",
            },
            NotUtf8 {
                file: "log.csv",
                byte: 12,
            },
            CannotWrite {
                file: "/dev/full",
                error: "ディスクに空きがありません",
            },
            OutputIsDirectory { file: "/tmp" },
            OutputNotAFile {
                file: "/run/weekly.sock",
            },
            OutputNoReader {
                file: "/tmp/export-pipe",
            },
            InputNotAFile { file: "/dev/zero" },
            InputTooLarge {
                file: "log.json",
                mib: 256,
            },
            ReadAsShiftJis { file: "log.csv" },
            DiskFull {
                path: "/var/lib/weekly-postmortem/db",
            },
            DiskFullReading { state_dir: dir },
            NothingFound,
            ChartWritten {
                path: "stats.png",
                width: 1200,
                height: 900,
            },
            DaemonHoldsDatabase { url },
            DaemonNotAnswering {
                url,
                state_dir: dir,
                seconds: 30,
                env: "WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS",
            },
            DaemonDoesNotAnswer { url },
            DaemonAnswered {
                status: "500",
                message: "内部エラー",
            },
            DaemonTokenUnreadable {
                error: "権限がありません",
            },
            TimeoutNotSeconds {
                env: "WEEKLY_POSTMORTEM_CLI_TIMEOUT_SECONDS",
                text: "0",
            },
            NoDatabase,
            ReadingCopy {
                state_dir: dir,
                why: "読み取り専用",
            },
            ReadingBackup {
                state_dir: dir,
                reason: "壊れています",
                path: "/backups/1.json",
                date: "2026-12-01",
            },
            ReadOnlyNoBackup {
                error: "壊れています",
                state_dir: dir,
                why: "読み取り専用",
                backups: "/backups",
            },
            ReadOnlyRefusesWrites {
                state_dir: dir,
                why: "読み取り専用",
            },
            StateDirUnusable {
                state_dir: dir,
                why: "権限がありません",
            },
            NoGoogleForSync { path },
            InviteNeedsDiscord { path },
            InviteNeedsToken {
                source: "DISCORD_TOKEN",
            },
            TokenWithoutApplicationId {
                source: "DISCORD_TOKEN",
            },
            InviteAsksFor {
                permissions: "チャンネルを見る、メッセージの送信",
            },
            NoGoogleForSuggestSlot { path },
            NoGoogleForAuth,
            NothingWrittenToCalendar {
                error: "認証に失敗しました",
            },
            Authorized {
                path: "/var/lib/weekly-postmortem/google-token.json",
            },
            ConfigOk { path },
            DaemonSettings {
                state_dir: dir,
                listen: "127.0.0.1:8080",
                language: "ja",
            },
            MeetingSummary {
                id: "weekly",
                title: "週刊ポストモーテム",
                weekday_ja: "水",
                weekday_en: "Wed",
                start: "17:00",
                timezone: "Asia/Tokyo",
                minutes: 60,
                first_session: NaiveDate::from_ymd_opt(2019, 2, 6).unwrap(),
                holidays_skipped: true,
                skip_dates: 1,
                closures: "年末年始（12月29日〜1月3日）",
            },
            NextHeld {
                date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                number: 393,
            },
            OwnSettings {
                parts: "ボイスチャンネル 1",
            },
            OwnVoiceChannel { id: 1 },
            OwnFacilitatorRole { id: 2 },
            OwnCalendar { id: None },
            OwnAttendees {
                list: "sato@example.com",
            },
            OwnSharesHistory { with: "weekly" },
            PeopleSummary {
                people: 2,
                teams: &["sre", "db"],
            },
            GoogleOn {
                calendar: "primary",
                weeks: 8,
                credentials: "/etc/key.json",
                missing: true,
            },
            GoogleOff,
            DiscordOn {
                guild: 1,
                channel: 2,
            },
            DiscordNoToken {
                guild: 1,
                source: "DISCORD_TOKEN",
                why: "no token in DISCORD_TOKEN",
            },
            TrackerOn {
                tracker: "Backlog",
                every: 60,
                source: "WEEKLY_POSTMORTEM_BACKLOG_API_KEY",
                secret_found: false,
            },
            TrackersOff,
            AlertsOn {
                listen: "127.0.0.1:9094",
                source: "WEEKLY_POSTMORTEM_ALERTS_TOKEN",
                token_found: false,
            },
            AlertsOff,
            HistoryAgendaLine {
                title: "決済APIの遅延",
                kind: "インシデント",
                presenter: Some("佐藤"),
            },
            WebOn {
                address: "https://postmortems.example.com/",
                proxies: 1,
            },
            WebOff {
                listen: "127.0.0.1:8754",
            },
            DiscordOff,
            NotAWeekday { text: "月" },
            NotAShare { text: "2" },
            NotATimeZone { text: "東京" },
            DurationDoesNotFit {
                duration: 90,
                between: "10:00-11:00",
            },
            FreeBusyFailed {
                error: "タイムアウト",
            },
            NobodyKnown {
                unknown: "sato@example.com",
            },
            TeamWithoutTeams { team: "sre" },
            TeamUnknown {
                team: "sre",
                near: Some("sre-jp"),
                teams: "sre-jp, db",
            },
            TeamWithoutEmails { team: "sre" },
            NoAttendees,
            CompanyDayOff,
            UnknownAttendees {
                list: "sato@example.com",
            },
            SlotsHeading {
                timezone: "Asia/Tokyo",
                weeks: 8,
                first: "2026-12-07",
                minutes: 60,
                window: "10:00-18:00",
            },
            TeamQuorum {
                percent: 50.0,
                sizes: "sre 3",
            },
            NoSlot,
            SlotFree {
                average: 2.5,
                attendees: 3,
                all_free: 4,
                weeks: 8,
            },
            DaysOffExcluded {
                list: "2026-12-30 会社の休業日",
            },
            Io {
                kind: std::io::ErrorKind::NotFound,
                text: "No such file or directory (os error 2)",
            },
            Io {
                kind: std::io::ErrorKind::PermissionDenied,
                text: "Permission denied (os error 13)",
            },
            PlanNoSessions,
            PlanFacilitator { who: "sato" },
            Held,
            SkippedHoliday {
                name_ja: "元日",
                name_en: "New Year's Day",
            },
            SkippedClosure {
                name: "年末年始"
            },
            SkippedDayOff,
            SkippedCancelled,
            SkippedCancelledBecause {
                reason: "全社オフサイトのため",
            },
        ]
    }
}
