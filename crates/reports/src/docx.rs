//! The register and the summary as Word documents, written by [`doithoai_documents`] (the same
//! administrative layout as the session report): the summary on A4 portrait with its count
//! tables, totals and charts (PNG, with the SVG for Word: [`crate::charts`]), the list of
//! petitions and the overdue ones; the register likewise with its 12 columns; both on A4
//! landscape with tables in 11 pt.

use chrono::NaiveDate;
use doithoai_documents::{AdminDoc, Block, Letterhead, Signature, issuer, place_of};
use doithoai_model::time::format_date;
use doithoai_model::{Lang, Registry};

use crate::charts::{self, WIDTH};
use crate::csv::overdue_headings;
use crate::{Register, ReportError, Summary, register_headings, summary_headings, ward_title};

impl From<doithoai_documents::DocumentError> for ReportError {
    fn from(e: doithoai_documents::DocumentError) -> Self {
        ReportError::Docx(e.to_string())
    }
}

fn letterhead(reg: &Registry, date: NaiveDate, symbol: &str, lang: Lang) -> Letterhead {
    Letterhead {
        parent: String::new(),
        issuer: issuer(reg, lang),
        number: format!("      /{symbol}"),
        place: place_of(reg),
        date,
    }
}

fn signer(lang: Lang) -> Signature {
    Signature {
        on_behalf: lang
            .pick("TM. ỦY BAN NHÂN DÂN", "ON BEHALF OF THE PEOPLE'S COMMITTEE")
            .into(),
        title: lang.pick("CHỦ TỊCH", "CHAIR").into(),
        name: String::new(),
    }
}

fn recipients(lang: Lang) -> Vec<String> {
    match lang {
        Lang::Vi => vec![
            "TT Đảng ủy, HĐND, UBND, UB MTTQ phường;".into(),
            "Lưu: VT.".into(),
        ],
        Lang::En => vec![
            "Standing committees of the Party Committee, People's Council, People's Committee and Fatherland Front;".into(),
            "Filed: office.".into(),
        ],
    }
}

fn subtitle(ward: &str, period: &crate::Period, lang: Lang) -> String {
    let p = period.label(lang);
    if ward.trim().is_empty() {
        p
    } else {
        format!("{} — {p}", ward_title(ward, lang))
    }
}

/// The summary as a DOCX (A4 landscape): totals, the count tables, the five charts, the list,
/// the overdue.
/// `date` is the document's date; `reg` gives the issuer's name.
pub fn summary_docx(s: &Summary, reg: &Registry, date: NaiveDate) -> Result<Vec<u8>, ReportError> {
    let l = s.lang;
    let mut body = Vec::new();
    body.push(Block::Heading(
        l.pick("I. SỐ LIỆU TỔNG HỢP", "I. FIGURES").into(),
    ));
    body.push(Block::Table {
        widths: vec![70, 30],
        header: vec![
            l.pick("Chỉ tiêu", "Item").into(),
            l.pick("Số lượng", "Count").into(),
        ],
        rows: s
            .totals
            .lines(l)
            .into_iter()
            .map(|(label, n)| vec![label.to_owned(), n.to_string()])
            .collect(),
        total: None,
    });
    let count_table = |first: &str, rows: &[crate::CountRow]| Block::Table {
        widths: vec![60, 20, 20],
        header: vec![
            first.to_owned(),
            l.pick("Số ý kiến", "Petitions").into(),
            l.pick("Số người", "People").into(),
        ],
        rows: rows
            .iter()
            .map(|c| {
                vec![
                    c.label.clone(),
                    c.petitions.to_string(),
                    c.people.to_string(),
                ]
            })
            .collect(),
        total: Some(vec![
            l.pick("Cộng", "Total").into(),
            rows.iter().map(|c| c.petitions).sum::<u32>().to_string(),
            rows.iter().map(|c| c.people).sum::<u32>().to_string(),
        ]),
    };
    body.push(Block::Heading(
        l.pick(
            "II. THEO LĨNH VỰC, TỔ DÂN PHỐ VÀ TRẠNG THÁI",
            "II. BY FIELD, GROUP AND STATUS",
        )
        .into(),
    ));
    body.push(count_table(l.pick("Lĩnh vực", "Field"), &s.by_field));
    body.push(count_table(
        l.pick("Tổ dân phố", "Residential group"),
        &s.by_tdp,
    ));
    body.push(count_table(l.pick("Trạng thái", "Status"), &s.by_status));
    body.push(Block::Heading(l.pick("III. BIỂU ĐỒ", "III. CHARTS").into()));
    for c in charts::charts(s) {
        let svg = c.svg();
        body.push(Block::Image {
            png: charts::svg_to_png(&svg, 2.0)?,
            width_px: WIDTH,
            height_px: c.height(),
            alt: c.description(),
            svg: Some(svg),
        });
    }
    body.push(Block::Heading(
        l.pick("IV. DANH SÁCH Ý KIẾN, KIẾN NGHỊ", "IV. THE PETITIONS")
            .into(),
    ));
    body.push(Block::Table {
        widths: vec![4, 26, 14, 14, 9, 12, 23, 14],
        header: summary_headings(l).iter().map(|h| h.to_string()).collect(),
        rows: s.rows.iter().map(|r| r.cells().to_vec()).collect(),
        total: None,
    });
    body.push(Block::Heading(format!(
        "V. {} {}",
        l.pick("Ý KIẾN QUÁ HẠN TÍNH ĐẾN NGÀY", "OVERDUE AS OF"),
        format_date(s.as_of)
    )));
    if s.overdue.is_empty() {
        body.push(Block::para(l.pick("Không có ý kiến quá hạn.", "None.")));
    } else {
        body.push(Block::Table {
            widths: vec![5, 10, 35, 20, 11, 8, 11],
            header: overdue_headings(l).iter().map(|h| h.to_string()).collect(),
            rows: s
                .overdue
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    vec![
                        (i + 1).to_string(),
                        o.register_no.map(|n| n.to_string()).unwrap_or_default(),
                        o.content.clone(),
                        o.reason.clone(),
                        format_date(o.due),
                        o.days_late.to_string(),
                        o.body.clone(),
                    ]
                })
                .collect(),
            total: None,
        });
    }
    let doc = AdminDoc {
        letterhead: letterhead(reg, date, "BC-UBND", l),
        title: l.pick("BÁO CÁO", "REPORT").into(),
        subtitle: format!("{}\n{}", s.title(), subtitle(&s.ward, &s.period, l)),
        body,
        recipients: recipients(l),
        signatures: vec![signer(l)],
        lang: l,
    }
    .in_registry_spelling(reg);
    // Landscape: the list's 8 columns in 11 pt, several petitions to a page.
    Ok(doc.to_docx_landscape()?)
}

/// The register (Mẫu 03) as a DOCX on A4 landscape.
pub fn register_docx(
    r: &Register,
    reg: &Registry,
    date: NaiveDate,
) -> Result<Vec<u8>, ReportError> {
    let l = r.lang;
    let mut header: Vec<String> = register_headings(l).iter().map(|h| h.to_string()).collect();
    // The column numbers, as the printed form has them.
    for (i, h) in header.iter_mut().enumerate() {
        *h = format!("{h}\n({})", i + 1);
    }
    let body = vec![Block::Table {
        widths: vec![4, 9, 12, 10, 18, 10, 6, 8, 10, 8, 8, 11],
        header,
        rows: r
            .rows
            .iter()
            .map(|row| Register::cells(row).to_vec())
            .collect(),
        total: None,
    }];
    let doc = AdminDoc {
        letterhead: letterhead(reg, date, "SO-UBND", l),
        title: r.title().into(),
        subtitle: subtitle(&r.ward, &r.period, l),
        body,
        recipients: Vec::new(),
        signatures: vec![Signature {
            on_behalf: String::new(),
            title: l.pick("NGƯỜI LẬP SỔ", "KEPT BY").into(),
            name: String::new(),
        }],
        lang: l,
    }
    .in_registry_spelling(reg);
    Ok(doc.to_docx_landscape()?)
}
