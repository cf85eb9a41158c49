//! The `stats` chart: answers and head counts per session over time,
//! agenda items by kind, and held versus skipped weeks per year.
//!
//! One drawing ([`draw_chart`]) on two plotters backends: the bitmap one,
//! encoded with the `png` crate for a file or a Discord attachment, and the
//! SVG one for the web page `/stats`. Text is laid out with the bundled
//! IPAexGothic (assets/fonts, IPA Font License) through ab_glyph on both; the
//! PNG rasterizes it from that font (no system font or fontconfig is needed,
//! and Japanese never renders as empty boxes), the SVG leaves it as `<text>`
//! for the browser's own fonts, so it stays selectable and small.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use chrono::{Datelike, NaiveDate};
use plotters::backend::{BitMapBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
// Only the backend-side types: importing plotters_backend::BackendStyle would
// clash with plotters' Color::stroke_width on colours.
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

use crate::domain::language::Language;
use crate::domain::log::AgendaKind;
use crate::domain::stats::{SessionPoint, Stats, YearStats};
use crate::messages::Message;
use crate::messages::labels::Label;
use crate::messages::stats::Stats as Say;

pub(crate) const WIDTH: u32 = 1200;
pub(crate) const HEIGHT: u32 = 900;

/// IPAexGothic 004.01 from Debian's fonts-ipaexfont-gothic (see
/// assets/fonts/README.md): one font for Latin, kana and kanji, so titles,
/// meeting names and tags in either language render from the same file.
static FONT: &[u8] = include_bytes!("../assets/fonts/ipaexg.ttf");
/// Only a name for plotters' text styles: [`GlyphBackend`] draws every text
/// with the bundled font whatever family a style asks for.
const FAMILY: &str = "sans-serif";

const GOING: RGBColor = RGBColor(46, 125, 50);
const MAYBE: RGBColor = RGBColor(239, 160, 0);
const NOT_GOING: RGBColor = RGBColor(198, 40, 40);
const PRESENT: RGBColor = RGBColor(21, 101, 192);
const HOLIDAY: RGBColor = RGBColor(239, 160, 0);
const SKIP_DATE: RGBColor = RGBColor(141, 110, 99);
const CANCELLED: RGBColor = RGBColor(198, 40, 40);
const GRID: RGBColor = RGBColor(224, 224, 224);
const MUTED: RGBColor = RGBColor(97, 97, 97);

#[derive(Debug, thiserror::Error)]
pub(crate) enum ChartError {
    #[error("the bundled font could not be loaded")]
    Font,
    #[error("drawing the chart: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(err: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(err.to_string())
    }
}

/// Every text on the chart, in one language, from the catalogue.
struct Labels {
    language: Language,
    attendance: String,
    session_date: String,
    people: String,
    going: String,
    maybe: String,
    not_going: String,
    present: String,
    no_sessions: String,
    agenda: String,
    items: String,
    per_year: String,
    years: String,
    weeks: String,
    held: String,
    holiday: String,
    skip_date: String,
    cancelled: String,
    no_weeks: String,
    kinds: [String; 4],
}

fn labels(language: Language) -> Labels {
    Labels {
        language,
        attendance: Say::Attendance.say(language),
        session_date: Say::SessionDate.say(language),
        people: Say::People.say(language),
        going: Say::Going.say(language),
        maybe: Say::Maybe.say(language),
        not_going: Say::NotGoing.say(language),
        present: Say::Present.say(language),
        no_sessions: Say::NoSessions.say(language),
        agenda: Say::AgendaByKind.say(language),
        items: Say::Items.say(language),
        per_year: Say::PerYear.say(language),
        years: Say::Years.say(language),
        weeks: Say::Weeks.say(language),
        held: Say::Held.say(language),
        holiday: Say::SkippedHoliday.say(language),
        skip_date: Say::SkippedDayOff.say(language),
        cancelled: Say::SkippedCancelled.say(language),
        no_weeks: Say::NoWeeks.say(language),
        kinds: AgendaKind::ALL.map(|kind| Label::Agenda { kind }.say(language)),
    }
}

/// The bundled font, parsed once per process (parsing only reads the tables).
fn bundled_font() -> Result<&'static FontRef<'static>, ChartError> {
    static PARSED: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    PARSED
        .get_or_init(|| FontRef::try_from_slice(FONT).ok())
        .as_ref()
        .ok_or(ChartError::Font)
}

/// A plotters backend whose text is measured with the bundled font and, on
/// a bitmap, drawn by ab_glyph from it. plotters' own ab_glyph renderer
/// (0.3.7) ignores each glyph's left side bearing, which opens visible gaps
/// after narrow kana such as ト and fullwidth brackets; everything but text
/// goes straight to the inner backend.
struct GlyphBackend<B> {
    inner: B,
    font: &'static FontRef<'static>,
    /// Draw text as pixels (a bitmap) rather than hand it to `inner` (SVG).
    raster_text: bool,
}

impl<B> GlyphBackend<B> {
    /// Glyph ids and pen positions on a baseline at the font's ascent, and
    /// the box (width, ascent - descent) the line occupies.
    fn layout(&self, text: &str, size: f64) -> (Vec<(GlyphId, f32)>, (u32, u32)) {
        let font = self.font.as_scaled(PxScale::from(size as f32));
        let mut pen = 0.0f32;
        let mut previous: Option<GlyphId> = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                pen += font.kern(previous, id);
            }
            glyphs.push((id, pen));
            pen += font.h_advance(id);
            previous = Some(id);
        }
        let height = (font.ascent() - font.descent()).ceil();
        (glyphs, (pen.ceil().max(0.0) as u32, height.max(0.0) as u32))
    }
}

impl<B: DrawingBackend> DrawingBackend for GlyphBackend<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        Ok(self.layout(text, style.size()).1)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        if !self.raster_text {
            return self.inner.draw_text(text, style, pos);
        }
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (glyphs, (width, height)) = self.layout(text, style.size());
        let (width, height) = (width as i32, height as i32);
        // The anchor is relative to the unrotated text, as plotters defines it.
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Center => -width / 2,
            HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let font = self.font.as_scaled(PxScale::from(style.size() as f32));
        let transform = style.transform();
        let mut coverage = Vec::new();
        for (id, pen) in glyphs {
            let glyph = id.with_scale_and_position(font.scale(), point(pen, font.ascent()));
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue; // a space: nothing to draw
            };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, c| {
                if c > 0.0 {
                    coverage.push((left + x as i32 + dx, top + y as i32 + dy, c));
                }
            });
        }
        let (w, h) = self.get_size();
        for (x, y, c) in coverage {
            let (x, y) = transform.transform(x, y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && x < w as i32 && y < h as i32 {
                self.inner
                    .draw_pixel((x, y), color.mix(f64::from(c.min(1.0))))?;
            }
        }
        Ok(())
    }
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Renders the chart of `stats` for the meeting titled `meeting_title` as PNG bytes.
pub(crate) fn render_png(
    stats: &Stats,
    meeting_title: &str,
    language: Language,
) -> Result<Vec<u8>, ChartError> {
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    let backend = GlyphBackend {
        inner: BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)),
        font: bundled_font()?,
        raster_text: true,
    };
    draw_chart(backend, stats, meeting_title, language)?;
    encode(&pixels)
}

/// The same chart as an SVG document, its texts as `<text>` (escaped by plotters).
pub(crate) fn render_svg(
    stats: &Stats,
    meeting_title: &str,
    language: Language,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    let backend = GlyphBackend {
        inner: SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)),
        font: bundled_font()?,
        raster_text: false,
    };
    draw_chart(backend, stats, meeting_title, language)?;
    Ok(svg)
}

/// The one drawing of the chart, on any backend; presents it when done.
fn draw_chart<B: DrawingBackend>(
    backend: GlyphBackend<B>,
    stats: &Stats,
    meeting_title: &str,
    language: Language,
) -> Result<(), ChartError> {
    let text = &labels(language);
    let root = backend.into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.margin(12, 12, 16, 16);
    let (header, body) = root.split_vertically(78);
    draw_header(&header, stats, meeting_title, text)?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 * 52 / 100);
    let (left, right) = bottom.split_horizontally(WIDTH * 42 / 100);
    draw_attendance(&top, &stats.sessions, text)?;
    draw_agenda(&left, stats, text)?;
    draw_years(&right, &stats.years, text)?;
    root.present()?;
    Ok(())
}

fn encode(pixels: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(bytes)
}

type Area<B> = DrawingArea<GlyphBackend<B>, Shift>;
/// One series' value per session, per year, or a bar's low..high per year.
/// A session's value is `None` where the log does not know it: a gap.
type SessionValue = fn(&SessionPoint) -> Option<u32>;
type YearValue = fn(&YearStats) -> u32;
type YearSpan = fn(&YearStats) -> (u32, u32);

fn draw_header<B: DrawingBackend>(
    area: &Area<B>,
    stats: &Stats,
    meeting_title: &str,
    text: &Labels,
) -> Result<(), ChartError> {
    let held: u32 = stats.years.iter().map(|y| y.held).sum();
    let skipped: u32 = stats.years.iter().map(|y| y.skipped).sum();
    area.draw_text(
        &Say::ChartTitle {
            title: meeting_title,
            until: stats.until,
        }
        .say(text.language),
        &font(32.0),
        (4, 4),
    )?;
    area.draw_text(
        &Say::ChartSummary {
            held,
            skipped,
            items: stats.agenda.total(),
            learnings: stats.learnings,
            on_time_percent: stats.actions.on_time_percent(),
        }
        .say(text.language),
        &font(20.0).color(&MUTED),
        (6, 46),
    )?;
    Ok(())
}

/// How a legend entry shows its series.
#[derive(Clone, Copy)]
enum Mark {
    Line,
    Area,
    Bar,
}

/// A panel's caption and, under it, its legend in one centred row. Drawn
/// outside the plot so it never hides data. Returns the area left for the plot.
fn draw_head<B: DrawingBackend>(
    area: &Area<B>,
    caption: &str,
    legend: &[(&str, RGBColor, Mark)],
) -> Result<Area<B>, ChartError> {
    let (width, _) = area.dim_in_pixel();
    let centred = font(22.0).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(caption, &centred, (width as i32 / 2, 2))?;
    if legend.is_empty() {
        return Ok(area.split_vertically(34).1);
    }
    const SWATCH: i32 = 22;
    const GAP: i32 = 20;
    let measure = |style: &TextStyle| -> Result<(Vec<i32>, i32), ChartError> {
        let mut widths = Vec::with_capacity(legend.len());
        for (label, _, _) in legend {
            widths.push(area.estimate_text_size(label, style)?.0 as i32);
        }
        let total = widths.iter().map(|w| SWATCH + 6 + w + GAP).sum::<i32>() - GAP;
        Ok((widths, total))
    };
    let mut label_style = font(15.0);
    let (mut widths, mut total) = measure(&label_style)?;
    if total > width as i32 {
        // Long labels in a narrow panel: a smaller size rather than clipping.
        label_style = font(12.0);
        (widths, total) = measure(&label_style)?;
    }
    let mut x = (width as i32 - total).max(0) / 2;
    let y = 36;
    for ((label, color, mark), w) in legend.iter().zip(widths) {
        match mark {
            Mark::Line => area.draw(&PathElement::new(
                [(x, y + 9), (x + SWATCH, y + 9)],
                color.stroke_width(3),
            ))?,
            Mark::Area => {
                area.draw(&Rectangle::new(
                    [(x, y + 4), (x + SWATCH, y + 16)],
                    color.mix(0.25).filled(),
                ))?;
                area.draw(&PathElement::new(
                    [(x, y + 4), (x + SWATCH, y + 4)],
                    color.stroke_width(3),
                ))?;
            }
            Mark::Bar => area.draw(&Rectangle::new(
                [(x + 4, y + 2), (x + SWATCH - 4, y + 16)],
                color.mix(0.85).filled(),
            ))?,
        }
        area.draw_text(label, &label_style, (x + SWATCH + 6, y))?;
        x += SWATCH + 6 + w + GAP;
    }
    Ok(area.split_vertically(62).1)
}

/// A framed, centred note in place of an empty plot.
fn draw_empty<B: DrawingBackend>(area: &Area<B>, note: &str) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(10, 4), (w as i32 - 10, h as i32 - 10)],
        ShapeStyle::from(&GRID).stroke_width(2),
    ))?;
    let style = font(24.0)
        .color(&MUTED)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(note, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn date_label(day: i32, span_days: i32) -> String {
    match NaiveDate::from_num_days_from_ce_opt(day) {
        // Short spans need the day; years of sessions read better by month.
        // Written as people read them (`12/9`, `2026/12`), not as ISO.
        Some(date) if span_days <= 120 => date.format("%-m/%-d").to_string(),
        Some(date) => date.format("%Y/%-m").to_string(),
        None => String::new(),
    }
}

/// The line chart: answers per session and, where someone counted, who came.
fn draw_attendance<B: DrawingBackend>(
    area: &Area<B>,
    sessions: &[SessionPoint],
    text: &Labels,
) -> Result<(), ChartError> {
    let (Some(first), Some(last)) = (sessions.first(), sessions.last()) else {
        let body = draw_head(area, &text.attendance, &[])?;
        return draw_empty(&body, &text.no_sessions);
    };
    let body = draw_head(
        area,
        &text.attendance,
        &[
            (&text.present, PRESENT, Mark::Area),
            (&text.going, GOING, Mark::Line),
            (&text.maybe, MAYBE, Mark::Line),
            (&text.not_going, NOT_GOING, Mark::Line),
        ],
    )?;
    let (start, end) = (day_number(first.date), day_number(last.date));
    // A little room either side so the first and last points are not on the axis;
    // a single session gets a week each side instead of a zero-width range.
    let pad = ((end - start) / 40).max(7);
    let (x_min, x_max) = (start - pad, end + pad);
    let span = x_max - x_min;
    let peak = sessions
        .iter()
        .map(|s| {
            s.going
                .max(s.maybe)
                .max(s.not_going)
                .max(s.present.unwrap_or(0))
        })
        .max()
        .unwrap_or(0);
    let y_max = (peak + peak / 10 + 1).max(5);

    let mut chart = ChartBuilder::on(&body)
        .margin_right(20)
        .x_label_area_size(46)
        .y_label_area_size(56)
        .build_cartesian_2d(x_min..x_max, 0u32..y_max)?;
    let formatter = |day: &i32| date_label(*day, span);
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&formatter)
        .x_desc(&text.session_date)
        .y_desc(&text.people)
        .label_style(font(15.0))
        .axis_desc_style(font(17.0))
        .draw()?;

    let present = segments(sessions, |s| s.present);
    for run in &present {
        chart.draw_series(
            AreaSeries::new(run.iter().copied(), 0, PRESENT.mix(0.15))
                .border_style(PRESENT.stroke_width(3)),
        )?;
    }
    let answers: [(RGBColor, SessionValue); 3] = [
        (GOING, |s| s.rsvp_recorded.then_some(s.going)),
        (MAYBE, |s| s.rsvp_recorded.then_some(s.maybe)),
        (NOT_GOING, |s| s.rsvp_recorded.then_some(s.not_going)),
    ];
    for (color, value) in answers {
        let runs = segments(sessions, value);
        for run in &runs {
            chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)))?;
        }
        // Markers, so a session recorded alone between gaps is still seen.
        chart.draw_series(
            runs.iter()
                .flatten()
                .map(|&(x, y)| Circle::new((x, y), 2, color.filled())),
        )?;
    }
    // Head counts on top of everything: they are what happened.
    chart.draw_series(
        present
            .iter()
            .flatten()
            .map(|&(x, y)| Circle::new((x, y), 3, PRESENT.filled())),
    )?;
    Ok(())
}

/// Longest gap, in days, a line bridges between two recorded sessions. A few
/// skipped weeks are normal; months without records are not drawn as a trend.
const MAX_GAP_DAYS: i32 = 35;

/// The lines to draw for one value: broken at every session whose value
/// is unknown (never drawn as zero) and where the log has a long gap.
fn segments(sessions: &[SessionPoint], value: SessionValue) -> Vec<Vec<(i32, u32)>> {
    let mut runs: Vec<Vec<(i32, u32)>> = Vec::new();
    let mut open = false;
    for session in sessions {
        let Some(y) = value(session) else {
            open = false;
            continue;
        };
        let x = day_number(session.date);
        let bridged = runs
            .last()
            .and_then(|run| run.last())
            .is_some_and(|&(last, _)| x - last <= MAX_GAP_DAYS);
        match runs.last_mut() {
            Some(run) if open && bridged => run.push((x, y)),
            _ => runs.push(vec![(x, y)]),
        }
        open = true;
    }
    runs
}

/// Horizontal bars of agenda items per kind, each with its count: kind names
/// in Japanese are too wide to sit side by side under vertical bars.
fn draw_agenda<B: DrawingBackend>(
    area: &Area<B>,
    stats: &Stats,
    text: &Labels,
) -> Result<(), ChartError> {
    let body = draw_head(area, &text.agenda, &[])?;
    let counts = AgendaKind::ALL.map(|k| stats.agenda.get(k));
    if counts.iter().all(|&c| c == 0) {
        return draw_empty(&body, &text.no_sessions);
    }
    let last = (counts.len() - 1) as u32;
    // Segment 0 is at the bottom; the first kind (incident) reads best on top.
    let row = |i: usize| last - i as u32;
    let peak = counts.iter().copied().max().unwrap_or(0);
    let x_max = (peak + peak / 6 + 1).max(4);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(6)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(120)
        .build_cartesian_2d(0u32..x_max, (0u32..last).into_segmented())?;
    let kind_label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(r) => text
            .kinds
            .get((last - r.min(&last)) as usize)
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(6)
        .y_labels(counts.len() + 1)
        .y_label_formatter(&kind_label)
        .x_desc(&text.items)
        .label_style(font(15.0))
        .axis_desc_style(font(17.0))
        .draw()?;
    let colors = [NOT_GOING, PRESENT, GOING, MUTED];
    chart.draw_series(
        counts
            .iter()
            .zip(colors)
            .enumerate()
            .map(|(i, (&n, color))| {
                let mut bar = Rectangle::new(
                    [
                        (0, SegmentValue::Exact(row(i))),
                        (n, SegmentValue::Exact(row(i) + 1)),
                    ],
                    color.mix(0.85).filled(),
                );
                bar.set_margin(12, 12, 0, 0);
                bar
            }),
    )?;
    let value_style = font(16.0).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(counts.iter().enumerate().map(|(i, &n)| {
        Text::new(
            format!(" {n}"),
            (n, SegmentValue::CenterOf(row(i))),
            value_style.clone(),
        )
    }))?;
    Ok(())
}

/// Per year, a held bar beside a skipped bar stacked by reason, each with its
/// count on top: skipped weeks are few, and a bare bar of 1 is easy to miss.
fn draw_years<B: DrawingBackend>(
    area: &Area<B>,
    years: &[YearStats],
    text: &Labels,
) -> Result<(), ChartError> {
    let (Some(first), Some(last)) = (years.first(), years.last()) else {
        let body = draw_head(area, &text.per_year, &[])?;
        return draw_empty(&body, &text.no_weeks);
    };
    let body = draw_head(
        area,
        &text.per_year,
        &[
            (&text.held, GOING, Mark::Bar),
            (&text.holiday, HOLIDAY, Mark::Bar),
            (&text.skip_date, SKIP_DATE, Mark::Bar),
            (&text.cancelled, CANCELLED, Mark::Bar),
        ],
    )?;
    let peak = years
        .iter()
        .map(|y| y.held.max(y.skipped))
        .max()
        .unwrap_or(0);
    let y_max = (peak + peak / 8 + 2).max(5);
    let mut chart = ChartBuilder::on(&body)
        .margin_right(16)
        .x_label_area_size(46)
        .y_label_area_size(50)
        .build_cartesian_2d((first.year..last.year).into_segmented(), 0u32..y_max)?;
    // Every year is labelled while they fit; a long history labels every n-th.
    let step = years.len().div_ceil(12).max(1) as i32;
    let year_label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(year) if (year - first.year) % step == 0 => year.to_string(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .y_labels(6)
        .x_labels(years.len() + 1)
        .x_label_formatter(&year_label)
        .x_desc(&text.years)
        .y_desc(&text.weeks)
        .label_style(font(15.0))
        .axis_desc_style(font(17.0))
        .draw()?;

    // Segmented coordinates give each year one slot; the two bars share it
    // by pixel margins, half a slot each with a little air around them.
    let slot = chart.plotting_area().dim_in_pixel().0 / years.len().max(1) as u32;
    let air = (slot / 8).max(1);
    let half = slot / 2;
    let bar = |year: i32, low: u32, high: u32, color: RGBColor, left: bool| {
        let mut rect = Rectangle::new(
            [
                (SegmentValue::Exact(year), low),
                (SegmentValue::Exact(year + 1), high),
            ],
            color.mix(0.85).filled(),
        );
        if left {
            rect.set_margin(0, 0, air, half);
        } else {
            rect.set_margin(0, 0, half, air);
        }
        rect
    };
    chart.draw_series(years.iter().map(|y| bar(y.year, 0, y.held, GOING, true)))?;
    let reasons: [(RGBColor, YearSpan); 3] = [
        (HOLIDAY, |y| (0, y.skipped_by.holiday)),
        (SKIP_DATE, |y| {
            let base = y.skipped_by.holiday;
            (base, base + y.skipped_by.skip_date)
        }),
        (CANCELLED, |y| {
            let base = y.skipped_by.holiday + y.skipped_by.skip_date;
            (base, base + y.skipped_by.cancelled)
        }),
    ];
    for (color, range) in reasons {
        chart.draw_series(years.iter().filter_map(|y| {
            let (low, high) = range(y);
            (high > low).then(|| bar(y.year, low, high, color, false))
        }))?;
    }
    // Counts above the bars, centred on each bar: a bar spans from `air`
    // inside the slot's edge to the slot's centre.
    let quarter = ((half - air) / 2) as i32;
    let size = if slot >= 60 { 14.0 } else { 11.0 };
    let on_top = font(size).pos(Pos::new(HPos::Center, VPos::Bottom));
    let counts: [(YearValue, i32); 2] = [(|y| y.held, -quarter), (|y| y.skipped, quarter)];
    for (count, shift) in counts {
        chart.draw_series(years.iter().map(|y| {
            EmptyElement::at((SegmentValue::CenterOf(y.year), count(y)))
                + Text::new(count(y).to_string(), (shift, -2), on_top.clone())
        }))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
