//! WordprocessingML, written by hand: the smallest package Word, LibreOffice and Google Docs
//! open (content types, relationships, document, styles, settings, core properties).
//!
//! Sizes are in half-points (28 = 14 pt) and lengths in twentieths of a point (567 = 1 cm).

use std::io::{Cursor, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::metrics::{longest_word, text_width};
use crate::{AdminDoc, Align, Block, DocumentError, Run, Signature, date_line, national_name};

/// A4, portrait (landscape swaps them: [`Layout`]).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// Margins: top and bottom 20 mm, left 30 mm, right 15 mm.
const MARGIN_TOP: u32 = 1134;
const MARGIN_BOTTOM: u32 = 1134;
const MARGIN_LEFT: u32 = 1701;
const MARGIN_RIGHT: u32 = 851;
const TEXT_W: u32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;

/// The page a document is laid out on: A4 portrait with 13 pt tables (every document but the
/// register), or A4 landscape with 11 pt tables (a register of many columns).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub page_w: u32,
    pub page_h: u32,
    pub text_w: u32,
    pub table: u32,
}

impl Layout {
    pub(crate) fn of(landscape: bool) -> Layout {
        if landscape {
            Layout {
                page_w: PAGE_H,
                page_h: PAGE_W,
                text_w: PAGE_H - MARGIN_LEFT - MARGIN_RIGHT,
                table: 22,
            }
        } else {
            Layout {
                page_w: PAGE_W,
                page_h: PAGE_H,
                text_w: TEXT_W,
                table: TABLE,
            }
        }
    }
}
/// Body text: 14 pt; tables 13 pt; the national name 13 pt; "Nơi nhận" 12 pt, its lines 11 pt.
const BODY: u32 = 28;
const TABLE: u32 = 26;
const HEADER: u32 = 26;
const RECIPIENTS_TITLE: u32 = 24;
const RECIPIENTS: u32 = 22;
/// First-line indent of body paragraphs: 1 cm.
const INDENT: u32 = 567;
/// The national name: 12 pt bold.
const NATION: u32 = 24;
/// Page numbers: 14 pt, centred in the top margin.
const PAGE_NUMBER: u32 = 28;
/// The left and right padding of table cells.
const CELL_MARGIN: u32 = 80;
/// Room for the differences between word processors' text layouts, in twips.
const SLACK: u32 = 120;
/// How far the letterhead may reach into the left margin when its lines are too long for the
/// text width, in twips (1 cm).
const LETTERHEAD_OVERHANG: u32 = 567;

/// The width of `text` in twips at `half_points`.
fn twips(text: &str, half_points: u32, bold: bool) -> u32 {
    (text_width(text, f64::from(half_points) / 2.0, bold) * 20.0).ceil() as u32
}

/// The width of the longest of the lines of `text`, in twips.
fn widest_line(text: &str, half_points: u32, bold: bool) -> u32 {
    text.lines()
        .map(|l| twips(l.trim(), half_points, bold))
        .max()
        .unwrap_or(0)
}

/// Escapes text for XML and drops the characters XML 1.0 cannot hold.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Fmt {
    bold: bool,
    italic: bool,
    size: u32,
}

fn run_xml(text: &str, f: &Fmt) -> String {
    let mut props = String::new();
    if f.bold {
        props.push_str("<w:b/><w:bCs/>");
    }
    if f.italic {
        props.push_str("<w:i/><w:iCs/>");
    }
    props.push_str(&format!(
        "<w:sz w:val=\"{0}\"/><w:szCs w:val=\"{0}\"/>",
        f.size
    ));
    let mut out = String::new();
    for (i, line) in text.replace('\r', "").split('\n').enumerate() {
        out.push_str("<w:r><w:rPr>");
        out.push_str(&props);
        out.push_str("</w:rPr>");
        if i > 0 {
            out.push_str("<w:br/>");
        }
        out.push_str("<w:t xml:space=\"preserve\">");
        out.push_str(&esc(line));
        out.push_str("</w:t></w:r>");
    }
    out
}

struct P {
    align: Align,
    first_line: u32,
    before: u32,
    after: u32,
    keep_next: bool,
    /// The paragraph's lines kept on one page.
    keep_lines: bool,
}

impl P {
    fn center() -> P {
        P {
            align: Align::Center,
            first_line: 0,
            before: 0,
            after: 0,
            keep_next: false,
            keep_lines: false,
        }
    }
    fn body() -> P {
        P {
            align: Align::Justify,
            first_line: INDENT,
            before: 0,
            after: 120,
            keep_next: false,
            keep_lines: false,
        }
    }
}

fn para_xml(p: &P, runs: &str) -> String {
    let jc = match p.align {
        Align::Left => "left",
        Align::Center => "center",
        Align::Justify => "both",
    };
    let mut pp = String::new();
    if p.keep_next {
        pp.push_str("<w:keepNext/>");
    }
    if p.keep_lines {
        pp.push_str("<w:keepLines/>");
    }
    pp.push_str(&format!(
        "<w:spacing w:before=\"{}\" w:after=\"{}\" w:line=\"288\" w:lineRule=\"auto\"/>",
        p.before, p.after
    ));
    if p.first_line > 0 {
        pp.push_str(&format!("<w:ind w:firstLine=\"{}\"/>", p.first_line));
    }
    pp.push_str(&format!("<w:jc w:val=\"{jc}\"/>"));
    format!("<w:p><w:pPr>{pp}</w:pPr>{runs}</w:p>")
}

/// A horizontal line `length` twips long, centred in a space `room` twips wide.
fn centred_rule(room: u32, length: u32) -> String {
    rule_xml(room.saturating_sub(length) / 2, 0)
}

/// A short horizontal line: an empty paragraph with a top border, narrowed by indents, `gap`
/// twips below the text above it.
fn rule_xml(indent: u32, gap: u32) -> String {
    format!(
        "<w:p><w:pPr><w:pBdr><w:top w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"auto\"/></w:pBdr>\
<w:spacing w:before=\"{gap}\" w:after=\"0\" w:line=\"120\" w:lineRule=\"exact\"/>\
<w:ind w:left=\"{indent}\" w:right=\"{indent}\"/></w:pPr></w:p>"
    )
}

fn borders(on: bool) -> String {
    let v = if on { "single" } else { "nil" };
    let mut s = String::from("<w:tblBorders>");
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        s.push_str(&format!(
            "<w:{side} w:val=\"{v}\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
        ));
    }
    s.push_str("</w:tblBorders>");
    s
}

/// A table; `cells[row][col]` is the XML of the cell's paragraphs.
fn table_xml(widths: &[u32], cells: &[Vec<String>], bordered: bool, header_rows: usize) -> String {
    table_xml_at(widths, cells, bordered, header_rows, None)
}

/// A table, centred, or starting `indent` twips left of the text (a negative indent) when given.
fn table_xml_at(
    widths: &[u32],
    cells: &[Vec<String>],
    bordered: bool,
    header_rows: usize,
    overhang: Option<u32>,
) -> String {
    let mut s = String::from("<w:tbl><w:tblPr>");
    s.push_str(&format!(
        "<w:tblW w:w=\"{}\" w:type=\"dxa\"/>",
        widths.iter().sum::<u32>()
    ));
    match overhang {
        Some(o) => s.push_str(&format!(
            "<w:jc w:val=\"left\"/><w:tblInd w:w=\"-{o}\" w:type=\"dxa\"/>"
        )),
        None => s.push_str("<w:jc w:val=\"center\"/>"),
    }
    s.push_str(&borders(bordered));
    s.push_str("<w:tblLayout w:type=\"fixed\"/>");
    s.push_str(&format!(
        "<w:tblCellMar><w:left w:w=\"{CELL_MARGIN}\" w:type=\"dxa\"/><w:right w:w=\"{CELL_MARGIN}\" w:type=\"dxa\"/></w:tblCellMar>"
    ));
    s.push_str("</w:tblPr><w:tblGrid>");
    for w in widths {
        s.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    s.push_str("</w:tblGrid>");
    for (i, row) in cells.iter().enumerate() {
        s.push_str("<w:tr>");
        if i < header_rows {
            s.push_str("<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>");
        } else {
            s.push_str("<w:trPr><w:cantSplit/></w:trPr>");
        }
        for (j, cell) in row.iter().enumerate() {
            let w = widths.get(j).copied().unwrap_or(1000);
            s.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/></w:tcPr>"
            ));
            if cell.is_empty() {
                s.push_str("<w:p/>");
            } else {
                s.push_str(cell);
            }
            s.push_str("</w:tc>");
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    s
}

fn centered(text: &str, bold: bool, italic: bool, size: u32) -> String {
    para_xml(&P::center(), &run_xml(text, &Fmt { bold, italic, size }))
}

/// The widths of the letterhead's two columns, and how far it reaches into the left margin:
/// each column as wide as its longest line (the parent body "UBND THÀNH PHỐ BẮC GIANG" and the
/// national name on one line each), what is left shared between them.
fn letterhead_widths(d: &AdminDoc, g: &Layout) -> (u32, u32, Option<u32>) {
    let lh = &d.letterhead;
    let (nation, motto) = national_name(d.lang);
    let pad = 2 * CELL_MARGIN + SLACK;
    let left_need = [
        widest_line(lh.parent.trim(), HEADER, false),
        widest_line(lh.issuer.trim(), HEADER, true),
        twips(&crate::number_line(&lh.number, d.lang), HEADER, false),
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
        + pad;
    let right_need = [
        twips(nation, NATION, true),
        twips(motto, HEADER, true),
        twips(&date_line(&lh.place, lh.date, d.lang), BODY, false),
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
        + pad;
    let need = left_need + right_need;
    let text_w = g.text_w;
    if need <= text_w {
        // Two fifths on the left as the form has it, unless a column needs more.
        let left = (text_w * 2 / 5).max(left_need).min(text_w - right_need);
        (left, text_w - left, None)
    } else {
        let overhang = (need - text_w).min(LETTERHEAD_OVERHANG);
        let total = text_w + overhang;
        let left = left_need
            .min(total.saturating_sub(right_need))
            .max(total * 2 / 5);
        (left, total - left, Some(overhang))
    }
}

fn header_xml(d: &AdminDoc, g: &Layout) -> String {
    let lh = &d.letterhead;
    let (nation, motto) = national_name(d.lang);
    let (left_w, right_w, overhang) = letterhead_widths(d, g);
    let mut left = String::new();
    if !lh.parent.trim().is_empty() {
        left.push_str(&centered(lh.parent.trim(), false, false, HEADER));
    }
    left.push_str(&centered(lh.issuer.trim(), true, false, HEADER));
    // Under the issuer, a rule 1/3 to 1/2 as long as its line (NĐ 30/2020, Phụ lục I).
    let issuer_w = widest_line(lh.issuer.trim(), HEADER, true);
    left.push_str(&centred_rule(left_w - 2 * CELL_MARGIN, issuer_w * 2 / 5));
    let mut right = String::new();
    right.push_str(&centered(nation, true, false, NATION));
    right.push_str(&centered(motto, true, false, HEADER));
    // Under the motto, a rule as long as the motto.
    right.push_str(&centred_rule(
        right_w - 2 * CELL_MARGIN,
        twips(motto, HEADER, true),
    ));
    let number = centered(
        &crate::number_line(&lh.number, d.lang),
        false,
        false,
        HEADER,
    );
    let date = centered(&date_line(&lh.place, lh.date, d.lang), false, true, BODY);
    table_xml_at(
        &[left_w, right_w],
        &[vec![left, right], vec![number, date]],
        false,
        0,
        overhang,
    )
}

fn title_xml(d: &AdminDoc, g: &Layout) -> String {
    let mut s = String::new();
    s.push_str(&para_xml(
        &P {
            before: 360,
            keep_next: true,
            ..P::center()
        },
        &run_xml(
            &d.title,
            &Fmt {
                bold: true,
                italic: false,
                size: BODY,
            },
        ),
    ));
    if !d.subtitle.trim().is_empty() {
        s.push_str(&para_xml(
            &P {
                keep_next: true,
                ..P::center()
            },
            &run_xml(
                d.subtitle.trim(),
                &Fmt {
                    bold: true,
                    italic: false,
                    size: BODY,
                },
            ),
        ));
    }
    // Clear of the subtitle's marks below the line (ị, ạ).
    s.push_str(&rule_xml(g.text_w * 3 / 8, 80));
    s.push_str(&para_xml(&P::center(), ""));
    s
}

fn runs_xml(runs: &[Run], size: u32) -> String {
    runs.iter()
        .map(|r| {
            run_xml(
                &r.text,
                &Fmt {
                    bold: r.bold,
                    italic: r.italic,
                    size,
                },
            )
        })
        .collect()
}

fn cell_para(text: &str, bold: bool, align: Align, size: u32) -> String {
    para_xml(
        &P {
            align,
            first_line: 0,
            before: 40,
            after: 40,
            keep_next: false,
            keep_lines: false,
        },
        &run_xml(
            text,
            &Fmt {
                bold,
                italic: false,
                size,
            },
        ),
    )
}

/// A table's column widths in twips from its relative `widths`, each column wide enough for the
/// longest word of its heading ("STT" does not break as "ST/T"), the room taken from the widest
/// columns.
fn column_widths(widths: &[u32], header: &[String], g: &Layout) -> Vec<u32> {
    let sum: u32 = widths.iter().sum::<u32>().max(1);
    let mut abs: Vec<u32> = widths.iter().map(|w| w * g.text_w / sum).collect();
    let need: Vec<u32> = (0..abs.len())
        .map(|i| {
            let word = header
                .get(i)
                .map_or(0.0, |h| longest_word(h, f64::from(g.table) / 2.0, true));
            (word * 20.0).ceil() as u32 + 2 * CELL_MARGIN + SLACK
        })
        .collect();
    for i in 0..abs.len() {
        while abs[i] < need[i] {
            // Take from the column with the most to spare.
            let Some(j) = (0..abs.len())
                .filter(|&j| j != i && abs[j] > need[j])
                .max_by_key(|&j| abs[j] - need[j])
            else {
                break;
            };
            let give = (need[i] - abs[i]).min(abs[j] - need[j]);
            abs[j] -= give;
            abs[i] += give;
        }
    }
    abs
}

fn body_xml(d: &AdminDoc, g: &Layout, images: &mut Vec<Image>) -> String {
    let mut s = String::new();
    // The last paragraph is kept whole with the signatures, and the one before it with the last
    // (NĐ 30/2020: the signatures never stand alone on the last page).
    let n = d.body.len();
    let is_para = |i: usize| matches!(d.body.get(i), Some(Block::Para { .. }));
    let last = n.checked_sub(1).filter(|&i| is_para(i));
    let before_last = last.and_then(|i| i.checked_sub(1)).filter(|&i| is_para(i));
    for (i, b) in d.body.iter().enumerate() {
        match b {
            Block::Heading(t) => s.push_str(&para_xml(
                &P {
                    keep_next: true,
                    before: 120,
                    ..P::body()
                },
                &run_xml(
                    t,
                    &Fmt {
                        bold: true,
                        italic: false,
                        size: BODY,
                    },
                ),
            )),
            Block::Para { runs, align } => {
                let mut p = match align {
                    Align::Justify => P::body(),
                    a => P {
                        align: *a,
                        first_line: 0,
                        ..P::body()
                    },
                };
                // A line that introduces what follows ("3. Kết luận …:") stays with it.
                let introduces = runs
                    .last()
                    .is_some_and(|r| r.text.trim_end().ends_with(':'));
                if Some(i) == last {
                    p.keep_next = true;
                    p.keep_lines = true;
                } else if Some(i) == before_last || introduces {
                    p.keep_next = true;
                }
                s.push_str(&para_xml(&p, &runs_xml(runs, BODY)));
            }
            Block::Table {
                widths,
                header,
                rows,
                total,
            } => {
                let abs = column_widths(widths, header, g);
                let mut cells: Vec<Vec<String>> = Vec::new();
                cells.push(
                    header
                        .iter()
                        .map(|h| cell_para(h, true, Align::Center, g.table))
                        .collect(),
                );
                let align_of = |text: &str| {
                    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '/') {
                        Align::Center
                    } else {
                        Align::Left
                    }
                };
                for r in rows {
                    cells.push(
                        r.iter()
                            .map(|c| cell_para(c, false, align_of(c), g.table))
                            .collect(),
                    );
                }
                if let Some(t) = total {
                    cells.push(
                        t.iter()
                            .map(|c| cell_para(c, true, align_of(c), g.table))
                            .collect(),
                    );
                }
                s.push_str(&table_xml(&abs, &cells, true, 1));
                s.push_str(&para_xml(&P::center(), ""));
            }
            Block::Image {
                png,
                svg,
                width_px,
                height_px,
                alt,
            } => {
                let n = images.len() + 1;
                images.push(Image {
                    png: png.clone(),
                    svg: svg.clone(),
                });
                // As wide as the text (at most 16 cm), the height in proportion.
                let cx = u64::from(g.text_w.min(9072)) * 635;
                let cy = cx * u64::from(*height_px) / u64::from((*width_px).max(1));
                s.push_str(&para_xml(
                    &P {
                        keep_lines: true,
                        ..P::center()
                    },
                    &drawing_xml(n, cx, cy, alt, svg.is_some()),
                ));
                s.push_str(&para_xml(&P::center(), ""));
            }
        }
    }
    s
}

/// A picture embedded in the document: the PNG, and the SVG Word shows in its place.
pub(crate) struct Image {
    png: Vec<u8>,
    svg: Option<String>,
}

/// An inline picture `cx` × `cy` EMU: the PNG (relationship `rIdImgN`), with the SVG
/// (`rIdSvgN`) in the blip's extension list as Word writes it (Office 2016 and later draw the
/// SVG; LibreOffice and older Word the PNG).
fn drawing_xml(n: usize, cx: u64, cy: u64, alt: &str, with_svg: bool) -> String {
    let svg = if with_svg {
        format!(
            "<a:extLst><a:ext uri=\"{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}\">\
<asvg:svgBlip xmlns:asvg=\"http://schemas.microsoft.com/office/drawing/2016/SVG/main\" r:embed=\"rIdSvg{n}\"/></a:ext></a:extLst>"
        )
    } else {
        String::new()
    };
    let alt = esc(alt);
    format!(
        "<w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">\
<wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:docPr id=\"{n}\" name=\"chart{n}\" descr=\"{alt}\"/>\
<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>\
<a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\">\
<a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">\
<pic:pic xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">\
<pic:nvPicPr><pic:cNvPr id=\"{n}\" name=\"chart{n}.png\" descr=\"{alt}\"/><pic:cNvPicPr/></pic:nvPicPr>\
<pic:blipFill><a:blip r:embed=\"rIdImg{n}\">{svg}</a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill>\
<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr>\
</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
}

fn signature_xml(sig: &Signature) -> String {
    let mut s = String::new();
    if !sig.on_behalf.trim().is_empty() {
        s.push_str(&centered(sig.on_behalf.trim(), true, false, BODY));
    }
    s.push_str(&centered(sig.title.trim(), true, false, BODY));
    for _ in 0..4 {
        s.push_str(&para_xml(&P::center(), ""));
    }
    s.push_str(&centered(sig.name.trim(), true, false, BODY));
    s
}

fn recipients_xml(d: &AdminDoc) -> String {
    let mut s = para_xml(
        &P {
            align: Align::Left,
            ..P::center()
        },
        &run_xml(
            d.lang.pick("Nơi nhận:", "Recipients:"),
            &Fmt {
                bold: true,
                italic: true,
                size: RECIPIENTS_TITLE,
            },
        ),
    );
    for r in &d.recipients {
        s.push_str(&para_xml(
            &P {
                align: Align::Left,
                ..P::center()
            },
            &run_xml(
                &format!("- {}", r.trim()),
                &Fmt {
                    bold: false,
                    italic: false,
                    size: RECIPIENTS,
                },
            ),
        ));
    }
    s
}

fn footer_xml(d: &AdminDoc, g: &Layout) -> String {
    let text_w = g.text_w;
    let half = text_w / 2;
    let mut s = para_xml(
        &P {
            keep_next: true,
            ..P::center()
        },
        "",
    );
    match d.signatures.as_slice() {
        [one] => {
            let left = if d.recipients.is_empty() {
                String::new()
            } else {
                recipients_xml(d)
            };
            s.push_str(&table_xml(
                &[half - 400, half + 400],
                &[vec![left, signature_xml(one)]],
                false,
                0,
            ));
        }
        sigs => {
            for pair in sigs.chunks(2) {
                let cells: Vec<String> = match pair {
                    [a, b] => vec![signature_xml(a), signature_xml(b)],
                    [a] => vec![String::new(), signature_xml(a)],
                    _ => vec![String::new(), String::new()],
                };
                s.push_str(&table_xml(&[half, text_w - half], &[cells], false, 0));
            }
            if !d.recipients.is_empty() {
                s.push_str(&para_xml(&P::center(), ""));
                s.push_str(&recipients_xml(d));
            }
        }
    }
    // Word wants a paragraph after a table at the end of the body.
    s.push_str(&para_xml(&P::center(), ""));
    s
}

const NS: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
const NS_WP: &str =
    "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\"";

fn document_xml(d: &AdminDoc, g: &Layout, images: &mut Vec<Image>) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    s.push_str(&format!("<w:document {NS} {NS_WP}><w:body>"));
    s.push_str(&header_xml(d, g));
    s.push_str(&title_xml(d, g));
    s.push_str(&body_xml(d, g, images));
    s.push_str(&footer_xml(d, g));
    // Page numbers from page 2, centred in the top margin (NĐ 30/2020): the default header
    // holds the PAGE field, the first page has its own, empty, header.
    s.push_str(&format!(
        "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId3\"/>\
<w:headerReference w:type=\"first\" r:id=\"rId4\"/>\
<w:pgSz w:w=\"{}\" w:h=\"{}\"{}/>\
<w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{MARGIN_RIGHT}\" w:bottom=\"{MARGIN_BOTTOM}\" w:left=\"{MARGIN_LEFT}\" \
w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/><w:titlePg/></w:sectPr>",
        g.page_w,
        g.page_h,
        if g.page_w > g.page_h {
            " w:orient=\"landscape\""
        } else {
            ""
        }
    ));
    s.push_str("</w:body></w:document>");
    s
}

fn styles_xml(lang: crate::Lang) -> String {
    let tag = lang.pick("vi-VN", "en-GB");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:docDefaults><w:rPrDefault><w:rPr>\
<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"Times New Roman\" w:cs=\"Times New Roman\"/>\
<w:sz w:val=\"{BODY}\"/><w:szCs w:val=\"{BODY}\"/><w:lang w:val=\"{tag}\" w:eastAsia=\"{tag}\" w:bidi=\"ar-SA\"/>\
</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault>\
</w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>\
<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
</w:tblCellMar></w:tblPr></w:style>\
</w:styles>"
    )
}

const SETTINGS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:defaultTabStop w:val=\"720\"/><w:characterSpacingControl w:val=\"doNotCompress\"/>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
</w:settings>";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Default Extension=\"png\" ContentType=\"image/png\"/>\
<Default Extension=\"svg\" ContentType=\"image/svg+xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
<Override PartName=\"/word/header1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>\
<Override PartName=\"/word/header2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>\
</Relationships>";

const DOC_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>\
<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header1.xml\"/>\
<Relationship Id=\"rId4\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header2.xml\"/>";

/// The document's relationships: styles, settings, headers, and one per picture file.
fn doc_rels(images: &[Image]) -> String {
    let mut s = String::from(DOC_RELS);
    let image = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
    for (i, im) in images.iter().enumerate() {
        let n = i + 1;
        s.push_str(&format!(
            "<Relationship Id=\"rIdImg{n}\" Type=\"{image}\" Target=\"media/chart{n}.png\"/>"
        ));
        if im.svg.is_some() {
            s.push_str(&format!(
                "<Relationship Id=\"rIdSvg{n}\" Type=\"{image}\" Target=\"media/chart{n}.svg\"/>"
            ));
        }
    }
    s.push_str("</Relationships>");
    s
}

/// The header of every page but the first: the page number, centred.
fn page_header_xml() -> String {
    let run = |inner: &str| {
        format!(
            "<w:r><w:rPr><w:sz w:val=\"{PAGE_NUMBER}\"/><w:szCs w:val=\"{PAGE_NUMBER}\"/></w:rPr>{inner}</w:r>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:hdr {NS}><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{}{}{}{}{}</w:p></w:hdr>",
        run("<w:fldChar w:fldCharType=\"begin\"/>"),
        run("<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>"),
        run("<w:fldChar w:fldCharType=\"separate\"/>"),
        run("<w:t>2</w:t>"),
        run("<w:fldChar w:fldCharType=\"end\"/>"),
    )
}

/// The first page's header: empty (its number is not shown).
fn first_header_xml() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:hdr {NS}><w:p/></w:hdr>"
    )
}

const APP: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">\
<Application>doithoai</Application></Properties>";

fn core_xml(d: &AdminDoc) -> String {
    let title = format!("{} {}", d.title, d.subtitle);
    let when = format!("{}T00:00:00Z", d.letterhead.date.format("%Y-%m-%d"));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
<dc:title>{}</dc:title><dc:creator>{}</dc:creator><dc:language>{}</dc:language>\
<dcterms:created xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:created></cp:coreProperties>",
        esc(title.trim()),
        esc(&d.letterhead.issuer.replace('\n', " ")),
        d.lang.pick("vi-VN", "en-GB"),
    )
}

/// Writes the DOCX package.
pub(crate) fn write(d: &AdminDoc, layout: Layout) -> Result<Vec<u8>, DocumentError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut images = Vec::new();
    let document = document_xml(d, &layout, &mut images);
    let parts: [(&str, String); 10] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_owned()),
        ("_rels/.rels", ROOT_RELS.to_owned()),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", doc_rels(&images)),
        ("word/styles.xml", styles_xml(d.lang)),
        ("word/settings.xml", SETTINGS.to_owned()),
        ("word/header1.xml", page_header_xml()),
        ("word/header2.xml", first_header_xml()),
        ("docProps/core.xml", core_xml(d)),
        ("docProps/app.xml", APP.to_owned()),
    ];
    for (name, body) in parts {
        zip.start_file(name, opts)?;
        zip.write_all(body.as_bytes())?;
    }
    // PNGs are compressed already.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (i, im) in images.iter().enumerate() {
        zip.start_file(format!("word/media/chart{}.png", i + 1), stored)?;
        zip.write_all(&im.png)?;
        if let Some(svg) = &im.svg {
            zip.start_file(format!("word/media/chart{}.svg", i + 1), opts)?;
            zip.write_all(svg.as_bytes())?;
        }
    }
    Ok(zip.finish()?.into_inner())
}
