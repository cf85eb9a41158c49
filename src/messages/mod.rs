//! The message catalogue: every text a person reads, in Japanese and English.
//!
//! Typed rather than Fluent (`fluent-bundle`/`fluent-templates`): each message is
//! an enum variant with typed arguments, and each area renders it through two
//! exhaustive functions, `ja` and `en`. So the compiler refuses a message that
//! is missing in either language, an argument that is misspelled or of the
//! wrong type, and a variant nobody renders; there is no runtime lookup that
//! can fail or fall back to a key, and no second syntax to learn. The texts
//! are a few hundred and change together with the code that uses them, so
//! translators' tooling (Fluent's strength) buys little here.
//!
//! Each area (`cli`, `stats`, …) declares its enum with [`catalogue!`], which
//! also lists the variants' names, so a unit test checks that `samples()`
//! holds one of each and that none renders empty or, in Japanese, carries an
//! English word ([`english::stray_words`], shared with the end-to-end test).

#![allow(
    clippy::too_many_lines,
    reason = "a catalogue renders each area in one match: an arm per message"
)]

use crate::domain::language::Language;

pub(crate) mod actions;
pub(crate) mod agenda;
pub(crate) mod calendar;
pub(crate) mod cli;
pub(crate) mod config;
pub(crate) mod dates;
pub(crate) mod discord;
pub(crate) mod doctor;
pub(crate) mod endpoint;
pub mod english;
pub(crate) mod import;
pub(crate) mod incidents;
pub mod invitation;
pub(crate) mod invite;
pub(crate) mod knowledge;
pub(crate) mod labels;
pub(crate) mod markdown;
pub(crate) mod posts;
pub(crate) mod proposal;
pub(crate) mod rotation;
pub(crate) mod session;
pub(crate) mod sessions;
pub(crate) mod stats;
pub(crate) mod usage;
pub(crate) mod web;

/// A text in both languages.
pub(crate) trait Message {
    fn ja(&self) -> String;
    fn en(&self) -> String;

    fn say(&self, language: Language) -> String {
        match language {
            Language::Ja => self.ja(),
            Language::En => self.en(),
        }
    }
}

/// Declares an area's message enum (struct or unit variants) and, for the
/// tests, the names of its variants and an exhaustive `variant()` that names
/// one: a sample list that misses a variant fails `every_message_has_a_sample`.
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident $(<$lt:lifetime>)? {
            $(
                $(#[$vmeta:meta])*
                $variant:ident $({ $($field:ident : $ty:ty),* $(,)? })?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name $(<$lt>)? {
            $(
                $(#[$vmeta])*
                $variant $({ $($field: $ty),* })?
            ),*
        }

        #[cfg(test)]
        impl $(<$lt>)? $name $(<$lt>)? {
            pub(crate) const VARIANTS: &'static [&'static str] = &[$(stringify!($variant)),*];

            pub(crate) fn variant(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => stringify!($variant)),*
                }
            }
        }
    };
}
pub(crate) use catalogue;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::Message;

    /// User text and ids the samples carry: not English the catalogue wrote.
    pub(crate) const SAMPLE_USER_TEXT: &[&str] = &[
        "weekly",
        "Weekly postmortem",
        "sato",
        "sre-jp",
        "sre",
        "db",
        "primary",
        "GitHub",
        "Backlog",
        "Jira",
    ];

    fn check<M: Message>(
        area: &str,
        variants: &[&str],
        samples: &[M],
        variant: fn(&M) -> &'static str,
    ) {
        let sampled: BTreeSet<&str> = samples.iter().map(variant).collect();
        let missing: Vec<&&str> = variants.iter().filter(|v| !sampled.contains(**v)).collect();
        assert!(missing.is_empty(), "{area}: no sample of {missing:?}");
        let mut problems = Vec::new();
        for sample in samples {
            let name = variant(sample);
            let (ja, en) = (sample.ja(), sample.en());
            if ja.trim().is_empty() || en.trim().is_empty() {
                problems.push(format!("{area}::{name}: empty: {ja:?} / {en:?}"));
            }
            let stray = super::english::stray_words(&ja, SAMPLE_USER_TEXT);
            if !stray.is_empty() {
                problems.push(format!("{area}::{name}: English in ja {stray:?}: {ja:?}"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_message_has_a_sample_in_both_languages_and_no_english_in_japanese() {
        use super::*;
        check(
            "discord",
            discord::Discord::VARIANTS,
            &discord::Discord::samples(),
            discord::Discord::variant,
        );
        check(
            "doctor",
            doctor::Doctor::VARIANTS,
            &doctor::Doctor::samples(),
            doctor::Doctor::variant,
        );
        check(
            "cli",
            cli::Cli::VARIANTS,
            &cli::Cli::samples(),
            cli::Cli::variant,
        );
        check(
            "config",
            config::ConfigText::VARIANTS,
            &config::ConfigText::samples(),
            config::ConfigText::variant,
        );
        check(
            "calendar",
            calendar::SyncReport::VARIANTS,
            &calendar::SyncReport::samples(),
            calendar::SyncReport::variant,
        );
        check(
            "endpoint",
            endpoint::Endpoint::VARIANTS,
            &endpoint::Endpoint::samples(),
            endpoint::Endpoint::variant,
        );
        check(
            "import",
            import::ImportText::VARIANTS,
            &import::ImportText::samples(),
            import::ImportText::variant,
        );
        check(
            "incidents",
            incidents::Incidents::VARIANTS,
            &incidents::Incidents::samples(),
            incidents::Incidents::variant,
        );
        check(
            "invite",
            invite::Invite::VARIANTS,
            &invite::Invite::samples(),
            invite::Invite::variant,
        );
        check(
            "labels",
            labels::Label::VARIANTS,
            &labels::Label::samples(),
            labels::Label::variant,
        );
        check(
            "actions",
            actions::ActionText::VARIANTS,
            &actions::ActionText::samples(),
            actions::ActionText::variant,
        );
        check(
            "agenda",
            agenda::Agenda::VARIANTS,
            &agenda::Agenda::samples(),
            agenda::Agenda::variant,
        );
        check(
            "knowledge",
            knowledge::Knowledge::VARIANTS,
            &knowledge::Knowledge::samples(),
            knowledge::Knowledge::variant,
        );
        check(
            "posts",
            posts::Post::VARIANTS,
            &posts::Post::samples(),
            posts::Post::variant,
        );
        check(
            "rotation",
            rotation::Rotation::VARIANTS,
            &rotation::Rotation::samples(),
            rotation::Rotation::variant,
        );
        check(
            "sessions",
            sessions::Sessions::VARIANTS,
            &sessions::Sessions::samples(),
            sessions::Sessions::variant,
        );
        check(
            "session",
            session::SessionText::VARIANTS,
            &session::SessionText::samples(),
            session::SessionText::variant,
        );
        check(
            "stats",
            stats::Stats::VARIANTS,
            &stats::Stats::samples(),
            stats::Stats::variant,
        );
        check(
            "usage",
            usage::Usage::VARIANTS,
            &usage::Usage::samples(),
            usage::Usage::variant,
        );
        check(
            "web",
            web::Web::VARIANTS,
            &web::Web::samples(),
            web::Web::variant,
        );
    }
}
