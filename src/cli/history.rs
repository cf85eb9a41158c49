//! `history`: search the session log, newest first.

use std::io::Write;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::log_access::LogAccess;
use super::{CliError, Env, OutputFormat};
use crate::domain::history::{Query, Record, RecordKind};
use crate::messages::Message;
use crate::messages::actions::ActionText;
use crate::messages::cli::Cli as Say;
use crate::messages::labels::Label;
use crate::store::SledLog;

#[derive(Debug, Args)]
pub(super) struct HistoryArgs {
    /// Text to look for (any language; case-insensitive). Without it, lists by date.
    query: Option<String>,
    #[arg(long, value_name = "ID")]
    meeting: Option<String>,
    /// Earliest date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    since: Option<NaiveDate>,
    /// Latest date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    until: Option<NaiveDate>,
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Only learnings with this tag.
    #[arg(long, value_name = "T")]
    tag: Option<String>,
    /// Only agenda items presented by this team (guests from other departments).
    #[arg(long, value_name = "TEAM")]
    team: Option<String>,
    /// At most this many results.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    limit: u64,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Session,
    Agenda,
    Postmortem,
    Learning,
    Incident,
    Action,
}

impl From<KindArg> for RecordKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Session => RecordKind::Session,
            KindArg::Agenda => RecordKind::Agenda,
            KindArg::Postmortem => RecordKind::Postmortem,
            KindArg::Learning => RecordKind::Learning,
            KindArg::Incident => RecordKind::Incident,
            KindArg::Action => RecordKind::Action,
        }
    }
}

pub(super) fn run(env: &Env, args: &HistoryArgs, out: &mut dyn Write) -> Result<(), CliError> {
    if let Some(id) = &args.meeting {
        env.require_meeting(id)?;
    }
    let since = env.typed_date("--since", args.since)?;
    let until = env.typed_date("--until", args.until)?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(env.usage(Say::SinceAfterUntil {
            since: &since.to_string(),
            until: &until.to_string(),
        }));
    }
    let query = Query {
        text: args.query.clone(),
        meeting: args.meeting.clone(),
        since,
        until,
        kind: args.kind.map(Into::into),
        tag: args.tag.clone(),
        team: args.team.clone(),
        limit: args.limit as usize,
    };
    // The search file answers alone while it is current: no sled to open.
    let state_dir = &env.config.daemon.state_dir;
    let hits = match SledLog::search_closed_store(state_dir, &query) {
        Some(hits) => hits,
        None => LogAccess::for_reading(env)?.search(&query)?,
    };
    let text = match args.format {
        OutputFormat::Json => {
            let values: Vec<Value> = hits.iter().map(|r| to_json(env, r)).collect();
            serde_json::to_string_pretty(&values).context("encoding JSON")? + "\n"
        }
        OutputFormat::Text if hits.is_empty() => env.say(Say::NothingFound) + "\n",
        OutputFormat::Text => hits.iter().map(|r| to_line(env, r)).collect(),
    };
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    Ok(())
}

fn session_title(env: &Env, meeting: &str, number: Option<u32>) -> String {
    let title = env
        .config
        .meeting(meeting)
        .map_or(meeting, |m| m.title.as_str());
    crate::messages::invitation::session_title(title, number)
}

/// One result as JSON: `type`, `meeting`, `date`, `title` or `text`, `id`, then the record's own fields.
fn to_json(env: &Env, record: &Record) -> Value {
    let mut value = match record {
        Record::Session(s) => json!({
            "title": session_title(env, &s.meeting, s.number),
            "status": s.status, "reason": s.reason, "number": s.number,
            "facilitator": s.facilitator, "notes": s.notes, "attendance": s.rsvp_counts(),
            "agenda_items": s.agenda.len(),
        }),
        Record::Agenda { item, .. } => json!({
            "title": item.title, "kind": item.kind, "presenter": item.presenter,
            "link": item.link, "notes": item.notes, "team": item.team,
            "done": item.done, "carried_from": item.carried_from,
        }),
        Record::Postmortem(p) => json!({
            "title": p.title, "impact": p.impact, "actions_taken": p.actions_taken,
            "root_cause": p.root_cause, "prevention": p.prevention,
            "responders": p.responders, "links": p.links,
        }),
        Record::Learning(l) => json!({"text": l.text, "tags": l.tags, "author": l.author}),
        Record::Incident(i) => json!({
            "title": i.title, "start": i.start, "end": i.end,
            "duration_minutes": i.duration().map(|d| d.num_minutes()),
            "severity": i.severity, "labels": i.labels, "links": i.links,
            "group_key": i.group_key, "alerts": i.episodes.len(),
        }),
        Record::Action(a) => json!({
            "title": a.title, "owner": a.owner, "due": a.due, "status": a.status,
            "link": a.link, "postmortem": a.postmortem, "created": a.created,
            "closed": a.closed, "note": a.note, "closed_by": a.closed_by,
        }),
    };
    let object = value.as_object_mut().expect("built as an object above");
    object.insert("type".into(), json!(record.kind().code()));
    object.insert("meeting".into(), json!(record.meeting()));
    object.insert("date".into(), json!(record.date()));
    object.insert("id".into(), json!(record.id()));
    value
}

fn to_line(env: &Env, record: &Record) -> String {
    let language = env.language();
    let people = &env.config.people;
    let shown = |key: &str| {
        people
            .by_name(&people.canonical(key))
            .map_or_else(|| key.to_string(), |p| p.display_name().to_string())
    };
    let summary = match record {
        Record::Session(s) => {
            let notes = crate::messages::markdown::plain(s.notes.as_deref().unwrap_or(""));
            let title = match (s.number, env.config.meeting(&s.meeting)) {
                (Some(number), Some(m)) => crate::messages::invite::Invite::SessionTitle {
                    title: &m.title,
                    number,
                }
                .say(language),
                _ => session_title(env, &s.meeting, s.number),
            };
            format!("{title} {}", first_line(&notes))
        }
        Record::Agenda { item, .. } => {
            let kind = Label::Agenda { kind: item.kind }.say(language);
            let who = item.presenter.as_deref().map(shown);
            Say::HistoryAgendaLine {
                title: &item.title,
                kind: &kind,
                presenter: who.as_deref(),
            }
            .say(language)
        }
        Record::Postmortem(p) => format!("{}: {}", p.title, first_line(&p.impact)),
        Record::Learning(l) => first_line(&l.text).to_string(),
        Record::Incident(i) => {
            let lasted = Label::Lasted {
                minutes: i.duration().map(|d| d.num_minutes()),
            }
            .say(language);
            Say::HistoryAgendaLine {
                title: &i.title,
                kind: i.severity.as_deref().unwrap_or_default(),
                presenter: Some(&lasted),
            }
            .say(language)
        }
        Record::Action(a) => ActionText::Line {
            title: &a.title,
            owner: &shown(&a.owner),
            due: a.due,
            state: a.state(env.clock.now().date_naive()),
            today: env.clock.now().date_naive(),
            closed_by: crate::app::actions::closed_by_name(a),
        }
        .say(language),
    };
    let today = env.clock.now().date_naive();
    format!(
        "{}  {}  {}  {}  [{}]\n",
        pad(
            &crate::messages::dates::day_seen(record.date(), today, language),
            18
        ),
        pad(
            &Label::Record {
                kind: record.kind()
            }
            .say(language),
            14
        ),
        record.meeting(),
        summary.trim_end(),
        record.id()
    )
}

/// `text` padded with spaces to `width` columns as a terminal shows them
/// (a Japanese character takes two).
fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::pad;

    #[test]
    fn columns_are_padded_by_display_width() {
        assert_eq!(pad("学び", 6), "学び  ");
        assert_eq!(pad("agenda", 8), "agenda  ");
        assert_eq!(pad("ポストモーテム", 4), "ポストモーテム");
    }
}
