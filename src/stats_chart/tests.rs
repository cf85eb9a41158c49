//! Unit tests of `stats_chart`, beside it so the module itself stays short.

use super::*;
use crate::domain::stats::{KindCounts, SkipCounts};

fn empty_stats() -> Stats {
    Stats {
        meeting: "weekly".into(),
        until: "2026-11-29".parse().unwrap(),
        years: Vec::new(),
        sessions: Vec::new(),
        agenda: KindCounts::default(),
        top_tags: Vec::new(),
        postmortems: 0,
        learnings: 0,
        sessions_left_out: 0,
        incidents: Default::default(),
        actions: Default::default(),
    }
}

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn an_empty_log_still_gives_a_chart_of_the_right_size() {
    let bytes = render_png(&empty_stats(), "週刊ポストモーテム", Language::Ja).unwrap();
    let (w, h, pixels) = decode(&bytes);
    assert_eq!((w, h), (WIDTH, HEIGHT));
    let inked = pixels.chunks(3).filter(|p| p != &[255, 255, 255]).count();
    assert!(inked > 1000, "the titles and notes are drawn: {inked}");
}

#[test]
fn the_svg_is_the_same_drawing_with_its_texts_left_as_escaped_text() {
    let svg = render_svg(&empty_stats(), "週刊 <b>&</b>", Language::Ja).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.contains(&format!("width=\"{WIDTH}\"")));
    assert!(
        svg.contains("週刊 &lt;b&gt;&amp;&lt;/b&gt;"),
        "title as text"
    );
    assert!(!svg.contains("<b>"));
    let note = Say::NoSessions.say(Language::Ja);
    assert!(svg.contains(&note), "the same panels as the PNG");
    let pixels = svg.matches("width=\"1\" height=\"1\"").count();
    assert_eq!(pixels, 0, "no text rasterized into pixels");
}

fn point(date: &str, going: u32, present: Option<u32>, rsvp_recorded: bool) -> SessionPoint {
    SessionPoint {
        date: date.parse().unwrap(),
        number: 1,
        going,
        maybe: 0,
        not_going: 0,
        present,
        rsvp_recorded,
    }
}

#[test]
fn a_session_without_answers_breaks_the_line_instead_of_dropping_to_zero() {
    let sessions = [
        point("2026-10-07", 5, Some(6), true),
        point("2026-10-14", 4, None, true),
        point("2026-10-21", 0, Some(3), false),
        point("2026-10-28", 6, Some(7), true),
        // Over five weeks later: a gap in the log as well.
        point("2026-12-09", 3, Some(3), true),
    ];
    let going = segments(&sessions, |s| s.rsvp_recorded.then_some(s.going));
    let values: Vec<Vec<u32>> = going
        .iter()
        .map(|run| run.iter().map(|p| p.1).collect())
        .collect();
    assert_eq!(values, [vec![5, 4], vec![6], vec![3]]);
    let present = segments(&sessions, |s| s.present);
    let values: Vec<Vec<u32>> = present
        .iter()
        .map(|run| run.iter().map(|p| p.1).collect())
        .collect();
    assert_eq!(values, [vec![6], vec![3, 7], vec![3]]);
}

#[test]
fn one_session_and_one_year_render_in_english() {
    let mut stats = empty_stats();
    stats.sessions.push(SessionPoint {
        date: "2026-11-18".parse().unwrap(),
        number: 376,
        going: 5,
        maybe: 1,
        not_going: 0,
        present: Some(6),
        rsvp_recorded: true,
    });
    stats.years.push(YearStats {
        year: 2026,
        held: 46,
        skipped: 5,
        skipped_by: SkipCounts {
            holiday: 4,
            skip_date: 0,
            cancelled: 1,
        },
        agenda: KindCounts::default(),
    });
    stats.agenda.incident = 1;
    let bytes = render_png(&stats, "Weekly postmortem", Language::En).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let (w, h, _) = decode(&bytes);
    assert_eq!((w, h), (WIDTH, HEIGHT));
}
