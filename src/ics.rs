//! An RFC 5545 iCalendar feed of the coming held sessions, for calendar apps
//! that subscribe to a URL. Skipped weeks are simply absent.

use chrono::{DateTime, Utc};

/// One VEVENT.
pub struct FeedEvent {
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
}

pub fn render(calendar_name: &str, events: &[FeedEvent], now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//weekly-postmortem//weekly-postmortem//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape(calendar_name)),
    ];
    let stamp = timestamp(now);
    for event in events {
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", escape(&event.uid)),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART:{}", timestamp(event.start)),
            format!("DTEND:{}", timestamp(event.end)),
            format!("SUMMARY:{}", escape(&event.summary)),
            format!("DESCRIPTION:{}", escape(&event.description)),
            "TRANSP:OPAQUE".to_string(),
            "STATUS:CONFIRMED".to_string(),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 3.3.11).
/// RFC 5545 allows no control character in TEXT but the tab; imports refuse
/// them, yet records stored before that rule may hold one, so they are dropped
/// here too: a BEL or a NUL never reaches a subscriber's calendar app.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets continue on the next line after a space,
/// never splitting a UTF-8 character (RFC 5545 3.1).
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_japanese_lines_fold_at_75_octets_without_splitting_characters() {
        let description = "まだ議題がありません。".repeat(10);
        let event = FeedEvent {
            uid: "weekly-2026-12-02@weekly-postmortem".into(),
            start: "2026-12-02T08:00:00Z".parse().unwrap(),
            end: "2026-12-02T09:00:00Z".parse().unwrap(),
            summary: "週刊ポストモーテム #393".into(),
            description: format!("{description}\nAgenda; a, b"),
        };
        let feed = render(
            "週刊ポストモーテム",
            &[event],
            "2026-11-29T00:00:00Z".parse().unwrap(),
        );
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        for line in feed.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = feed.replace("\r\n ", "");
        assert!(unfolded.contains("DTSTART:20261202T080000Z\r\n"));
        assert!(unfolded.contains("\\nAgenda\\; a\\, b\r\n"));
        assert!(unfolded.contains(&format!("DESCRIPTION:{description}")));
    }

    #[test]
    fn control_characters_from_old_records_never_reach_the_feed() {
        let event = FeedEvent {
            uid: "weekly-2026-12-02\u{0}@weekly-postmortem".into(),
            start: "2026-12-02T08:00:00Z".parse().unwrap(),
            end: "2026-12-02T09:00:00Z".parse().unwrap(),
            summary: "ベル\u{7}の回\u{1b}[31m #393".into(),
            description: "line 1\r\nline\t2\u{7f}\u{85}\u{8}".into(),
        };
        let feed = render(
            "週刊\u{7}",
            &[event],
            "2026-11-29T00:00:00Z".parse().unwrap(),
        );
        let unfolded = feed.replace("\r\n ", "");
        for line in unfolded.split("\r\n") {
            assert!(
                !line.chars().any(|c| c.is_control() && c != '\t'),
                "{line:?}"
            );
        }
        assert!(unfolded.contains("X-WR-CALNAME:週刊\r\n"));
        assert!(unfolded.contains("UID:weekly-2026-12-02@weekly-postmortem\r\n"));
        assert!(unfolded.contains("SUMMARY:ベルの回[31m #393\r\n"));
        assert!(unfolded.contains("DESCRIPTION:line 1\\nline\t2\r\n"));
    }
}
