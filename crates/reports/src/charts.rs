//! The summary's charts, as SVG written by hand (no charting library, no script): by field, by
//! residential group, by month, the status funnel, and answered on the spot versus assigned.
//!
//! Every chart is accessible: `role="img"` with a `<title>` and a `<desc>` that says the numbers
//! in words, and every bar carries its number as a text label (the numbers are read, not
//! guessed from lengths). Each bar's group also carries `data-label` and `data-value`, so a
//! test (or a script) can read the chart's figures back. The same SVG is shown in the web page
//! and, rendered to PNG by [`Chart::png`] (resvg, pure Rust), embedded in the DOCX summary with
//! the SVG beside it (Word shows the SVG, LibreOffice and older Word the PNG).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use doithoai_model::{Lang, Status};

use crate::{ReportError, Summary};

/// How a chart draws its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Horizontal bars, one line per label (fields, TDPs, the funnel).
    Bars,
    /// Vertical columns (months).
    Columns,
    /// One bar split in parts, with a legend (on the spot versus assigned).
    Split,
}

/// One figure of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub label: String,
    pub value: u32,
}

/// A chart: its id (for the page's anchors and the DOCX's image names), title and figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub kind: ChartKind,
    pub figures: Vec<Figure>,
    /// The unit after each number ("ý kiến").
    pub unit: String,
}

/// The width of every chart, in CSS pixels (also its width in the DOCX: 16 cm).
pub const WIDTH: u32 = 720;
const ROW: u32 = 28;
const TOP: u32 = 44;
/// Arial on Windows; DejaVu Sans on Linux (every Vietnamese letter; resvg falls back glyph by
/// glyph to a serif face with Liberation Sans).
const FONT: &str = "Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif";
/// Dark enough on white for WCAG AA, for text and bars alike.
const INK: &str = "#1a1a1a";
const BAR: &str = "#1f5fa8";
const GRID: &str = "#c8c8c8";
const PALETTE: [&str; 6] = [
    "#1f5fa8", "#b35900", "#2e7d32", "#6a3d9a", "#8d6e00", "#5f6b73",
];

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// About how wide `s` is at `size` px in a sans-serif font.
fn text_px(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | 'í' | 'ì' | 'ỉ' | 'ĩ' | 'ị' | '.' | ',' | ':' | ';' | '\'' | '|' => {
                0.30
            }
            ' ' | 'f' | 't' | 'r' | '(' | ')' | '-' | '/' => 0.40,
            'm' | 'w' | 'M' | 'W' => 0.96,
            c if c.is_uppercase() => 0.74,
            c if c.is_ascii_digit() => 0.64,
            _ => 0.62,
        })
        .sum::<f64>()
        * size
}

/// `s` cut to fit `px` at `size`, with an ellipsis.
fn fit(s: &str, px: f64, size: f64) -> String {
    if text_px(s, size) <= px {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if text_px(&out, size) + text_px("…", size) > px {
            out.pop();
            break;
        }
    }
    format!("{}…", out.trim_end())
}

fn months_label(m: u32, y: i32, lang: Lang, with_year: bool) -> String {
    match (lang, with_year) {
        (Lang::Vi, true) => format!("T{m}/{y}"),
        (Lang::Vi, false) => format!("T{m}"),
        (Lang::En, true) => format!("{m}/{y}"),
        (Lang::En, false) => format!("{m}"),
    }
}

/// The petitions of the summary per month of the period (every month shown, empty ones too).
pub fn by_month(s: &Summary) -> Vec<Figure> {
    let first = NaiveDate::from_ymd_opt(s.period.from.year(), s.period.from.month(), 1);
    let Some(mut cur) = first else {
        return Vec::new();
    };
    let mut counts: BTreeMap<(i32, u32), u32> = BTreeMap::new();
    for r in &s.rows {
        *counts.entry((r.date.year(), r.date.month())).or_default() += 1;
    }
    let years_differ = s.period.from.year() != s.period.to.year();
    let mut out = Vec::new();
    // At most 60 months: a longer range is shown by year.
    let span = (s.period.to.year() - s.period.from.year()) * 12 + s.period.to.month() as i32
        - s.period.from.month() as i32;
    if span >= 60 {
        let mut by_year: BTreeMap<i32, u32> = BTreeMap::new();
        for ((y, _), n) in &counts {
            *by_year.entry(*y).or_default() += n;
        }
        for y in s.period.from.year()..=s.period.to.year() {
            out.push(Figure {
                label: y.to_string(),
                value: by_year.get(&y).copied().unwrap_or(0),
            });
        }
        return out;
    }
    while cur <= s.period.to {
        let key = (cur.year(), cur.month());
        out.push(Figure {
            label: months_label(key.1, key.0, s.lang, years_differ),
            value: counts.get(&key).copied().unwrap_or(0),
        });
        cur = match cur.checked_add_months(chrono::Months::new(1)) {
            Some(n) => n,
            None => break,
        };
    }
    out
}

/// The stages of the status funnel: how many petitions of the period reached each.
pub fn funnel(s: &Summary) -> Vec<Figure> {
    let count = |pred: &dyn Fn(Status) -> bool| -> u32 {
        s.by_status
            .iter()
            .zip(Status::ALL)
            .filter(|(_, st)| pred(*st))
            .map(|(c, _)| c.petitions)
            .sum()
    };
    let l = s.lang;
    use Status::*;
    vec![
        Figure {
            label: l.pick("Ghi nhận", "Collected").into(),
            value: count(&|_| true),
        },
        Figure {
            label: l.pick("Đã vào sổ", "Registered").into(),
            value: count(&|st| st != Collected),
        },
        Figure {
            label: l.pick("Đã phân loại", "Classified").into(),
            value: count(&|st| !matches!(st, Collected | Received)),
        },
        Figure {
            label: l.pick("Đã có trả lời", "Answered").into(),
            value: count(&|st| matches!(st, Answered | Approved | Notified | Closed)),
        },
        Figure {
            label: l.pick("Đã duyệt trả lời", "Answer approved").into(),
            value: count(&|st| matches!(st, Approved | Notified | Closed)),
        },
        Figure {
            label: l.pick("Đã thông báo", "Resident told").into(),
            value: count(&|st| matches!(st, Notified | Closed)),
        },
        Figure {
            label: l.pick("Đã kết thúc", "Closed").into(),
            value: count(&|st| st == Closed),
        },
    ]
}

/// How the petitions of the period were dealt with: on the spot, assigned, forwarded, filed,
/// merged, and those not yet decided.
pub fn outcome(s: &Summary) -> Vec<Figure> {
    let t = &s.totals;
    let l = s.lang;
    let decided = t.answered_on_spot + t.assigned + t.forwarded + t.filed + t.merged;
    vec![
        Figure {
            label: l.pick("Trả lời tại chỗ", "Answered on the spot").into(),
            value: t.answered_on_spot,
        },
        Figure {
            label: l.pick("Giao xử lý", "Assigned").into(),
            value: t.assigned,
        },
        Figure {
            label: l
                .pick("Chuyển đơn, hướng dẫn", "Forwarded or guided")
                .into(),
            value: t.forwarded,
        },
        Figure {
            label: l.pick("Lưu, không xử lý", "Filed").into(),
            value: t.filed,
        },
        Figure {
            label: l.pick("Gộp trùng", "Merged").into(),
            value: t.merged,
        },
        Figure {
            label: l.pick("Chưa xử lý", "Not yet decided").into(),
            value: t.petitions.saturating_sub(decided),
        },
    ]
}

/// The five charts of a summary, in the order the page and the DOCX show them.
pub fn charts(s: &Summary) -> Vec<Chart> {
    let l = s.lang;
    let unit = l.pick("ý kiến", "petitions").to_owned();
    let counts = |rows: &[crate::CountRow]| -> Vec<Figure> {
        rows.iter()
            .map(|c| Figure {
                label: c.label.clone(),
                value: c.petitions,
            })
            .collect()
    };
    vec![
        Chart {
            id: "linh-vuc",
            title: l
                .pick("Ý kiến, kiến nghị theo lĩnh vực", "Petitions by field")
                .into(),
            kind: ChartKind::Bars,
            figures: counts(&s.by_field),
            unit: unit.clone(),
        },
        Chart {
            id: "to-dan-pho",
            title: l
                .pick(
                    "Ý kiến, kiến nghị theo tổ dân phố",
                    "Petitions by residential group",
                )
                .into(),
            kind: ChartKind::Bars,
            figures: counts(&s.by_tdp),
            unit: unit.clone(),
        },
        Chart {
            id: "theo-thang",
            title: l
                .pick("Ý kiến, kiến nghị theo tháng", "Petitions by month")
                .into(),
            kind: ChartKind::Columns,
            figures: by_month(s),
            unit: unit.clone(),
        },
        Chart {
            id: "tien-do",
            title: l
                .pick(
                    "Tiến độ xử lý (số ý kiến đã qua từng bước)",
                    "Handling progress (petitions that reached each step)",
                )
                .into(),
            kind: ChartKind::Bars,
            figures: funnel(s),
            unit: unit.clone(),
        },
        Chart {
            id: "tai-cho-giao",
            title: l
                .pick(
                    "Trả lời tại chỗ và giao xử lý",
                    "Answered on the spot and assigned",
                )
                .into(),
            kind: ChartKind::Split,
            figures: outcome(s),
            unit,
        },
    ]
}

/// A round step for the axis: 1, 2, 5, 10, 20, 50…
fn nice_step(max: u32, ticks: u32) -> u32 {
    let raw = (max as f64 / ticks.max(1) as f64).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    step.max(1.0) as u32
}

impl Chart {
    /// The sum of the figures.
    pub fn total(&self) -> u32 {
        self.figures.iter().map(|f| f.value).sum()
    }

    /// The numbers in a sentence, for `<desc>` and the DOCX's alternative text.
    pub fn description(&self) -> String {
        let parts: Vec<String> = self
            .figures
            .iter()
            .map(|f| format!("{}: {}", f.label, f.value))
            .collect();
        format!("{}. {}.", self.title, parts.join("; "))
    }

    /// The chart's height in pixels.
    pub fn height(&self) -> u32 {
        match self.kind {
            ChartKind::Bars => TOP + ROW * self.figures.len().max(1) as u32 + 16,
            ChartKind::Columns => 300,
            ChartKind::Split => TOP + 56 + 26 * self.figures.len().div_ceil(2) as u32 + 12,
        }
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        let h = self.height();
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{h}\" viewBox=\"0 0 {WIDTH} {h}\" \
role=\"img\" aria-labelledby=\"c-{id}-t c-{id}-d\" class=\"chart\" data-chart=\"{id}\" font-family=\"{FONT}\">\
<title id=\"c-{id}-t\">{title}</title><desc id=\"c-{id}-d\">{desc}</desc>\
<rect width=\"{WIDTH}\" height=\"{h}\" fill=\"#ffffff\"/>\
<text x=\"0\" y=\"22\" font-size=\"17\" font-weight=\"bold\" fill=\"{INK}\">{title}</text>",
            id = self.id,
            title = esc(&self.title),
            desc = esc(&self.description()),
        );
        match self.kind {
            ChartKind::Bars => self.bars(&mut s),
            ChartKind::Columns => self.columns(&mut s, h),
            ChartKind::Split => self.split(&mut s),
        }
        s.push_str("</svg>");
        s
    }

    fn bars(&self, s: &mut String) {
        let size = 14.0;
        let widest = self
            .figures
            .iter()
            .map(|f| text_px(&f.label, size))
            .fold(0.0, f64::max);
        let label_w = widest.clamp(80.0, 330.0) + 8.0;
        let value_w = 56.0;
        let bar_w = WIDTH as f64 - label_w - value_w;
        let max = self
            .figures
            .iter()
            .map(|f| f.value)
            .max()
            .unwrap_or(0)
            .max(1);
        for (i, f) in self.figures.iter().enumerate() {
            let y = TOP as f64 + (i as u32 * ROW) as f64;
            let w = if f.value == 0 {
                0.0
            } else {
                (bar_w * f.value as f64 / max as f64).max(2.0)
            };
            s.push_str(&format!(
                "<g class=\"bar\" data-label=\"{l}\" data-value=\"{v}\"><title>{l}: {v} {u}</title>\
<text x=\"{lx:.1}\" y=\"{ty:.1}\" font-size=\"{size}\" text-anchor=\"end\" fill=\"{INK}\">{short}</text>\
<rect x=\"{label_w:.1}\" y=\"{by:.1}\" width=\"{w:.1}\" height=\"18\" fill=\"{BAR}\"/>\
<text x=\"{vx:.1}\" y=\"{ty:.1}\" font-size=\"{size}\" font-weight=\"bold\" fill=\"{INK}\">{v}</text></g>",
                l = esc(&f.label),
                v = f.value,
                u = esc(&self.unit),
                lx = label_w - 8.0,
                ty = y + 14.0,
                by = y + 1.0,
                short = esc(&fit(&f.label, label_w - 10.0, size)),
                vx = label_w + w + 6.0,
            ));
        }
    }

    fn columns(&self, s: &mut String, h: u32) {
        let n = self.figures.len().max(1) as f64;
        let left = 44.0;
        let bottom = h as f64 - 34.0;
        let top = TOP as f64 + 18.0;
        let plot_h = bottom - top;
        let slot = (WIDTH as f64 - left - 8.0) / n;
        let col_w = (slot * 0.62).min(56.0);
        let max = self.figures.iter().map(|f| f.value).max().unwrap_or(0);
        let step = nice_step(max.max(1), 4);
        let top_value = (max.max(1)).div_ceil(step) * step;
        // Grid lines and their numbers.
        let mut v = 0;
        while v <= top_value {
            let y = bottom - plot_h * v as f64 / top_value as f64;
            s.push_str(&format!(
                "<line x1=\"{left}\" x2=\"{WIDTH}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\" stroke-width=\"1\"/>\
<text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"{INK}\" aria-hidden=\"true\">{v}</text>",
                tx = left - 6.0,
                ty = y + 4.0,
            ));
            v += step;
        }
        let size = if n > 14.0 { 11.0 } else { 13.0 };
        for (i, f) in self.figures.iter().enumerate() {
            let cx = left + slot * (i as f64 + 0.5);
            let ch = plot_h * f.value as f64 / top_value as f64;
            s.push_str(&format!(
                "<g class=\"bar\" data-label=\"{l}\" data-value=\"{v}\"><title>{l}: {v} {u}</title>\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{col_w:.1}\" height=\"{ch:.1}\" fill=\"{BAR}\"/>\
<text x=\"{cx:.1}\" y=\"{vy:.1}\" font-size=\"{size}\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{INK}\">{v}</text>\
<text x=\"{cx:.1}\" y=\"{ly:.1}\" font-size=\"{size}\" text-anchor=\"middle\" fill=\"{INK}\">{l}</text></g>",
                l = esc(&f.label),
                v = f.value,
                u = esc(&self.unit),
                x = cx - col_w / 2.0,
                y = bottom - ch,
                vy = bottom - ch - 5.0,
                ly = bottom + 18.0,
            ));
        }
    }

    fn split(&self, s: &mut String) {
        let total = self.total();
        let y = TOP as f64 + 4.0;
        let width = WIDTH as f64;
        let mut x = 0.0;
        if total == 0 {
            s.push_str(&format!(
                "<rect x=\"0\" y=\"{y}\" width=\"{width}\" height=\"30\" fill=\"none\" stroke=\"{GRID}\"/>"
            ));
        }
        for (i, f) in self.figures.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let pct = if total == 0 {
                0.0
            } else {
                100.0 * f.value as f64 / total as f64
            };
            let w = if total == 0 {
                0.0
            } else {
                width * f.value as f64 / total as f64
            };
            // The legend: two columns under the bar.
            let lx = if i % 2 == 0 { 0.0 } else { width / 2.0 };
            let ly = y + 52.0 + 26.0 * (i / 2) as f64;
            s.push_str(&format!(
                "<g class=\"bar\" data-label=\"{l}\" data-value=\"{v}\"><title>{l}: {v} {u} ({pct:.0}%)</title>\
<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"30\" fill=\"{colour}\"/>\
<rect x=\"{lx:.1}\" y=\"{sy:.1}\" width=\"16\" height=\"16\" fill=\"{colour}\"/>\
<text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"14\" fill=\"{INK}\">{l}: <tspan font-weight=\"bold\">{v}</tspan> ({pct:.0}%)</text></g>",
                l = esc(&f.label),
                v = f.value,
                u = esc(&self.unit),
                sy = ly - 13.0,
                tx = lx + 22.0,
                ty = ly,
            ));
            x += w;
        }
    }

    /// The chart as a PNG, `scale` times its size in pixels (2 for print). Text is drawn with
    /// the machine's fonts (Arial, Liberation Sans or DejaVu Sans, all with Vietnamese letters).
    pub fn png(&self, scale: f32) -> Result<Vec<u8>, ReportError> {
        svg_to_png(&self.svg(), scale)
    }
}

fn fonts() -> &'static std::sync::Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        std::sync::Arc::new(db)
    })
}

/// The family text is drawn in when the chart's list finds none: the first of its list here.
fn fallback_family() -> &'static str {
    static FAMILY: OnceLock<String> = OnceLock::new();
    FAMILY.get_or_init(|| {
        ["Arial", "DejaVu Sans", "Liberation Sans"]
            .into_iter()
            .find(|family| {
                fonts()
                    .faces()
                    .any(|f| f.families.iter().any(|(n, _)| n == family))
            })
            .unwrap_or("sans-serif")
            .to_owned()
    })
}

/// Renders an SVG document to PNG.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, ReportError> {
    let opts = resvg::usvg::Options {
        fontdb: fonts().clone(),
        font_family: fallback_family().to_owned(),
        ..Default::default()
    };
    let tree =
        resvg::usvg::Tree::from_str(svg, &opts).map_err(|e| ReportError::Chart(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| ReportError::Chart("empty chart".into()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ReportError::Chart("empty chart".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ReportError::Chart(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(7, 4), 2);
        assert_eq!(nice_step(40, 4), 10);
        assert_eq!(nice_step(1, 4), 1);
        assert_eq!(nice_step(230, 4), 100);
    }

    #[test]
    fn labels_fit() {
        let long = "Hạ tầng, giao thông, chiếu sáng, thoát nước và những điều khác nữa";
        let cut = fit(long, 200.0, 14.0);
        assert!(cut.ends_with('…'));
        assert!(text_px(&cut, 14.0) <= 200.0 + 1.0);
        assert_eq!(fit("Đất đai", 200.0, 14.0), "Đất đai");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
