//! What `/stats` has drawn, kept per meeting and language while the store's
//! revision and the day stay the same: the figures come from the whole log,
//! which takes seconds at 110,000 records, so pages answer from this.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::app::Context;
use crate::app::stats::StatsText;

/// The text and the chart of one meeting in one language, and what they were drawn from.
pub(super) struct Drawn {
    pub(super) revision: [u8; 16],
    pub(super) today: NaiveDate,
    pub(super) text: StatsText,
    pub(super) svg: String,
}

/// What `/stats` has drawn, for the endpoint's lifetime.
#[derive(Default)]
pub(crate) struct StatsCache {
    drawn: Mutex<HashMap<(String, &'static str), Arc<Drawn>>>,
    /// One drawing at a time: a burst of requests after a change reads the log once.
    drawing: Mutex<()>,
}

impl StatsCache {
    fn current(
        &self,
        key: &(String, &'static str),
        revision: [u8; 16],
        today: NaiveDate,
    ) -> Option<Arc<Drawn>> {
        let drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        drawn
            .get(key)
            .filter(|d| d.revision == revision && d.today == today)
            .cloned()
    }

    /// The meeting's text and chart, drawn again only when the log or the day changed.
    pub(super) fn get(&self, ctx: &Context, min_minutes: u32) -> anyhow::Result<Arc<Drawn>> {
        let draw = || -> anyhow::Result<(StatsText, String)> {
            Ok(crate::app::stats::summary_with_svg(ctx, min_minutes)?)
        };
        let today = ctx.today();
        let Some(revision) = ctx.log.revision()? else {
            // A store that cannot say when it changed: nothing can be kept.
            let (text, svg) = draw()?;
            return Ok(Arc::new(Drawn {
                revision: [0; 16],
                today,
                text,
                svg,
            }));
        };
        let key = (ctx.meeting.id.clone(), ctx.language.code());
        if let Some(drawn) = self.current(&key, revision, today) {
            return Ok(drawn);
        }
        let _drawing = self.drawing.lock().unwrap_or_else(|e| e.into_inner());
        // Another request may have drawn it while this one waited.
        let revision = ctx.log.revision()?.unwrap_or(revision);
        if let Some(drawn) = self.current(&key, revision, today) {
            return Ok(drawn);
        }
        let (text, svg) = draw()?;
        let drawn = Arc::new(Drawn {
            revision,
            today,
            text,
            svg,
        });
        self.drawn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, drawn.clone());
        Ok(drawn)
    }
}
