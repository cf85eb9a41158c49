//! The live session's plan: timeboxes that split the meeting's duration after
//! a short opening and before a short closing, weighted by what each item is,
//! and which prompts help the facilitator through it. Pure: the texts are in
//! `messages::session`, the state and the posting in `app::session`.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::log::{AgendaItem, AgendaKind, FallbackFormat, Proposal};

/// How the meeting's time is split (`[meeting.session]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTiming {
    pub opening_minutes: u32,
    pub closing_minutes: u32,
    pub weights: KindWeights,
}

impl Default for SessionTiming {
    fn default() -> Self {
        Self {
            opening_minutes: 5,
            closing_minutes: 10,
            weights: KindWeights::default(),
        }
    }
}

/// Relative share of the time per agenda kind (`[meeting.session.weights]`):
/// an incident gets more than a short topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindWeights {
    pub incident: u32,
    pub dashboard: u32,
    pub topic: u32,
    pub other: u32,
}

impl Default for KindWeights {
    fn default() -> Self {
        Self {
            incident: 3,
            dashboard: 2,
            topic: 2,
            other: 1,
        }
    }
}

impl KindWeights {
    pub fn of(&self, kind: AgendaKind) -> u32 {
        match kind {
            AgendaKind::Incident => self.incident,
            AgendaKind::Dashboard => self.dashboard,
            AgendaKind::Topic => self.topic,
            AgendaKind::Other => self.other,
        }
    }
}

/// Which questions help with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptSet {
    /// Detection, the first decision and its basis, recovery, the next response.
    Incident,
    /// What a panel shows, what normal looks like, what surprised us.
    DashboardWalk,
    /// What we would do differently today.
    ReadingClub,
    /// A near miss, a question: the open talk's own.
    OpenTalk,
    /// A topic or anything else: what happened, what we take away.
    Topic,
}

impl PromptSet {
    pub fn for_kind(kind: AgendaKind) -> Self {
        match kind {
            AgendaKind::Incident => PromptSet::Incident,
            AgendaKind::Dashboard => PromptSet::DashboardWalk,
            AgendaKind::Topic | AgendaKind::Other => PromptSet::Topic,
        }
    }

    pub fn for_fallback(format: FallbackFormat) -> Self {
        match format {
            FallbackFormat::ReadingClub => PromptSet::ReadingClub,
            FallbackFormat::DashboardWalk => PromptSet::DashboardWalk,
            FallbackFormat::OpenTalk => PromptSet::OpenTalk,
        }
    }
}

/// One part of the session: what it is and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedItem {
    /// The agenda item's id; empty for the fallback proposal.
    pub id: String,
    pub title: String,
    pub presenter: Option<String>,
    pub prompts: PromptSet,
    /// Minutes after the session's start.
    pub offset_minutes: u32,
    pub minutes: u32,
}

/// The whole session: opening, items, closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOfShow {
    pub opening_minutes: u32,
    pub items: Vec<PlannedItem>,
    /// Minutes after the start when the closing begins.
    pub closing_offset_minutes: u32,
    pub closing_minutes: u32,
}

impl RunOfShow {
    /// When item `index` (counting extensions before it) runs out.
    pub fn item_end<Tz: TimeZone>(
        &self,
        start: &DateTime<Tz>,
        index: usize,
        extensions: &[u32],
    ) -> Option<DateTime<Tz>> {
        let item = self.items.get(index)?;
        let extra: u32 = extensions.iter().take(index + 1).sum();
        Some(
            start.clone()
                + TimeDelta::minutes(i64::from(item.offset_minutes + item.minutes + extra)),
        )
    }
}

/// Said in the thread before the scheduled end.
pub const ENDING_SOON: TimeDelta = TimeDelta::minutes(5);
/// A session nobody ended is ended this long after its scheduled end.
pub const AUTO_END_AFTER: TimeDelta = TimeDelta::minutes(15);

/// A time signal in the session's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The timebox of item `index` (0-based) ran out with `extended` minutes
    /// added: a further +5分 gives it a new end, and a new signal.
    ItemOver { index: usize, extended: u32 },
    /// [`ENDING_SOON`] before the scheduled end.
    EndingSoon,
}

/// Where a running session stands: `current` as in the live state (0 the
/// opening, 1..=items the items, then the closing), minutes added per item.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub current: usize,
    pub extensions: &'a [u32],
}

impl RunOfShow {
    /// The signals due at `now` for a session running from `start` to `end`:
    /// only the item on now can run out (a passed item needs no word), and
    /// nothing is said once the meeting is over (the summary follows).
    pub fn signals_due<Tz: TimeZone>(
        &self,
        start: &DateTime<Tz>,
        end: &DateTime<Tz>,
        progress: Progress<'_>,
        now: &DateTime<Utc>,
    ) -> Vec<Signal> {
        if now >= end {
            return Vec::new();
        }
        let mut due = Vec::new();
        if let Some((index, item_end)) = self.current_end(start, progress)
            && now >= &item_end
        {
            due.push(Signal::ItemOver {
                index,
                extended: progress.extensions.get(index).copied().unwrap_or(0),
            });
        }
        if *now >= end.clone() - ENDING_SOON {
            due.push(Signal::EndingSoon);
        }
        due
    }

    /// The next moment something is due after `now` (a timebox, the
    /// five-minute word, the automatic end), so a job sleeps until then.
    pub fn next_moment<Tz: TimeZone>(
        &self,
        start: &DateTime<Tz>,
        end: &DateTime<Tz>,
        progress: Progress<'_>,
        now: &DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let item_end = self.current_end(start, progress).map(|(_, t)| t);
        [
            item_end,
            Some(end.clone() - ENDING_SOON),
            Some(end.clone() + AUTO_END_AFTER),
        ]
        .into_iter()
        .flatten()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| t > now)
        .min()
    }

    /// The item on now (0-based) and when its timebox runs out.
    fn current_end<Tz: TimeZone>(
        &self,
        start: &DateTime<Tz>,
        progress: Progress<'_>,
    ) -> Option<(usize, DateTime<Tz>)> {
        let index = progress.current.checked_sub(1)?;
        Some((index, self.item_end(start, index, progress.extensions)?))
    }

    /// How many items were taken up by `current`: those passed with 「次へ」
    /// and the one on now (it was being talked about when the session ended).
    pub fn covered(&self, current: usize) -> usize {
        current.min(self.items.len())
    }
}

/// Whether a session still running at `now` ends by itself.
pub fn ends_automatically<Tz: TimeZone>(end: &DateTime<Tz>, now: &DateTime<Utc>) -> bool {
    *now >= end.clone() + AUTO_END_AFTER
}

/// Plans the session: the items open for it (not yet done), else the
/// fallback proposal as the one item, else nothing between opening and closing.
pub fn plan(
    duration_minutes: u32,
    timing: &SessionTiming,
    items: &[AgendaItem],
    proposal: Option<&Proposal>,
) -> RunOfShow {
    // Config checks opening + closing < duration; a meeting shortened below
    // that still gets a plan, with the middle squeezed to nothing.
    let opening = timing.opening_minutes.min(duration_minutes);
    let closing = timing
        .closing_minutes
        .min(duration_minutes.saturating_sub(opening));
    let middle = duration_minutes - opening - closing;
    let mut planned: Vec<PlannedItem> = items
        .iter()
        .map(|item| PlannedItem {
            id: item.id.clone(),
            title: item.title.clone(),
            presenter: item.presenter.clone(),
            prompts: PromptSet::for_kind(item.kind),
            offset_minutes: 0,
            minutes: 0,
        })
        .collect();
    let weights: Vec<u32> = items.iter().map(|i| timing.weights.of(i.kind)).collect();
    if planned.is_empty()
        && let Some(proposal) = proposal
    {
        planned.push(PlannedItem {
            id: String::new(),
            title: proposal.title.clone(),
            presenter: None,
            prompts: PromptSet::for_fallback(proposal.format),
            offset_minutes: 0,
            minutes: 0,
        });
    }
    let weights = if weights.is_empty() {
        vec![1; planned.len()]
    } else {
        weights
    };
    let mut offset = opening;
    for (item, minutes) in planned.iter_mut().zip(split(middle, &weights)) {
        item.offset_minutes = offset;
        item.minutes = minutes;
        offset += minutes;
    }
    RunOfShow {
        opening_minutes: opening,
        closing_offset_minutes: opening + middle,
        closing_minutes: closing,
        items: planned,
    }
}

/// Splits `total` whole minutes in proportion to `weights` (largest
/// remainder, earlier items first on ties), so the parts always add up.
/// All-zero weights share equally.
fn split(total: u32, weights: &[u32]) -> Vec<u32> {
    if weights.is_empty() {
        return Vec::new();
    }
    let weights: Vec<u64> = if weights.iter().all(|w| *w == 0) {
        vec![1; weights.len()]
    } else {
        weights.iter().map(|w| u64::from(*w)).collect()
    };
    let sum: u64 = weights.iter().sum();
    let total = u64::from(total);
    let mut parts: Vec<u64> = weights.iter().map(|w| total * w / sum).collect();
    let mut left = total - parts.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(total * weights[i] % sum));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, kind: AgendaKind) -> AgendaItem {
        AgendaItem {
            id: id.into(),
            title: format!("title {id}"),
            kind,
            presenter: Some("sato".into()),
            ..AgendaItem::default()
        }
    }

    #[test]
    fn the_middle_is_split_by_kind_after_the_opening_and_before_the_closing() {
        let items = [
            item("a", AgendaKind::Incident),
            item("b", AgendaKind::Topic),
        ];
        let plan = plan(60, &SessionTiming::default(), &items, None);
        assert_eq!(plan.opening_minutes, 5);
        let got: Vec<(u32, u32)> = plan
            .items
            .iter()
            .map(|i| (i.offset_minutes, i.minutes))
            .collect();
        // 45 minutes, weights 3:2.
        assert_eq!(got, [(5, 27), (32, 18)]);
        assert_eq!(plan.closing_offset_minutes, 50);
        assert_eq!(plan.closing_minutes, 10);
        assert_eq!(plan.items[0].prompts, PromptSet::Incident);
        assert_eq!(plan.items[1].prompts, PromptSet::Topic);
    }

    #[test]
    fn the_parts_always_add_up_to_the_middle() {
        for total in [0, 1, 7, 45, 100] {
            for weights in [vec![1, 1, 1], vec![3, 2, 2, 1], vec![0, 0], vec![5]] {
                let parts = split(total, &weights);
                assert_eq!(parts.iter().sum::<u32>(), total, "{total} {weights:?}");
                assert_eq!(parts.len(), weights.len());
            }
        }
        assert_eq!(split(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(split(10, &[0, 1]), [0, 10]);
    }

    #[test]
    fn without_topics_the_proposal_fills_the_middle_with_its_own_prompts() {
        let proposal = Proposal {
            format: FallbackFormat::ReadingClub,
            title: "read again".into(),
            detail: String::new(),
            link: None,
            postmortem_id: Some("pm".into()),
        };
        let timing = SessionTiming {
            opening_minutes: 3,
            closing_minutes: 7,
            weights: KindWeights::default(),
        };
        let plan = plan(30, &timing, &[], Some(&proposal));
        assert_eq!(plan.items.len(), 1);
        assert_eq!(plan.items[0].prompts, PromptSet::ReadingClub);
        assert_eq!(
            (plan.items[0].offset_minutes, plan.items[0].minutes),
            (3, 20)
        );
        assert!(plan.items[0].id.is_empty());
    }

    #[test]
    fn a_meeting_shorter_than_opening_and_closing_still_gets_a_plan() {
        let plan = plan(
            10,
            &SessionTiming::default(),
            &[item("a", AgendaKind::Other)],
            None,
        );
        assert_eq!(plan.opening_minutes, 5);
        assert_eq!(plan.closing_minutes, 5);
        assert_eq!(plan.items[0].minutes, 0);
    }

    #[test]
    fn an_extension_moves_the_end_of_its_item_and_of_those_after_it() {
        let items = [item("a", AgendaKind::Topic), item("b", AgendaKind::Topic)];
        let plan = plan(60, &SessionTiming::default(), &items, None);
        let start = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let end = |i, ext: &[u32]| plan.item_end(&start, i, ext).unwrap();
        assert_eq!(end(0, &[]).format("%H:%M").to_string(), "08:28");
        assert_eq!(end(0, &[5]).format("%H:%M").to_string(), "08:33");
        assert_eq!(end(1, &[5, 0]).format("%H:%M").to_string(), "08:55");
        assert!(plan.item_end(&start, 2, &[]).is_none());
    }
    #[test]
    fn the_item_on_now_signals_when_its_timebox_runs_out_and_again_after_an_extension() {
        let items = [item("a", AgendaKind::Topic), item("b", AgendaKind::Topic)];
        let plan = plan(60, &SessionTiming::default(), &items, None);
        let start = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let end = start + TimeDelta::minutes(60);
        let at = |h: u32, m: u32| chrono::Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap();
        let on = |current, extensions: &'static [u32]| Progress {
            current,
            extensions,
        };
        // The opening has no timebox of its own to signal.
        assert!(
            plan.signals_due(&start, &end, on(0, &[]), &at(8, 30))
                .is_empty()
        );
        assert!(
            plan.signals_due(&start, &end, on(1, &[0, 0]), &at(8, 27))
                .is_empty()
        );
        assert_eq!(
            plan.signals_due(&start, &end, on(1, &[0, 0]), &at(8, 28)),
            [Signal::ItemOver {
                index: 0,
                extended: 0
            }]
        );
        assert!(
            plan.signals_due(&start, &end, on(1, &[5, 0]), &at(8, 30))
                .is_empty()
        );
        assert_eq!(
            plan.next_moment(&start, &end, on(1, &[5, 0]), &at(8, 30)),
            Some(at(8, 33))
        );
        // Past item 1 it needs no word; item 2 runs out at 08:55 with its five.
        assert_eq!(
            plan.signals_due(&start, &end, on(2, &[0, 5]), &at(8, 56)),
            [
                Signal::ItemOver {
                    index: 1,
                    extended: 5
                },
                Signal::EndingSoon
            ]
        );
        // In the closing only the five-minute word; after the end nothing.
        assert_eq!(
            plan.signals_due(&start, &end, on(3, &[0, 0]), &at(8, 55)),
            [Signal::EndingSoon]
        );
        assert!(
            plan.signals_due(&start, &end, on(3, &[0, 0]), &at(9, 0))
                .is_empty()
        );
        assert_eq!(
            plan.next_moment(&start, &end, on(3, &[0, 0]), &at(9, 0)),
            Some(at(9, 15))
        );
        assert!(!ends_automatically(&end, &at(9, 14)));
        assert!(ends_automatically(&end, &at(9, 15)));
        assert_eq!(plan.covered(0), 0);
        assert_eq!(plan.covered(2), 2);
        assert_eq!(plan.covered(3), 2);
    }
}
