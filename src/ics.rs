//! An RFC 5545 iCalendar feed of the coming sessions, for calendar apps that
//! subscribe to a URL: each week as an event in its meeting's own time zone
//! (`TZID` plus a `VTIMEZONE` built from chrono-tz), skipped weeks as
//! cancelled events so subscribed calendars drop them, and a revision per
//! event (`SEQUENCE`, `LAST-MODIFIED`) that moves when what it says changes.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// One VEVENT, as subscribers see it.
pub(crate) struct FeedEvent {
    pub uid: String,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub summary: String,
    pub description: String,
    /// A skipped week: kept in the feed as `STATUS:CANCELLED`, so a calendar
    /// that showed it before (the holiday list or the skip dates changed)
    /// drops it instead of keeping a stale meeting.
    pub cancelled: bool,
}

impl FeedEvent {
    /// A stable hash of everything the VEVENT says except its stamps: equal
    /// fingerprints mean subscribers saw no change. FNV-1a, not std's
    /// `DefaultHasher`, whose output may change between Rust releases and
    /// would then bump every event's SEQUENCE after an upgrade.
    pub(crate) fn fingerprint(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let fields = [
            self.uid.as_str(),
            self.start.timezone().name(),
            &local(self.start),
            &local(self.end),
            &self.summary,
            &self.description,
            if self.cancelled { "cancelled" } else { "held" },
        ];
        for field in fields {
            // A separator no text contains keeps ("ab", "c") apart from ("a", "bc").
            for byte in field.bytes().chain([0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        hash
    }
}

/// An event's `SEQUENCE` and `LAST-MODIFIED`, kept between requests.
///
/// Why stored and not derived: a content hash says *whether* an event changed
/// but cannot order versions, and the clock at request time would move on
/// every fetch. RFC 5545 wants SEQUENCE to grow with each change of one UID,
/// so the last sequence, the fingerprint it belongs to and when it changed are
/// kept as one small marker per event: a fetch reads them, and writes only
/// when the fingerprint differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Revision {
    pub sequence: u32,
    pub fingerprint: u64,
    pub modified: DateTime<Utc>,
}

impl Revision {
    /// The revision for an event whose content hashes to `fingerprint` now:
    /// the same one while nothing changed, the next sequence when it did.
    pub(crate) fn next(
        previous: Option<Revision>,
        fingerprint: u64,
        now: DateTime<Utc>,
    ) -> Revision {
        let now = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        match previous {
            Some(p) if p.fingerprint == fingerprint => p,
            Some(p) => Revision {
                sequence: p.sequence.saturating_add(1),
                fingerprint,
                // A clock set back never makes LAST-MODIFIED go backwards.
                modified: now.max(p.modified),
            },
            None => Revision {
                sequence: 0,
                fingerprint,
                modified: now,
            },
        }
    }

    /// The marker's text: `sequence fingerprint modified`.
    pub(crate) fn to_marker(self) -> String {
        format!(
            "{} {:016x} {}",
            self.sequence,
            self.fingerprint,
            self.modified.to_rfc3339()
        )
    }

    /// A marker written by [`Revision::to_marker`]; anything else counts as
    /// no revision (the event starts again at its next change).
    pub(crate) fn from_marker(text: &str) -> Option<Revision> {
        let mut parts = text.split(' ');
        let sequence = parts.next()?.parse().ok()?;
        let fingerprint = u64::from_str_radix(parts.next()?, 16).ok()?;
        let modified = DateTime::parse_from_rfc3339(parts.next()?).ok()?.to_utc();
        parts.next().is_none().then_some(Revision {
            sequence,
            fingerprint,
            modified,
        })
    }
}

/// The whole feed. `name` is the calendar's display name (`NAME`,
/// `X-WR-CALNAME`); `now` stamps every event (`DTSTAMP`).
pub(crate) fn render(name: &str, events: &[(FeedEvent, Revision)], now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//weekly-postmortem//weekly-postmortem//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("NAME:{}", escape(name)),
        format!("X-WR-CALNAME:{}", escape(name)),
        // How often subscribers should fetch again (RFC 7986, and the older
        // Outlook name): an hour keeps a cancelled week from lingering a day.
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H".to_string(),
        "X-PUBLISHED-TTL:PT1H".to_string(),
    ];
    if let Some((first, _)) = events.first() {
        lines.push(format!("X-WR-TIMEZONE:{}", first.start.timezone().name()));
    }
    for (tz, from, until) in zones(events) {
        lines.extend(vtimezone(tz, from, until));
    }
    let stamp = timestamp(now);
    for (event, revision) in events {
        let zone = event.start.timezone().name();
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}", escape(&event.uid)),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;TZID={zone}:{}", local(event.start)),
            format!(
                "DTEND;TZID={}:{}",
                event.end.timezone().name(),
                local(event.end)
            ),
            format!("SEQUENCE:{}", revision.sequence),
            format!("LAST-MODIFIED:{}", timestamp(revision.modified)),
            format!("SUMMARY:{}", escape(&event.summary)),
            format!("DESCRIPTION:{}", escape(&event.description)),
        ]);
        lines.extend(
            if event.cancelled {
                ["TRANSP:TRANSPARENT", "STATUS:CANCELLED"]
            } else {
                ["TRANSP:OPAQUE", "STATUS:CONFIRMED"]
            }
            .map(String::from),
        );
        lines.push("END:VEVENT".to_string());
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

/// Each zone the events use, with the span its VTIMEZONE must cover (a day
/// either side of its events), in order of first use.
fn zones(events: &[(FeedEvent, Revision)]) -> Vec<(Tz, DateTime<Utc>, DateTime<Utc>)> {
    let mut zones: Vec<(Tz, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (event, _) in events {
        for t in [event.start, event.end] {
            let (from, until) = (
                t.to_utc() - Duration::days(1),
                t.to_utc() + Duration::days(1),
            );
            match zones.iter_mut().find(|(tz, _, _)| *tz == t.timezone()) {
                Some(zone) => {
                    zone.1 = zone.1.min(from);
                    zone.2 = zone.2.max(until);
                }
                None => zones.push((t.timezone(), from, until)),
            }
        }
    }
    zones
}

/// What a zone observes at one instant: offset from UTC in seconds, whether
/// it is daylight time, and its abbreviation when the zone has one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    offset: i32,
    daylight: bool,
    name: Option<String>,
}

fn observance(tz: Tz, t: DateTime<Utc>) -> Observance {
    let offset = tz.offset_from_utc_datetime(&t.naive_utc());
    Observance {
        offset: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().map(str::to_string),
    }
}

/// The VTIMEZONE for `tz` over `from..until`: the observance in force at
/// `from`, then one per transition inside the span, each found from chrono-tz
/// (never from fixed offsets), so a zone with daylight saving is right on both
/// sides of its change and a zone without (Asia/Tokyo) has one STANDARD.
fn vtimezone(tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let first = observance(tz, from);
    lines.extend(observance_lines(&first, first.offset, from));
    let mut current = first;
    let step = Duration::hours(1);
    let mut t = from;
    while t < until {
        let next = (t + step).min(until);
        let seen = observance(tz, next);
        if seen != current {
            // The change lies in (t, next]: narrow it to the second.
            let (mut before, mut after) = (t, next);
            while after - before > Duration::seconds(1) {
                let middle = before + (after - before) / 2;
                if observance(tz, middle) == current {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            let changed = observance(tz, after);
            lines.extend(observance_lines(&changed, current.offset, after));
            current = changed;
        }
        t = next;
    }
    lines.push("END:VTIMEZONE".to_string());
    lines
}

/// One STANDARD or DAYLIGHT block starting at `at`, whose DTSTART is local
/// time in the offset in force just before (RFC 5545 3.6.5).
fn observance_lines(observed: &Observance, offset_before: i32, at: DateTime<Utc>) -> Vec<String> {
    let kind = if observed.daylight {
        "DAYLIGHT"
    } else {
        "STANDARD"
    };
    let local_start = at.naive_utc() + Duration::seconds(i64::from(offset_before));
    let mut lines = vec![
        format!("BEGIN:{kind}"),
        format!("DTSTART:{}", naive(local_start)),
        format!("TZOFFSETFROM:{}", utc_offset(offset_before)),
        format!("TZOFFSETTO:{}", utc_offset(observed.offset)),
    ];
    if let Some(name) = &observed.name {
        lines.push(format!("TZNAME:{}", escape(name)));
    }
    lines.push(format!("END:{kind}"));
    lines
}

/// `+0900`, `-0330`, or with seconds when a historical offset has them.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// Local time in the event's zone, the form `DTSTART;TZID=…:` takes.
fn local(t: DateTime<Tz>) -> String {
    naive(t.naive_local())
}

fn naive(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
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
    use chrono_tz::Asia::Tokyo;
    use chrono_tz::Europe::Berlin;

    use super::*;

    fn at(tz: Tz, local: &str) -> DateTime<Tz> {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        tz.from_local_datetime(&naive).single().unwrap()
    }

    fn first_revision(event: &FeedEvent) -> Revision {
        Revision::next(
            None,
            event.fingerprint(),
            "2026-11-01T00:00:00Z".parse().unwrap(),
        )
    }

    fn held(tz: Tz, start: &str) -> FeedEvent {
        let start = at(tz, start);
        FeedEvent {
            uid: format!("weekly-{}@weekly-postmortem", start.date_naive()),
            start,
            end: start + Duration::hours(1),
            summary: "週刊ポストモーテム #393".into(),
            description: "参加は任意です。".into(),
            cancelled: false,
        }
    }

    #[test]
    fn long_japanese_lines_fold_at_75_octets_without_splitting_characters() {
        let description = "まだ議題がありません。".repeat(10);
        let event = FeedEvent {
            uid: "weekly-2026-12-02@weekly-postmortem".into(),
            start: at(Tokyo, "2026-12-02 17:00"),
            end: at(Tokyo, "2026-12-02 18:00"),
            summary: "週刊ポストモーテム #393".into(),
            description: format!("{description}\nAgenda; a, b"),
            cancelled: false,
        };
        let revision = first_revision(&event);
        let feed = render(
            "週刊ポストモーテム",
            &[(event, revision)],
            "2026-11-29T00:00:00Z".parse().unwrap(),
        );
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        for line in feed.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = feed.replace("\r\n ", "");
        assert!(unfolded.contains("DTSTART;TZID=Asia/Tokyo:20261202T170000\r\n"));
        assert!(unfolded.contains("\\nAgenda\\; a\\, b\r\n"));
        assert!(unfolded.contains(&format!("DESCRIPTION:{description}")));
    }

    #[test]
    fn control_characters_from_old_records_never_reach_the_feed() {
        let event = FeedEvent {
            uid: "weekly-2026-12-02\u{0}@weekly-postmortem".into(),
            start: at(Tokyo, "2026-12-02 17:00"),
            end: at(Tokyo, "2026-12-02 18:00"),
            summary: "ベル\u{7}の回\u{1b}[31m #393".into(),
            description: "line 1\r\nline\t2\u{7f}\u{85}\u{8}".into(),
            cancelled: false,
        };
        let revision = first_revision(&event);
        let feed = render(
            "週刊\u{7}",
            &[(event, revision)],
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

    /// The VTIMEZONE's blocks as (kind, DTSTART, TZOFFSETFROM, TZOFFSETTO, TZNAME).
    fn blocks(feed: &str, zone: &str) -> Vec<[String; 5]> {
        let start = feed
            .find(&format!("BEGIN:VTIMEZONE\r\nTZID:{zone}\r\n"))
            .unwrap();
        let end = start + feed[start..].find("END:VTIMEZONE").unwrap();
        let mut out = Vec::new();
        let mut block: Vec<String> = Vec::new();
        for line in feed[start..end].split("\r\n") {
            match line.split_once(':') {
                Some(("BEGIN", kind)) if kind != "VTIMEZONE" => block = vec![kind.to_string()],
                Some(("END", _)) => out.push(block.clone().try_into().unwrap()),
                Some((key, value))
                    if key.starts_with("TZOFFSET") || key == "DTSTART" || key == "TZNAME" =>
                {
                    block.push(value.to_string())
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn a_zone_without_daylight_saving_has_one_standard_observance() {
        let event = held(Tokyo, "2026-12-02 17:00");
        let revision = first_revision(&event);
        let feed = render(
            "週刊",
            &[(event, revision)],
            "2026-11-29T00:00:00Z".parse().unwrap(),
        );
        assert_eq!(
            blocks(&feed, "Asia/Tokyo"),
            [["STANDARD", "20261201T170000", "+0900", "+0900", "JST"].map(String::from)]
        );
        assert!(
            feed.contains("DTEND;TZID=Asia/Tokyo:20261202T180000\r\n"),
            "{feed}"
        );
    }

    #[test]
    fn a_berlin_meeting_gets_both_transitions_of_its_horizon_from_chrono_tz() {
        let events: Vec<_> = ["2026-03-18 10:00", "2026-11-04 10:00"]
            .into_iter()
            .map(|start| {
                let event = held(Berlin, start);
                let revision = first_revision(&event);
                (event, revision)
            })
            .collect();
        let feed = render(
            "Postmortem",
            &events,
            "2026-03-01T00:00:00Z".parse().unwrap(),
        );
        // Summer time starts 2026-03-29 02:00 CET and ends 2026-10-25 03:00 CEST.
        assert_eq!(
            blocks(&feed, "Europe/Berlin"),
            [
                ["STANDARD", "20260317T100000", "+0100", "+0100", "CET"],
                ["DAYLIGHT", "20260329T020000", "+0100", "+0200", "CEST"],
                ["STANDARD", "20261025T030000", "+0200", "+0100", "CET"],
            ]
            .map(|b| b.map(String::from))
        );
        assert!(feed.contains("DTSTART;TZID=Europe/Berlin:20261104T100000\r\n"));
    }

    #[test]
    fn the_sequence_rises_only_when_what_subscribers_see_changes() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut event = held(Tokyo, "2026-12-02 17:00");
        let first = Revision::next(None, event.fingerprint(), t("2026-11-01T00:00:00.5Z"));
        assert_eq!(
            (first.sequence, first.modified),
            (0, t("2026-11-01T00:00:00Z"))
        );
        let same = Revision::next(Some(first), event.fingerprint(), t("2026-11-20T00:00:00Z"));
        assert_eq!(same, first, "a fetch without a change keeps the revision");

        event.description += "\n- 夜間バッチの遅延";
        let second = Revision::next(Some(first), event.fingerprint(), t("2026-11-21T00:00:00Z"));
        assert_eq!(
            (second.sequence, second.modified),
            (1, t("2026-11-21T00:00:00Z"))
        );
        event.cancelled = true;
        // A clock set back still never makes LAST-MODIFIED go backwards.
        let third = Revision::next(Some(second), event.fingerprint(), t("2026-11-02T00:00:00Z"));
        assert_eq!((third.sequence, third.modified), (2, second.modified));

        assert_eq!(Revision::from_marker(&third.to_marker()), Some(third));
        for broken in [
            "",
            "1",
            "x 00 2026-11-02T00:00:00Z",
            "1 zz 2026",
            "1 00 2026-11-02T00:00:00Z extra",
        ] {
            assert_eq!(Revision::from_marker(broken), None, "{broken:?}");
        }
    }
}
