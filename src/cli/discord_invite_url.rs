//! `discord-invite-url`: the address a server's owner opens to add the bot,
//! with exactly the permissions it uses (the list `doctor` checks too).

use std::io::Write;

use anyhow::Context;

use super::{CliError, Env};
use crate::discord::bot::token;
use crate::discord::permissions::{BOT_PERMISSIONS, invite_url};
use crate::domain::language::Language;
use crate::messages::cli::Cli as Say;

/// The URL alone on stdout (for scripts); which permissions it asks for on stderr.
pub(super) fn run(env: &Env, out: &mut dyn Write) -> Result<(), CliError> {
    let path = env.config.path.display().to_string();
    let discord = env
        .config
        .discord
        .as_ref()
        .ok_or_else(|| env.usage(Say::InviteNeedsDiscord { path: &path }))?;
    let source = discord.token_source();
    let token = token(discord).map_err(|_| env.usage(Say::InviteNeedsToken { source: &source }))?;
    let id = token
        .application_id()
        .ok_or_else(|| env.usage(Say::TokenWithoutApplicationId { source: &source }))?;
    writeln!(out, "{}", invite_url(id)).context("writing to stdout")?;
    let (names, separator): (Vec<&str>, &str) = match env.language() {
        Language::Ja => (BOT_PERMISSIONS.iter().map(|p| p.name_ja).collect(), "、"),
        Language::En => (BOT_PERMISSIONS.iter().map(|p| p.name_en).collect(), ", "),
    };
    eprintln!(
        "{}",
        env.say(Say::InviteAsksFor {
            permissions: &names.join(separator),
        })
    );
    Ok(())
}
