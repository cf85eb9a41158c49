//! `/learning add`, `/postmortem`, `/history`: what the organisation learns,
//! kept and found again.

use chrono::NaiveDate;

use super::{Actor, Answer, Context, Reply, Said, UserError};
use crate::domain::history::{Query, Record, RecordKind};
use crate::domain::log::{Learning, Postmortem, learning_id, postmortem_id};
use crate::messages::Message;
use crate::messages::knowledge::Knowledge;
use crate::messages::labels::Label;

/// Results per page of `/history`: a Discord message stays short.
pub const HISTORY_PAGE: usize = 5;

/// The session a note belongs to: the given date, else the latest session
/// that has started (today's, or the last one).
fn session_date(ctx: &Context, date: Option<NaiveDate>) -> Result<NaiveDate, UserError> {
    if let Some(date) = date {
        return Ok(date);
    }
    let from = ctx
        .meeting
        .rule
        .first_session
        .max(ctx.today() - chrono::TimeDelta::days(7 * 8));
    let weeks = ((ctx.today() - from).num_days() / 7 + 1) as u64;
    let latest = ctx
        .occurrences(from, weeks)?
        .into_iter()
        .rev()
        .find(|o| o.is_held() && o.start <= ctx.now);
    match latest {
        Some(o) => Ok(o.date),
        None => Ok(ctx.next_held()?.date),
    }
}

pub fn add_learning(
    ctx: &Context,
    actor: &Actor,
    text: &str,
    tags: &[String],
    date: Option<NaiveDate>,
) -> Answer {
    let date = session_date(ctx, date)?;
    let learning = Learning {
        id: learning_id(&ctx.meeting.id, date, text),
        meeting: ctx.meeting.id.clone(),
        date,
        text: text.trim().to_string(),
        tags: tags
            .iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        author: Some(super::directory::shown(ctx, actor)),
        author_id: discord_id(actor),
    };
    learning
        .validate()
        .map_err(|e| UserError(e.say(ctx.language)))?;
    ctx.log.put_learning(&learning).said(ctx.language)?;
    Ok(Reply::public(
        Knowledge::LearningRecorded {
            date,
            id: &learning.id,
        }
        .say(ctx.language),
    ))
}

/// The asker's Discord user id, kept beside the name shown: who wrote it,
/// whatever they are called later.
fn discord_id(actor: &Actor) -> Option<String> {
    actor
        .id
        .parse::<u64>()
        .is_ok_and(|id| id > 0)
        .then(|| actor.id.clone())
}

pub struct PostmortemForm {
    pub title: String,
    pub impact: String,
    pub actions_taken: String,
    pub root_cause: String,
    pub prevention: String,
    pub date: Option<NaiveDate>,
}

/// The author is recorded as a responder: the template asks how people
/// recovered, never who caused it. Answers with the reply and the new id.
pub fn add_postmortem(
    ctx: &Context,
    actor: &Actor,
    form: PostmortemForm,
) -> Result<(Reply, String), UserError> {
    let date = session_date(ctx, form.date)?;
    let postmortem = Postmortem {
        id: postmortem_id(&ctx.meeting.id, date, &form.title),
        meeting: ctx.meeting.id.clone(),
        date,
        title: form.title.trim().to_string(),
        impact: form.impact.trim().to_string(),
        actions_taken: form.actions_taken.trim().to_string(),
        root_cause: form.root_cause.trim().to_string(),
        prevention: form.prevention.trim().to_string(),
        responders: vec![super::directory::shown(ctx, actor)],
        links: Vec::new(),
        responder_ids: discord_id(actor).into_iter().collect(),
    };
    postmortem
        .validate()
        .map_err(|e| UserError(e.say(ctx.language)))?;
    ctx.log.put_postmortem(&postmortem).said(ctx.language)?;
    Ok((
        Reply::public(
            Knowledge::PostmortemRecorded {
                title: &postmortem.title,
                date,
                id: &postmortem.id,
            }
            .say(ctx.language),
        ),
        postmortem.id,
    ))
}

pub struct HistorySearch {
    pub query: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub kind: Option<RecordKind>,
    /// 1-based.
    pub page: usize,
}

/// Searches the log's history index (kept current by the store on every write).
pub fn history(ctx: &Context, search: HistorySearch) -> Answer {
    let page = search.page.max(1);
    let query = Query {
        text: Some(search.query.clone()),
        meeting: Some(ctx.meeting.id.clone()),
        since: search.since,
        until: search.until,
        kind: search.kind,
        tag: None,
        team: None,
        limit: page * HISTORY_PAGE + 1,
    };
    let hits = ctx.log.search(&query).said(ctx.language)?;
    let shown: Vec<&Record> = hits
        .iter()
        .skip((page - 1) * HISTORY_PAGE)
        .take(HISTORY_PAGE)
        .collect();
    if shown.is_empty() && !hits.is_empty() {
        // Every hit was fetched (fewer than the limit): the last page is known.
        let last = hits.len().div_ceil(HISTORY_PAGE);
        return Ok(Reply::public(
            Knowledge::PastLastPage {
                query: &search.query,
                page,
                last,
            }
            .say(ctx.language),
        ));
    }
    if shown.is_empty() {
        return Ok(Reply::public(
            Knowledge::NothingFound {
                query: &search.query,
            }
            .say(ctx.language),
        ));
    }
    let mut text = Knowledge::Results {
        query: &search.query,
        page,
    }
    .say(ctx.language);
    for record in shown {
        let day = crate::messages::dates::day_seen(record.date(), ctx.today(), ctx.language);
        let summary = summary(ctx, record, &search.query);
        text += &match record {
            // A session's line starts with its title and number: no label needed.
            Record::Session(_) => format!("\n- {day} {summary}"),
            _ => format!(
                "\n- {day} {}: {summary}",
                Label::Record {
                    kind: record.kind()
                }
                .say(ctx.language)
            ),
        };
    }
    if hits.len() > page * HISTORY_PAGE {
        text += &Knowledge::MoreResults { page: page + 1 }.say(ctx.language);
    }
    Ok(Reply::public(text))
}

/// One line for a hit: a session by its title and number, then the line of its
/// notes that matched (as plain text: the notes are Markdown).
fn summary(ctx: &Context, record: &Record, query: &str) -> String {
    let text = match record {
        Record::Session(s) => {
            // A session recorded live carries no number: the schedule knows it.
            let number = s.number.or_else(|| {
                ctx.occurrences(s.date, 1)
                    .ok()?
                    .into_iter()
                    .find(|o| o.date == s.date)?
                    .number()
            });
            let title = match number {
                Some(number) => crate::messages::invite::Invite::SessionTitle {
                    title: &ctx.meeting.title,
                    number,
                }
                .say(ctx.language),
                None => ctx.meeting.title.clone(),
            };
            let notes = crate::messages::markdown::plain(s.notes.as_deref().unwrap_or_default());
            let wanted = query.to_lowercase();
            let line = notes
                .lines()
                .find(|l| l.to_lowercase().contains(&wanted))
                .or_else(|| notes.lines().find(|l| !l.trim().is_empty()));
            match line {
                Some(line) => format!("{title}: {}", line.trim().trim_start_matches("- ")),
                None => title,
            }
        }
        Record::Agenda { item, .. } => item.title.clone(),
        Record::Postmortem(p) => format!("{}: {}", p.title, p.impact),
        Record::Learning(l) => l.text.clone(),
        Record::Incident(i) => i.title.clone(),
        Record::Action(a) => super::actions::line(ctx, a),
    };
    let first = text.lines().next().unwrap_or("");
    if first.chars().count() > 120 {
        format!("{}…", first.chars().take(120).collect::<String>())
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixture::{fixture, person};
    use crate::store::KnowledgeLog as _;

    #[test]
    fn a_postmortem_records_its_author_as_responder_and_history_finds_it() {
        let f = fixture("2026-12-03T00:00:00Z");
        let ctx = f.ctx();
        let form = PostmortemForm {
            title: "証明書の期限切れ".into(),
            impact: "APIが30分停止".into(),
            actions_taken: "証明書を手動で更新".into(),
            root_cause: String::new(),
            prevention: "期限の監視を追加".into(),
            date: None,
        };
        let (reply, _) = add_postmortem(&ctx, &person("7"), form).unwrap();
        assert!(
            reply.text.contains("Dec 2 (Wed)"),
            "latest held session: {}",
            reply.text
        );
        add_learning(
            &ctx,
            &person("8"),
            "Alert on certificate expiry 30 days ahead",
            &["tls".into()],
            None,
        )
        .unwrap();
        // Who wrote them, by Discord id, beside the names shown.
        let postmortem = &f.log.postmortems().unwrap()[0];
        assert_eq!(
            (
                postmortem.responders.as_slice(),
                postmortem.responder_ids.as_slice()
            ),
            (&["user7".to_string()][..], &["7".to_string()][..])
        );
        let learning = &f.log.learnings().unwrap()[0];
        assert_eq!(
            (learning.author.as_deref(), learning.author_id.as_deref()),
            (Some("user8"), Some("8"))
        );
        let found = history(
            &ctx,
            HistorySearch {
                query: "期限".into(),
                since: None,
                until: None,
                kind: None,
                page: 1,
            },
        )
        .unwrap();
        assert!(
            found
                .text
                .contains("postmortem: 証明書の期限切れ: APIが30分停止"),
            "{}",
            found.text
        );
        let none = history(
            &ctx,
            HistorySearch {
                query: "nothing-like-this".into(),
                since: None,
                until: None,
                kind: None,
                page: 1,
            },
        )
        .unwrap();
        assert!(none.text.contains("nothing found"));
    }
}
