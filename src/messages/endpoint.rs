//! The HTTP endpoint's error bodies (`{"error": …}`): the CLI shows them to
//! the person who ran it.

use super::{Message, catalogue};

catalogue! {
    pub(crate) enum Endpoint<'a> {
        WrongHost { hosts: &'a str },
        SeveralHosts,
        ImportInProgress,
        Busy,
        NeedsToken,
        NeedsJson,
        TooLarge { mib: u64 },
        NotUtf8 { error: &'a str },
        NothingImported { error: &'a str },
        CannotStage { error: &'a str },
        UploadBrokeOff { error: &'a str },
        NotReady,
        BadDate { name: &'a str, got: &'a str },
        BadKind { got: &'a str },
    }
}

impl Message for Endpoint<'_> {
    fn ja(&self) -> String {
        use Endpoint::*;
        match *self {
            WrongHost { hosts } => format!(
                "このエンドポイントが受け付けるのは {hosts} 宛てのリクエストだけです。プロキシ経由の名前は [web] の `public_url` か `hosts` に書いてください"
            ),
            SeveralHosts => "`Host` ヘッダーが複数あります。1つだけにしてください".into(),
            ImportInProgress => {
                "別の取り込みが進行中です。終わってからもう一度送ってください".into()
            }
            Busy => "処理中のリクエストが多すぎます。少し待ってからもう一度送ってください".into(),
            NeedsToken => "ローカル API には state_dir/api-token のトークンが必要です".into(),
            NeedsJson => {
                "API への POST は `Content-Type: application/json` で送ってください".into()
            }
            TooLarge { mib } => {
                format!("取り込めるのは {mib} MiB までです。ドキュメントを分けてください")
            }
            NotUtf8 { error } => {
                format!(
                    "ドキュメントが UTF-8 のテキストではありません（{error}）。何も取り込んでいません"
                )
            }
            NothingImported { error } => format!("{error}。何も取り込んでいません"),
            CannotStage { error } => format!("取り込むデータを state_dir に置けません: {error}"),
            UploadBrokeOff { error } => {
                format!("アップロードが途中で切れました（{error}）。何も取り込んでいません")
            }
            NotReady => "集計がまだできていません（/healthz を参照）".into(),
            BadDate { name, got } => {
                format!("`{name}`: YYYY-MM-DD の日付を指定してください（{got:?} が指定されました）")
            }
            BadKind { got } => format!(
                "`kind`: session|agenda|postmortem|learning のどれかを指定してください（{got:?} が指定されました）"
            ),
        }
    }

    fn en(&self) -> String {
        use Endpoint::*;
        match *self {
            WrongHost { hosts } => format!(
                "this endpoint answers requests for {hosts} only; a proxy's name goes in [web] public_url or hosts"
            ),
            SeveralHosts => "the request has several Host headers; send one".into(),
            ImportInProgress => {
                "another import is in progress; send this one again when it has finished".into()
            }
            Busy => "too many requests in progress; try again shortly".into(),
            NeedsToken => "the local API needs the token from state_dir/api-token".into(),
            NeedsJson => "API posts must be sent with Content-Type: application/json".into(),
            TooLarge { mib } => format!("an import may be {mib} MiB at most; split the document"),
            NotUtf8 { error } => {
                format!("the document is not UTF-8 text ({error}); nothing was imported")
            }
            NothingImported { error } => format!("{error}; nothing was imported"),
            CannotStage { error } => format!("cannot stage the import in state_dir: {error}"),
            UploadBrokeOff { error } => {
                format!("the upload broke off ({error}); nothing was imported")
            }
            NotReady => "the figures are not ready yet (see /healthz)".into(),
            BadDate { name, got } => format!("{name}: expected a date as YYYY-MM-DD, got {got:?}"),
            BadKind { got } => {
                format!("kind: expected session, agenda, postmortem or learning, got {got:?}")
            }
        }
    }
}

#[cfg(test)]
impl Endpoint<'static> {
    pub(crate) fn samples() -> Vec<Self> {
        use Endpoint::*;
        vec![
            WrongHost {
                hosts: "127.0.0.1:8080, localhost:8080",
            },
            SeveralHosts,
            ImportInProgress,
            Busy,
            NeedsToken,
            NeedsJson,
            TooLarge { mib: 256 },
            NotUtf8 {
                error: "3 バイト目",
            },
            NothingImported {
                error: "learnings[1]: 日付がありません",
            },
            CannotStage {
                error: "容量が足りません",
            },
            UploadBrokeOff {
                error: "接続が切れました",
            },
            NotReady,
            BadDate {
                name: "since",
                got: "12/9",
            },
            BadKind { got: "会" },
        ]
    }
}
