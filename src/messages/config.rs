//! The config file's errors: what is wrong with a key and what to write instead.
//!
//! The file's own `daemon.language` decides the language, and it is known only
//! once the file is read; so a problem is kept in both languages
//! ([`Explanation`]) until the error is shown. Keys, paths and values stay as
//! written.

use std::fmt;

use super::{Message, catalogue};

catalogue! {
    pub(crate) enum ConfigText<'a> {
        /// Before the explanation, when it is about one key.
        KeyPrefix { key: &'a str },
        CannotRead { error: &'a str },
        Seconds { min: i64, max: i64, got: i64 },
        CacheMib { min: i64, max: i64, got: i64 },
        Minutes { min: i64, max: i64, got: i64 },
        MinutesUpToAWeek { got: i64 },
        Weeks { min: i64, max: i64, got: i64 },
        Weight { min: i64, max: i64, got: i64 },
        SocketAddress { example: &'a str, got: &'a str },
        MeetingId { got: &'a str },
        TimeZone { got: &'a str },
        Weekday { got: &'a str },
        StartTime { got: &'a str },
        YearRange { first: i32, last: i32, got: &'a str },
        MonthDay { got: &'a str },
        SendUpdates { got: &'a str },
        DiscordId { got: &'a str },
        Email { got: &'a str },
        EmailOrPerson { got: &'a str },
        ProxyAddress { got: &'a str },
        NoProxies,
        HeaderName { got: &'a str },
        ProxyEverywhere { got: &'a str },
        HeaderSetByClients { got: &'a str },
        PublicUrl { got: &'a str },
        HostName { got: &'a str },
        SameListen { listen: &'a str },
        NoMeeting,
        DuplicateMeetingId { id: &'a str },
        ClosuresOverlap {
            name: &'a str, from: &'a str, until: &'a str, other: usize,
            other_name: &'a str, other_from: &'a str, other_until: &'a str, day: &'a str,
        },
        NoTimeForAgenda { opening: u32, closing: u32, duration: u32 },
        NameLooksLikeAddress { name: &'a str },
        NameTaken { first: usize, name: &'a str },
        DiscordIdTaken { first: usize, name: &'a str, id: u64 },
        NoPersonNamed { name: &'a str, near: Option<&'a str> },
        PersonWithoutEmail { name: &'a str },
        NeitherEmailNorPerson { got: &'a str },
        SharesWithItself { id: &'a str },
        NoMeetingWithId { id: &'a str, near: Option<&'a str>, ids: &'a str },
        EnvAndFile { env: &'a str, file: &'a str },
        TokenEnvName { got: &'a str },
        RouteLabelEmpty,
        ListenOpen { listen: &'a str },
        SecretUnreadable { key: &'a str, path: &'a str, error: &'a str },
        SecretNotRegular { key: &'a str, path: &'a str, kind: SpecialFile },
        SecretTooLarge { key: &'a str, path: &'a str, size: u64, max: u64 },
        SecretNotText { key: &'a str, path: &'a str },
        ConfigNotRegular { kind: SpecialFile },
        ConfigTooLarge { size: u64, max: u64 },
        UnknownField { field: &'a str, expected: &'a str },
        UnknownValue { value: &'a str, expected: &'a str },
        MissingField { field: &'a str },
        DuplicateField { field: &'a str },
        WrongType { got: Shape, expected: Shape },
        /// A value of the right type the key still cannot take (a negative count).
        WrongValue { expected: Shape },
        /// A date written without quotes: TOML reads it as its own date-time value.
        DateNeedsQuotes,
        NotADate,
        DuplicateKey,
        /// TOML the parser could not read; `detail` is the parser's own words.
        Syntax { detail: &'a str },
    }
}

/// What a value is, in an error about a value of the wrong type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    List,
    Table,
    /// A form the message does not name (serde's own wording differs).
    Other,
}

impl Shape {
    /// The shape serde names in "invalid type: X, expected Y".
    pub(crate) fn from_serde(text: &str) -> Shape {
        let words: Vec<&str> = text.split([' ', '`']).collect();
        let has = |w: &[&str]| words.iter().any(|x| w.contains(x));
        if text.contains("date") {
            Shape::Date
        } else if has(&["string", "str", "char"]) {
            Shape::Text
        } else if has(&["sequence", "array", "tuple"]) {
            Shape::List
        } else if has(&["boolean", "bool"]) {
            Shape::Boolean
        } else if has(&[
            "integer", "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
        ]) {
            Shape::Integer
        } else if has(&["floating", "f32", "f64"]) {
            Shape::Number
        } else if has(&["map", "struct", "table"]) {
            Shape::Table
        } else {
            Shape::Other
        }
    }

    fn ja(self) -> &'static str {
        match self {
            Shape::Text => "文字列",
            Shape::Integer => "整数",
            Shape::Number => "数値",
            Shape::Boolean => "真偽値（true か false）",
            Shape::Date => "日付",
            Shape::List => "配列（[...]）",
            Shape::Table => "テーブル",
            Shape::Other => "別の形の値",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Shape::Text => "a string",
            Shape::Integer => "an integer",
            Shape::Number => "a number",
            Shape::Boolean => "a boolean (true or false)",
            Shape::Date => "a date",
            Shape::List => "an array ([...])",
            Shape::Table => "a table",
            Shape::Other => "a value of another form",
        }
    }
}

/// What a secret file's path names instead of a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecialFile {
    Directory,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    Other,
}

impl SpecialFile {
    pub(crate) fn en(self) -> &'static str {
        match self {
            SpecialFile::Directory => "a directory",
            SpecialFile::CharDevice => "a character device",
            SpecialFile::BlockDevice => "a block device",
            SpecialFile::Fifo => "a named pipe",
            SpecialFile::Socket => "a socket",
            SpecialFile::Other => "not a file",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            SpecialFile::Directory => "ディレクトリ",
            SpecialFile::CharDevice => "キャラクターデバイス",
            SpecialFile::BlockDevice => "ブロックデバイス",
            SpecialFile::Fifo => "名前付きパイプ",
            SpecialFile::Socket => "ソケット",
            SpecialFile::Other => "ファイル以外",
        }
    }
}

impl Message for ConfigText<'_> {
    fn ja(&self) -> String {
        use ConfigText::*;
        match *self {
            KeyPrefix { key } => format!("キー `{key}`: "),
            CannotRead { error } => format!("設定ファイルを読み取れません: {error}"),
            Seconds { min, max, got } => {
                format!("{min} から {max} までの秒数を指定してください（`{got}` と書かれています）")
            }
            CacheMib { min, max, got } => format!(
                "キャッシュの大きさは {min} から {max} までの MiB で指定してください（`{got}` と書かれています）"
            ),
            Minutes { min, max, got } => {
                format!("{min} から {max} までの分数を指定してください（`{got}` と書かれています）")
            }
            MinutesUpToAWeek { got } => format!(
                "0 から 10080（1週間）までの分数を指定してください（`{got}` と書かれています）"
            ),
            Weeks { min, max, got } => {
                format!("{min} から {max} までの週数を指定してください（`{got}` と書かれています）")
            }
            Weight { min, max, got } => {
                format!("重みは {min} から {max} までで指定してください（`{got}` と書かれています）")
            }
            SocketAddress { example, got } => format!(
                "\"{example}\" のようなアドレスとポートを指定してください（`{got}` と書かれています）"
            ),
            MeetingId { got } => format!(
                "id は英数字・`-`・`_` の 1〜64 文字にしてください（`{got}` と書かれています）"
            ),
            TimeZone { got } => format!(
                "\"Asia/Tokyo\" のような IANA のタイムゾーン名を指定してください（`{got}` と書かれています）"
            ),
            Weekday { got } => format!(
                "曜日は `monday` から `sunday` のどれかで指定してください（`{got}` と書かれています）"
            ),
            StartTime { got } => format!(
                "時刻は 00:00 から 23:59 までの HH:MM で指定してください（`{got}` と書かれています）"
            ),
            YearRange { first, last, got } => {
                format!("{first} 年から {last} 年までの日付を指定してください（`{got}` と書かれています）")
            }
            MonthDay { got } => format!(
                "月日は実在する MM-DD で指定してください（例 \"12-29\"。`{got}` と書かれています）"
            ),
            SendUpdates { got } => format!(
                "`none`・`all`・`externalOnly` のどれかを指定してください（`{got}` と書かれています）"
            ),
            DiscordId { got } => format!(
                "Discord の id（数字。例 \"111111111111111111\"）を指定してください（`{got}` と書かれています）"
            ),
            Email { got } => format!(
                "\"sato@example.com\" のようなメールアドレスを指定してください（`{got}` と書かれています）"
            ),
            EmailOrPerson { got } => format!(
                "\"sato@example.com\" のようなメールアドレスか [[person]] の名前を指定してください（`{got}` と書かれています）"
            ),
            ProxyAddress { got } => format!(
                "\"10.0.0.5/32\" のようなアドレスか CIDR ブロックを指定してください（`{got}` と書かれています）"
            ),
            NoProxies => {
                "プロキシのアドレスを少なくとも1つ書いてください（例 [\"10.0.0.5/32\"]）".into()
            }
            HeaderName { got } => format!(
                "`X-Forwarded-Email` のようなヘッダー名を指定してください（`{got}` と書かれています）"
            ),
            ProxyEverywhere { got } => format!(
                "`{got}` はすべてのアドレスを信頼することになります。認証プロキシのアドレスだけを書いてください（例 \"127.0.0.1/32\"）"
            ),
            HeaderSetByClients { got } => format!(
                "`{got}` はブラウザーや HTTP クライアントが自分で送るヘッダーなので、利用者の名前には使えません。認証プロキシが設定するヘッダーを指定してください（例 `X-Forwarded-Email`）"
            ),
            PublicUrl { got } => format!(
                "`https://postmortem.example.com` のような、`http://` か `https://` で始まる URL を指定してください（`{got}` と書かれています）"
            ),
            HostName { got } => format!(
                "\"postmortem.example.com\" や \"postmortem.internal:8754\" のようなホスト名（必要ならポート付き）を指定してください（`{got}` と書かれています）"
            ),
            SameListen { listen } => format!(
                "daemon.listen と同じアドレス {listen} です。同じポートは2つのサーバーで使えないので、別のポートを指定してください"
            ),
            NoMeeting => "ミーティングが設定されていません。`id`・`title`・`weekday`・`start_time`・`first_session` を書いた [[meeting]] テーブルを追加してください".into(),
            DuplicateMeetingId { id } => format!(
                "ミーティングの id `{id}` が重複しています。[[meeting]] ごとに別の id にしてください"
            ),
            ClosuresOverlap { name, from, until, other, other_name, other_from, other_until, day } => format!(
                "`{name}`（{from}..{until}）が closures[{other}] `{other_name}`（{other_from}..{other_until}）と {day} で重なっています。休業期間どうしは同じ日を含まないようにしてください"
            ),
            NoTimeForAgenda { opening, closing, duration } => format!(
                "opening_minutes（{opening}）と closing_minutes（{closing}）で duration_minutes = {duration} のミーティングが埋まり、議題の時間が残りません。短くしてください"
            ),
            NameLooksLikeAddress { name } => format!(
                "`{name}` はアドレスのようです。名前は \"sato\" のような短いキーにして、アドレスは `email` に書いてください"
            ),
            NameTaken { first, name } => format!(
                "person[{first}] がすでに `{name}` という名前です。[[person]] ごとに別の名前にしてください"
            ),
            DiscordIdTaken { first, name, id } => format!(
                "person[{first}]（`{name}`）がすでに Discord の id {id} を持っています。1つの Discord アカウントは1人です"
            ),
            NoPersonNamed { name, near } => match near {
                Some(near) => format!("`{name}` という [[person]] はありません。`{near}` のことですか？"),
                None => format!("`{name}` という [[person]] はありません"),
            },
            PersonWithoutEmail { name } => format!(
                "[[person]] `{name}` に `email` がありません。追加するか、ここにアドレスを書いてください"
            ),
            NeitherEmailNorPerson { got } => format!(
                "`{got}` はメールアドレスでも、`email` のある [[person]] の名前でもありません"
            ),
            SharesWithItself { id } => format!(
                "`{id}` はこのミーティング自身です。自分のポストモーテムは常に参照されます"
            ),
            NoMeetingWithId { id, near, ids } => match near {
                Some(near) => format!(
                    "id が `{id}` のミーティングはありません。`{near}` のことですか？ 設定にあるもの: {ids}"
                ),
                None => format!("id が `{id}` のミーティングはありません。設定にあるもの: {ids}"),
            },
            EnvAndFile { env, file } => {
                format!("{env} と {file} はどちらか一方だけにしてください")
            }
            TokenEnvName { got } => {
                format!("環境変数の名前を指定してください（`{got}` と書かれています）")
            }
            RouteLabelEmpty => {
                "空です。照合するアラートのラベル名（例 `team`）を書いてください".into()
            }
            ListenOpen { listen } => format!(
                "{listen} は他のマシンから接続できますが、エンドポイントにはそのための保護がありません。127.0.0.1 か [::1] で待ち受ける（SSH トンネル経由で使う）か、[web] テーブル（`auth = \"proxy\"`、`trusted_proxies`、`user_header`）を追加して、認証するリバースプロキシの後ろに置いてください"
            ),
            SecretUnreadable { key, path, error } => {
                format!("{key} {path}: 読み取れません: {error}")
            }
            SecretNotRegular { key, path, kind } => format!(
                "{key} {path}: 通常のファイルではありません（{}）。秘密情報を入れたファイルを指定してください",
                kind.ja()
            ),
            SecretTooLarge { key, path, size, max } => format!(
                "{key} {path}: {size} バイトは秘密情報としては大きすぎます（上限 {max} バイト）。秘密情報だけを入れたファイルを指定してください"
            ),
            SecretNotText { key, path } => format!(
                "{key} {path}: テキストではありません（NUL などの制御文字か、UTF-8 ではないバイトがあります）。秘密情報だけを UTF-8 のテキストで保存してください"
            ),
            ConfigNotRegular { kind } => format!(
                "設定ファイルが通常のファイルではありません（{}）。TOML の設定ファイルを指定してください",
                kind.ja()
            ),
            ConfigTooLarge { size, max } => format!(
                "設定ファイルが大きすぎます（{size} バイト、上限 {max} バイト）。TOML の設定ファイルを指定してください"
            ),
            UnknownField { field, expected } => {
                if expected.is_empty() {
                    format!("`{field}` というキーはありません。ここにはキーを書けません")
                } else {
                    let expected = expected.replace("` or `", "`, `");
                    format!("`{field}` というキーはありません。書けるキー: {expected}")
                }
            }
            UnknownValue { value, expected } => {
                let expected = expected.replace("` or `", "`, `");
                format!("`{value}` は指定できません。指定できる値: {expected}")
            }
            MissingField { field } => format!("`{field}` がありません。追加してください"),
            DuplicateField { field } => format!("`{field}` が2回書かれています。1つにしてください"),
            WrongType { got, expected } => format!(
                "値の型が違います: {}ではなく{}を書いてください",
                got.ja(),
                expected.ja()
            ),
            WrongValue { expected } => format!(
                "この{}は使えません。範囲と書き方を確認してください",
                expected.ja()
            ),
            DateNeedsQuotes => "日付は引用符で囲んで \"2026-12-09\" のように書いてください（引用符のない日付や { } の表は使えません）".into(),
            NotADate => "日付として読めません。YYYY-MM-DD で書いてください".into(),
            DuplicateKey => "同じキー（またはテーブル）がすでに書かれています。1つにしてください".into(),
            Syntax { detail } => format!(
                "TOML として読めません。この行の引用符・括弧・= の書き方を確認してください（パーサーの原文: `{detail}`）"
            ),
        }
    }

    fn en(&self) -> String {
        use ConfigText::*;
        match *self {
            KeyPrefix { key } => format!("key `{key}`: "),
            CannotRead { error } => format!("cannot read the config file: {error}"),
            Seconds { min, max, got } => {
                format!("expected a number of seconds from {min} to {max}, got {got}")
            }
            CacheMib { min, max, got } => {
                format!("expected a cache size in MiB from {min} to {max}, got {got}")
            }
            Minutes { min, max, got } => {
                format!("expected a number of minutes from {min} to {max}, got {got}")
            }
            MinutesUpToAWeek { got } => {
                format!("expected a number of minutes from 0 to 10080 (a week), got {got}")
            }
            Weeks { min, max, got } => {
                format!("expected a number of weeks from {min} to {max}, got {got}")
            }
            Weight { min, max, got } => format!("expected a weight from {min} to {max}, got {got}"),
            SocketAddress { example, got } => {
                format!("expected an address and port such as \"{example}\", got {got:?}")
            }
            MeetingId { got } => {
                format!("expected an id of 1 to 64 letters, digits, `-` or `_`, got {got:?}")
            }
            TimeZone { got } => {
                format!("expected an IANA time zone such as \"Asia/Tokyo\", got {got:?}")
            }
            Weekday { got } => format!("expected one of monday..sunday, got {got:?}"),
            StartTime { got } => {
                format!("expected a time as HH:MM from 00:00 to 23:59, got {got:?}")
            }
            YearRange { first, last, got } => {
                format!("expected a date in the years {first} to {last}, got {got}")
            }
            MonthDay { got } => format!(
                "expected a month and day as MM-DD that a year has (e.g. \"12-29\"), got {got:?}"
            ),
            SendUpdates { got } => {
                format!("expected one of none, all, externalOnly, got {got:?}")
            }
            DiscordId { got } => {
                format!("expected a Discord id (digits, e.g. \"111111111111111111\"), got {got}")
            }
            Email { got } => {
                format!("expected an email address such as \"sato@example.com\", got {got:?}")
            }
            EmailOrPerson { got } => format!(
                "expected an email address such as \"sato@example.com\" or a [[person]] name, got {got:?}"
            ),
            ProxyAddress { got } => format!(
                "expected an address or CIDR block such as \"10.0.0.5/32\", got {got:?}"
            ),
            NoProxies => "name at least one proxy address, such as [\"10.0.0.5/32\"]".into(),
            HeaderName { got } => {
                format!("expected a header name such as \"X-Forwarded-Email\", got {got:?}")
            }
            ProxyEverywhere { got } => format!(
                "{got:?} trusts every address: name only the authenticating proxy's addresses, such as \"127.0.0.1/32\""
            ),
            HeaderSetByClients { got } => format!(
                "{got:?} is a header browsers and HTTP clients send themselves, so it cannot name the user: name the header the authenticating proxy sets, such as \"X-Forwarded-Email\""
            ),
            PublicUrl { got } => format!(
                "expected an http or https URL such as \"https://postmortem.example.com\", got {got:?}"
            ),
            HostName { got } => format!(
                "expected a host name, with a port if needed, such as \"postmortem.example.com\" or \"postmortem.internal:8754\", got {got:?}"
            ),
            SameListen { listen } => format!(
                "{listen} is daemon.listen's address too: two servers cannot share a port, so give this one another"
            ),
            NoMeeting => "no meeting configured: add a [[meeting]] table with id, title, weekday, start_time and first_session".into(),
            DuplicateMeetingId { id } => {
                format!("duplicate meeting id {id:?}: each [[meeting]] needs its own id")
            }
            ClosuresOverlap { name, from, until, other, other_name, other_from, other_until, day } => format!(
                "{name:?} ({from}..{until}) overlaps closures[{other}] {other_name:?} ({other_from}..{other_until}) on {day}; closures must not share a day"
            ),
            NoTimeForAgenda { opening, closing, duration } => format!(
                "opening_minutes ({opening}) and closing_minutes ({closing}) leave no time for the agenda in a meeting of duration_minutes = {duration}: shorten them"
            ),
            NameLooksLikeAddress { name } => format!(
                "{name:?} looks like an address: a name is a short key such as \"sato\"; put the address in `email`"
            ),
            NameTaken { first, name } => format!(
                "person[{first}] is already named {name:?}: each [[person]] needs its own name"
            ),
            DiscordIdTaken { first, name, id } => format!(
                "person[{first}] ({name:?}) already has the Discord id {id}: one Discord account is one person"
            ),
            NoPersonNamed { name, near } => match near {
                Some(near) => format!("no [[person]] is named {name:?}; did you mean {near:?}?"),
                None => format!("no [[person]] is named {name:?}"),
            },
            PersonWithoutEmail { name } => format!(
                "[[person]] {name:?} has no `email`; add one, or write the address here"
            ),
            NeitherEmailNorPerson { got } => format!(
                "{got:?} is neither an email address nor the name of a [[person]] with an `email`"
            ),
            SharesWithItself { id } => format!(
                "{id:?} is this meeting itself: it always draws on its own postmortems"
            ),
            NoMeetingWithId { id, near, ids } => match near {
                Some(near) => format!(
                    "no meeting has the id {id:?}; did you mean {near:?}? the meetings are {ids}"
                ),
                None => format!("no meeting has the id {id:?}; the meetings are {ids}"),
            },
            EnvAndFile { env, file } => format!("set {env} or {file}, not both"),
            TokenEnvName { got } => {
                format!("expected the name of an environment variable, got {got:?}")
            }
            RouteLabelEmpty => "is empty: name the alert label to match, such as \"team\"".into(),
            ListenOpen { listen } => format!(
                "{listen} can be reached from other machines, and the endpoint has no protection \
                 for that; listen on 127.0.0.1 or [::1] (reach it through an SSH tunnel), or add a \
                 [web] table (auth = \"proxy\", trusted_proxies, user_header) and put the daemon \
                 behind a reverse proxy that authenticates"
            ),
            SecretUnreadable { key, path, error } => {
                format!("{key} {path}: cannot read it: {error}")
            }
            SecretNotRegular { key, path, kind } => format!(
                "{key} {path}: not a regular file ({}): point it at the file that holds the secret",
                kind.en()
            ),
            SecretTooLarge { key, path, size, max } => format!(
                "{key} {path}: {size} bytes is too large for a secret (at most {max} bytes): point it at the file that holds only the secret"
            ),
            SecretNotText { key, path } => format!(
                "{key} {path}: not text (a NUL, a control character or bytes that are not UTF-8): save only the secret in it, as UTF-8 text"
            ),
            ConfigNotRegular { kind } => format!(
                "the config file is not a regular file ({}): name the TOML config file",
                kind.en()
            ),
            ConfigTooLarge { size, max } => format!(
                "the config file is too large ({size} bytes, at most {max}): name the TOML config file"
            ),
            UnknownField { field, expected } => {
                if expected.is_empty() {
                    format!("unknown field `{field}`, there are no fields")
                } else {
                    format!("unknown field `{field}`, expected one of {expected}")
                }
            }
            UnknownValue { value, expected } => {
                format!("unknown variant `{value}`, expected one of {expected}")
            }
            MissingField { field } => format!("missing field `{field}`"),
            DuplicateField { field } => format!("duplicate field `{field}`"),
            WrongType { got, expected } => format!(
                "invalid type: {}, expected {}",
                got.en(),
                expected.en()
            ),
            WrongValue { expected } => {
                format!("this value cannot be used as {}: check its range and form", expected.en())
            }
            DateNeedsQuotes => "write a date in quotes, as \"2026-12-09\" (a bare TOML date or a { } table cannot be used)".into(),
            NotADate => "expected a date as YYYY-MM-DD".into(),
            DuplicateKey => "duplicate key".into(),
            Syntax { detail } => format!("not valid TOML: {detail}"),
        }
    }
}

/// A problem with the config, in both languages until the file's language is
/// known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub(crate) ja: String,
    pub(crate) en: String,
}

/// Between the two languages when serde carries an explanation as its
/// message: serde keeps only a string from a `try_from` error.
const SEPARATOR: char = '\u{1f}';

impl Explanation {
    /// A text that reads the same in both languages: a key, an id, a record's label.
    pub(crate) fn same(text: impl Into<String>) -> Explanation {
        let text = text.into();
        Explanation {
            ja: text.clone(),
            en: text,
        }
    }

    pub(crate) fn say(&self, language: crate::domain::language::Language) -> &str {
        match language {
            crate::domain::language::Language::Ja => &self.ja,
            crate::domain::language::Language::En => &self.en,
        }
    }

    /// An explanation of ours that serde or clap carried as a string.
    pub(crate) fn carried(message: &str) -> Option<Explanation> {
        let (en, ja) = message.split_once(SEPARATOR)?;
        Some(Explanation {
            ja: ja.to_string(),
            en: en.to_string(),
        })
    }

    /// A message from the TOML parser or serde: an explanation of ours that
    /// serde carried, or serde's or toml's own English, translated where its
    /// form is known.
    pub(crate) fn from_parser(message: &str) -> Explanation {
        if let Some(ours) = Explanation::carried(message) {
            return ours;
        }
        match parser_text(message.trim()) {
            // serde's own words stay as they were in English.
            Some(text) => Explanation {
                ja: text.ja(),
                en: message.trim().to_string(),
            },
            None => {
                let detail = message.trim().replace('\n', "; ").replace('`', "'");
                Explanation {
                    ja: ConfigText::Syntax { detail: &detail }.ja(),
                    en: message.trim().to_string(),
                }
            }
        }
    }
}

/// serde's own wording of a problem in Japanese, where its form is known.
pub(crate) fn serde_words_ja(message: &str) -> Option<String> {
    // serde_json adds where it was: the record's label says that already.
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    parser_text(message.trim()).map(|text| text.ja())
}

/// Serde's and toml's wordings this file knows (their own Display texts).
fn parser_text(message: &str) -> Option<ConfigText<'_>> {
    let backticked =
        |rest: &'static str| -> Option<&str> { message.strip_prefix(rest)?.split('`').next() };
    if let Some(field) = backticked("unknown field `") {
        let expected = message
            .split_once(", expected ")
            .map(|(_, e)| e.trim_start_matches("one of "))
            .unwrap_or_default();
        return Some(ConfigText::UnknownField { field, expected });
    }
    if let Some(value) = backticked("unknown variant `") {
        let expected = message
            .split_once(", expected ")
            .map(|(_, e)| e.trim_start_matches("one of "))
            .unwrap_or_default();
        return Some(ConfigText::UnknownValue { value, expected });
    }
    if let Some(field) = backticked("missing field `") {
        return Some(ConfigText::MissingField { field });
    }
    if let Some(field) = backticked("duplicate field `") {
        return Some(ConfigText::DuplicateField { field });
    }
    if message.starts_with("duplicate key") {
        return Some(ConfigText::DuplicateKey);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ")?;
        let (got, expected) = (Shape::from_serde(got), Shape::from_serde(expected));
        return Some(match (got, expected) {
            (Shape::Table, Shape::Date) => ConfigText::DateNeedsQuotes,
            (got, expected) if got == expected => ConfigText::WrongValue { expected },
            (got, expected) => ConfigText::WrongType { got, expected },
        });
    }
    if is_chrono_date_error(message)
        || message.ends_with(crate::domain::log::written_date::NOT_A_DATE)
    {
        return Some(ConfigText::NotADate);
    }
    None
}

/// chrono's `ParseError` texts: a date such as `skip_dates` or `--from` that
/// does not parse.
pub(crate) fn is_chrono_date_error(message: &str) -> bool {
    const CHRONO: &[&str] = &[
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
    ];
    CHRONO.contains(&message)
}

impl From<ConfigText<'_>> for Explanation {
    fn from(text: ConfigText<'_>) -> Self {
        Explanation {
            ja: text.ja(),
            en: text.en(),
        }
    }
}

impl From<&crate::domain::log::Invalid> for Explanation {
    fn from(invalid: &crate::domain::log::Invalid) -> Self {
        Explanation {
            ja: invalid.problem_ja.clone(),
            en: invalid.problem.clone(),
        }
    }
}

impl std::error::Error for Explanation {}

/// The form serde and clap carry (see [`SEPARATOR`]); never shown as it is.
impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{SEPARATOR}{}", self.en, self.ja)
    }
}

#[cfg(test)]
impl ConfigText<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use ConfigText::*;
        vec![
            KeyPrefix {
                key: "meeting[0].weekday",
            },
            CannotRead {
                error: "ファイルがありません",
            },
            Seconds {
                min: 1,
                max: 3600,
                got: 0,
            },
            CacheMib {
                min: 1,
                max: 4096,
                got: 0,
            },
            Minutes {
                min: 1,
                max: 1440,
                got: 0,
            },
            MinutesUpToAWeek { got: -1 },
            Weeks {
                min: 1,
                max: 104,
                got: 0,
            },
            Weight {
                min: 0,
                max: 100,
                got: 101,
            },
            SocketAddress {
                example: "127.0.0.1:8754",
                got: "localhost",
            },
            MeetingId { got: "a b" },
            TimeZone { got: "Asia/Osaka" },
            Weekday { got: "wensday" },
            StartTime { got: "25:00" },
            YearRange {
                first: 1970,
                last: 2100,
                got: "9999-12-29",
            },
            MonthDay { got: "02-30" },
            SendUpdates { got: "some" },
            DiscordId { got: "\"voice\"" },
            Email { got: "ops@" },
            EmailOrPerson { got: "ops@" },
            ProxyAddress { got: "10.0.0" },
            NoProxies,
            HeaderName { got: "X Email" },
            ProxyEverywhere { got: "0.0.0.0/0" },
            HeaderSetByClients { got: "Host" },
            PublicUrl {
                got: "postmortem.example.com",
            },
            HostName { got: "a b" },
            SameListen {
                listen: "127.0.0.1:8754",
            },
            NoMeeting,
            DuplicateMeetingId { id: "weekly" },
            ClosuresOverlap {
                name: "冬",
                from: "01-03",
                until: "01-10",
                other: 0,
                other_name: "年末年始",
                other_from: "12-29",
                other_until: "01-03",
                day: "01-03",
            },
            NoTimeForAgenda {
                opening: 30,
                closing: 30,
                duration: 60,
            },
            NameLooksLikeAddress {
                name: "sato@example.com",
            },
            NameTaken {
                first: 0,
                name: "sato",
            },
            DiscordIdTaken {
                first: 0,
                name: "sato",
                id: 1,
            },
            NoPersonNamed {
                name: "satou",
                near: Some("sato"),
            },
            PersonWithoutEmail { name: "sato" },
            NeitherEmailNorPerson { got: "sre" },
            SharesWithItself { id: "weekly" },
            NoMeetingWithId {
                id: "srre",
                near: Some("sre"),
                ids: "weekly, sre",
            },
            EnvAndFile {
                env: "api_key_env",
                file: "api_key_file",
            },
            TokenEnvName { got: "A=B" },
            RouteLabelEmpty,
            ListenOpen {
                listen: "0.0.0.0:8754",
            },
            SecretUnreadable {
                key: "discord.token_file",
                path: "/run/x",
                error: "権限がありません",
            },
            SecretNotRegular {
                key: "discord.token_file",
                path: "/dev/zero",
                kind: SpecialFile::CharDevice,
            },
            SecretTooLarge {
                key: "google.credentials_file",
                path: "/var/log/x",
                size: 100_000,
                max: 65_536,
            },
            SecretNotText {
                key: "discord.token_file",
                path: "/etc/weekly-postmortem/discord-token",
            },
            ConfigNotRegular {
                kind: SpecialFile::Fifo,
            },
            ConfigTooLarge {
                size: 2_000_000,
                max: 1_048_576,
            },
            UnknownField {
                field: "colour",
                expected: "`state_dir`, `listen`",
            },
            UnknownValue {
                value: "fr",
                expected: "`ja`, `en`",
            },
            MissingField { field: "until" },
            DuplicateField { field: "until" },
            WrongType {
                got: Shape::Integer,
                expected: Shape::Text,
            },
            WrongValue {
                expected: Shape::Integer,
            },
            DateNeedsQuotes,
            NotADate,
            DuplicateKey,
            Syntax {
                detail: "invalid table header; expected '.', ']'",
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serdes_own_wordings_are_translated_and_ours_come_back_in_both_languages() {
        let ours = Explanation::from(ConfigText::NoProxies);
        assert_eq!(Explanation::from_parser(&ours.to_string()), ours);
        let unknown = Explanation::from_parser(
            "unknown field `colour`, expected one of `state_dir`, `listen`",
        );
        assert_eq!(
            unknown.ja,
            "`colour` というキーはありません。書けるキー: `state_dir`, `listen`"
        );
        assert_eq!(
            unknown.en,
            "unknown field `colour`, expected one of `state_dir`, `listen`"
        );
        let wrong = Explanation::from_parser("invalid type: integer `1`, expected a string");
        assert_eq!(
            wrong.ja,
            "値の型が違います: 整数ではなく文字列を書いてください"
        );
        assert_eq!(
            Explanation::from_parser("missing field `until`").ja,
            "`until` がありません。追加してください"
        );
        let syntax = Explanation::from_parser("invalid table header\nexpected `.`, `]`");
        assert!(
            syntax.ja.starts_with("TOML として読めません"),
            "{}",
            syntax.ja
        );
        assert_eq!(syntax.en, "invalid table header\nexpected `.`, `]`");
    }
}
