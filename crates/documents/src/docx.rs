//! WordprocessingML, written by hand: the smallest package Word, LibreOffice and Google Docs
//! open (content types, relationships, document, styles, settings, core properties).
//!
//! Sizes are in half-points (28 = 14 pt) and lengths in twentieths of a point (567 = 1 cm).

use std::io::{Cursor, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::{AdminDoc, Align, Block, DocumentError, Run, Signature, date_line, national_name};

/// A4, portrait.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// Margins: top and bottom 20 mm, left 30 mm, right 15 mm.
const MARGIN_TOP: u32 = 1134;
const MARGIN_BOTTOM: u32 = 1134;
const MARGIN_LEFT: u32 = 1701;
const MARGIN_RIGHT: u32 = 851;
const TEXT_W: u32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
/// Body text: 14 pt; tables 13 pt; the national name 13 pt; "Nơi nhận" 12 pt, its lines 11 pt.
const BODY: u32 = 28;
const TABLE: u32 = 26;
const HEADER: u32 = 26;
const RECIPIENTS_TITLE: u32 = 24;
const RECIPIENTS: u32 = 22;
/// First-line indent of body paragraphs: 1 cm.
const INDENT: u32 = 567;

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
}

impl P {
    fn center() -> P {
        P {
            align: Align::Center,
            first_line: 0,
            before: 0,
            after: 0,
            keep_next: false,
        }
    }
    fn body() -> P {
        P {
            align: Align::Justify,
            first_line: INDENT,
            before: 0,
            after: 120,
            keep_next: false,
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

/// A short horizontal line: an empty paragraph with a top border, narrowed by indents.
fn rule_xml(indent: u32) -> String {
    format!(
        "<w:p><w:pPr><w:pBdr><w:top w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"auto\"/></w:pBdr>\
<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"120\" w:lineRule=\"exact\"/>\
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
    let mut s = String::from("<w:tbl><w:tblPr>");
    s.push_str(&format!(
        "<w:tblW w:w=\"{}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>",
        widths.iter().sum::<u32>()
    ));
    s.push_str(&borders(bordered));
    s.push_str("<w:tblLayout w:type=\"fixed\"/>");
    s.push_str(
        "<w:tblCellMar><w:left w:w=\"80\" w:type=\"dxa\"/><w:right w:w=\"80\" w:type=\"dxa\"/></w:tblCellMar>",
    );
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

fn header_xml(d: &AdminDoc) -> String {
    let lh = &d.letterhead;
    let (nation, motto) = national_name(d.lang);
    let left_w = TEXT_W * 2 / 5;
    let right_w = TEXT_W - left_w;
    let mut left = String::new();
    if !lh.parent.trim().is_empty() {
        left.push_str(&centered(lh.parent.trim(), false, false, HEADER));
    }
    left.push_str(&centered(lh.issuer.trim(), true, false, HEADER));
    left.push_str(&rule_xml(left_w / 3));
    let mut right = String::new();
    right.push_str(&centered(nation, true, false, 24));
    right.push_str(&centered(motto, true, false, HEADER));
    right.push_str(&rule_xml(right_w / 4));
    let number = centered(
        &crate::number_line(&lh.number, d.lang),
        false,
        false,
        HEADER,
    );
    let date = centered(&date_line(&lh.place, lh.date, d.lang), false, true, BODY);
    table_xml(
        &[left_w, right_w],
        &[vec![left, right], vec![number, date]],
        false,
        0,
    )
}

fn title_xml(d: &AdminDoc) -> String {
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
    s.push_str(&rule_xml(TEXT_W * 3 / 8));
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

fn cell_para(text: &str, bold: bool, align: Align) -> String {
    para_xml(
        &P {
            align,
            first_line: 0,
            before: 40,
            after: 40,
            keep_next: false,
        },
        &run_xml(
            text,
            &Fmt {
                bold,
                italic: false,
                size: TABLE,
            },
        ),
    )
}

fn body_xml(d: &AdminDoc) -> String {
    let mut s = String::new();
    for b in &d.body {
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
                let p = match align {
                    Align::Justify => P::body(),
                    a => P {
                        align: *a,
                        first_line: 0,
                        ..P::body()
                    },
                };
                s.push_str(&para_xml(&p, &runs_xml(runs, BODY)));
            }
            Block::Table {
                widths,
                header,
                rows,
                total,
            } => {
                let sum: u32 = widths.iter().sum::<u32>().max(1);
                let abs: Vec<u32> = widths.iter().map(|w| w * TEXT_W / sum).collect();
                let mut cells: Vec<Vec<String>> = Vec::new();
                cells.push(
                    header
                        .iter()
                        .map(|h| cell_para(h, true, Align::Center))
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
                    cells.push(r.iter().map(|c| cell_para(c, false, align_of(c))).collect());
                }
                if let Some(t) = total {
                    cells.push(t.iter().map(|c| cell_para(c, true, align_of(c))).collect());
                }
                s.push_str(&table_xml(&abs, &cells, true, 1));
                s.push_str(&para_xml(&P::center(), ""));
            }
        }
    }
    s
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

fn footer_xml(d: &AdminDoc) -> String {
    let half = TEXT_W / 2;
    let mut s = para_xml(&P::center(), "");
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
                s.push_str(&table_xml(&[half, TEXT_W - half], &[cells], false, 0));
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

fn document_xml(d: &AdminDoc) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    s.push_str(&format!("<w:document {NS}><w:body>"));
    s.push_str(&header_xml(d));
    s.push_str(&title_xml(d));
    s.push_str(&body_xml(d));
    s.push_str(&footer_xml(d));
    s.push_str(&format!(
        "<w:sectPr><w:pgSz w:w=\"{PAGE_W}\" w:h=\"{PAGE_H}\"/>\
<w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{MARGIN_RIGHT}\" w:bottom=\"{MARGIN_BOTTOM}\" w:left=\"{MARGIN_LEFT}\" \
w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>"
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
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
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
</Relationships>";

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
pub(crate) fn write(d: &AdminDoc) -> Result<Vec<u8>, DocumentError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let parts: [(&str, String); 8] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_owned()),
        ("_rels/.rels", ROOT_RELS.to_owned()),
        ("word/document.xml", document_xml(d)),
        ("word/_rels/document.xml.rels", DOC_RELS.to_owned()),
        ("word/styles.xml", styles_xml(d.lang)),
        ("word/settings.xml", SETTINGS.to_owned()),
        ("docProps/core.xml", core_xml(d)),
        ("docProps/app.xml", APP.to_owned()),
    ];
    for (name, body) in parts {
        zip.start_file(name, opts)?;
        zip.write_all(body.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}
