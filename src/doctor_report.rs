//! What `doctor` found in Discord, as plain data: the Discord adapter makes
//! these findings and the catalogue says them, so neither imports the other.

/// A permission as Discord's settings name it, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PermissionName {
    pub(crate) ja: &'static str,
    pub(crate) en: &'static str,
}

/// What one check found. A check that fails may stop the ones after it (a
/// refused token leaves nothing else to ask).
#[derive(Debug)]
pub(crate) enum Finding {
    TokenAccepted {
        bot: String,
    },
    TokenRefused,
    Unreachable {
        error: String,
    },
    InGuild {
        guild: String,
    },
    NotInGuild {
        guild: u64,
    },
    ChannelReady {
        channel: String,
    },
    ChannelMissing {
        id: u64,
    },
    NotInThisGuild {
        id: u64,
    },
    PermissionsMissing {
        channel: String,
        role: String,
        missing: Vec<PermissionName>,
    },
    RoleFound {
        role: String,
    },
    RoleMissing {
        id: u64,
    },
    VoiceReady {
        channel: String,
    },
    NotVoice {
        channel: String,
    },
}

impl Finding {
    pub(crate) fn is_failure(&self) -> bool {
        !matches!(
            self,
            Finding::TokenAccepted { .. }
                | Finding::InGuild { .. }
                | Finding::ChannelReady { .. }
                | Finding::RoleFound { .. }
                | Finding::VoiceReady { .. }
        )
    }
}
