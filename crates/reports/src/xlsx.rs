//! XLSX export with Vietnamese headings, borders and wrapped text, real dates shown as
//! dd/mm/yyyy, and a page set up for printing on A4 landscape with the headings repeated.
//!
//! Layout of the list sheets (register and summary): the title on row [`TITLE_ROW`], the ward
//! and period on [`SUBTITLE_ROW`], the headings on [`HEADER_ROW`], the column numbers (1), (2)…
//! as printed forms have them on [`NUMBER_ROW`], the data from [`FIRST_DATA_ROW`] (rows counted
//! from 0).

use doithoai_model::Lang;
use doithoai_model::time::format_date;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use crate::csv::overdue_headings;
use crate::{CountRow, Register, ReportError, Summary, register_headings, summary_headings};

pub const TITLE_ROW: u32 = 0;
pub const SUBTITLE_ROW: u32 = 1;
pub const HEADER_ROW: u32 = 3;
pub const NUMBER_ROW: u32 = 4;
pub const FIRST_DATA_ROW: u32 = 5;

/// The sheet names.
pub fn sheet_names(lang: Lang) -> [&'static str; 4] {
    [
        lang.pick("Sổ tiếp nhận", "Register"),
        lang.pick("Tổng hợp", "Summary"),
        lang.pick("Thống kê", "Counts"),
        lang.pick("Quá hạn", "Overdue"),
    ]
}

struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    number_row: Format,
    text: Format,
    center: Format,
    date: Format,
    section: Format,
    bold_text: Format,
}

fn formats() -> Formats {
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12);
    let cell = base
        .clone()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    Formats {
        title: base
            .clone()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        subtitle: base.clone().set_italic().set_align(FormatAlign::Center),
        header: cell
            .clone()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color("#D9E1F2"),
        number_row: cell.clone().set_italic().set_align(FormatAlign::Center),
        text: cell.clone(),
        center: cell.clone().set_align(FormatAlign::Center),
        date: cell
            .clone()
            .set_align(FormatAlign::Center)
            .set_num_format("dd/mm/yyyy"),
        section: base.clone().set_bold(),
        bold_text: cell.set_bold(),
    }
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, ReportError> {
    use chrono::Datelike;
    let y = u16::try_from(d.year()).map_err(|_| ReportError::Xlsx(format_date(d)))?;
    Ok(ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8)?)
}

fn page_setup(ws: &mut Worksheet, last_header_row: u32) -> Result<(), ReportError> {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, last_header_row)?;
    ws.set_freeze_panes(last_header_row + 1, 0)?;
    Ok(())
}

/// Title, subtitle, headings and the column-number row of a list sheet.
fn list_header(
    ws: &mut Worksheet,
    f: &Formats,
    title: &str,
    subtitle: &str,
    headings: &[&str],
    widths: &[f64],
) -> Result<(), ReportError> {
    let last = (headings.len() - 1) as u16;
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, &f.title)?;
    ws.set_row_height(TITLE_ROW, 24)?;
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, last, subtitle, &f.subtitle)?;
    for (c, h) in headings.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(HEADER_ROW, c, *h, &f.header)?;
        ws.write_string_with_format(NUMBER_ROW, c, format!("({})", c + 1), &f.number_row)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

fn subtitle(ward: &str, period: &str, lang: Lang) -> String {
    if ward.is_empty() {
        period.to_owned()
    } else {
        format!("{} {ward} — {period}", lang.pick("Phường", "Ward"))
    }
}

fn new_workbook(title: &str) -> Workbook {
    let mut wb = Workbook::new();
    wb.set_properties(&DocProperties::new().set_title(title).set_author("doithoai"));
    wb
}

/// The register as an XLSX workbook with one sheet.
pub fn register_xlsx(r: &Register) -> Result<Vec<u8>, ReportError> {
    let l = r.lang;
    let f = formats();
    let mut wb = new_workbook(r.title());
    let ws = wb.add_worksheet();
    ws.set_name(sheet_names(l)[0])?;
    list_header(
        ws,
        &f,
        r.title(),
        &subtitle(&r.ward, &r.period.label(l), l),
        &register_headings(l),
        &[
            6.0, 12.0, 30.0, 15.0, 45.0, 20.0, 10.0, 20.0, 25.0, 25.0, 25.0, 35.0,
        ],
    )?;
    for (i, row) in r.rows.iter().enumerate() {
        let y = FIRST_DATA_ROW + i as u32;
        ws.write_number_with_format(y, 0, f64::from(row.no.number), &f.center)?;
        ws.write_datetime_with_format(y, 1, excel_date(row.date)?, &f.date)?;
        let texts = Register::cells(row);
        for (c, text) in texts.iter().enumerate().skip(2) {
            if c == 6 {
                ws.write_number_with_format(y, 6, f64::from(row.people), &f.center)?;
            } else {
                ws.write_string_with_format(y, c as u16, text, &f.text)?;
            }
        }
    }
    page_setup(ws, NUMBER_ROW)?;
    Ok(wb.save_to_buffer()?)
}

fn count_table(
    ws: &mut Worksheet,
    f: &Formats,
    row: &mut u32,
    title: &str,
    first: &str,
    rows: &[CountRow],
    lang: Lang,
) -> Result<(), ReportError> {
    ws.write_string_with_format(*row, 0, title, &f.section)?;
    *row += 1;
    ws.write_string_with_format(*row, 0, first, &f.header)?;
    ws.write_string_with_format(*row, 1, lang.pick("Số ý kiến", "Petitions"), &f.header)?;
    ws.write_string_with_format(*row, 2, lang.pick("Số người", "People"), &f.header)?;
    *row += 1;
    let (mut n, mut p) = (0u32, 0u32);
    for c in rows {
        ws.write_string_with_format(*row, 0, &c.label, &f.text)?;
        ws.write_number_with_format(*row, 1, f64::from(c.petitions), &f.center)?;
        ws.write_number_with_format(*row, 2, f64::from(c.people), &f.center)?;
        n += c.petitions;
        p += c.people;
        *row += 1;
    }
    ws.write_string_with_format(*row, 0, lang.pick("Cộng", "Total"), &f.bold_text)?;
    ws.write_number_with_format(*row, 1, f64::from(n), &f.center)?;
    ws.write_number_with_format(*row, 2, f64::from(p), &f.center)?;
    *row += 2;
    Ok(())
}

/// The summary as an XLSX workbook: the list of petitions, the count tables with the totals,
/// and the overdue petitions, each on its own sheet.
pub fn summary_xlsx(s: &Summary) -> Result<Vec<u8>, ReportError> {
    let l = s.lang;
    let f = formats();
    let names = sheet_names(l);
    let sub = subtitle(&s.ward, &s.period.label(l), l);
    let mut wb = new_workbook(s.title());

    let ws = wb.add_worksheet();
    ws.set_name(names[1])?;
    list_header(
        ws,
        &f,
        s.title(),
        &sub,
        &summary_headings(l),
        &[6.0, 50.0, 28.0, 22.0, 18.0, 25.0, 45.0, 30.0],
    )?;
    for (i, r) in s.rows.iter().enumerate() {
        let y = FIRST_DATA_ROW + i as u32;
        ws.write_number_with_format(y, 0, f64::from(r.no), &f.center)?;
        for (c, text) in r.cells().iter().enumerate().skip(1) {
            ws.write_string_with_format(y, c as u16, text, &f.text)?;
        }
    }
    page_setup(ws, NUMBER_ROW)?;

    let ws = wb.add_worksheet();
    ws.set_name(names[2])?;
    ws.set_column_width(0, 50.0)?;
    ws.set_column_width(1, 14.0)?;
    ws.set_column_width(2, 14.0)?;
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, 2, s.title(), &f.title)?;
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, 2, &sub, &f.subtitle)?;
    let mut row = HEADER_ROW;
    ws.write_string_with_format(row, 0, l.pick("Tổng hợp", "Totals"), &f.section)?;
    row += 1;
    for (label, n) in s.totals.lines(l) {
        ws.write_string_with_format(row, 0, label, &f.text)?;
        ws.write_number_with_format(row, 1, f64::from(n), &f.center)?;
        row += 1;
    }
    row += 1;
    count_table(
        ws,
        &f,
        &mut row,
        l.pick("Theo lĩnh vực", "By field"),
        l.pick("Lĩnh vực", "Field"),
        &s.by_field,
        l,
    )?;
    count_table(
        ws,
        &f,
        &mut row,
        l.pick("Theo tổ dân phố", "By residential group"),
        l.pick("Tổ dân phố", "Residential group"),
        &s.by_tdp,
        l,
    )?;
    count_table(
        ws,
        &f,
        &mut row,
        l.pick("Theo trạng thái", "By status"),
        l.pick("Trạng thái", "Status"),
        &s.by_status,
        l,
    )?;
    ws.set_portrait();
    ws.set_paper_size(9);

    let ws = wb.add_worksheet();
    ws.set_name(names[3])?;
    list_header(
        ws,
        &f,
        &format!(
            "{} {}",
            l.pick("Ý KIẾN QUÁ HẠN TÍNH ĐẾN NGÀY", "OVERDUE PETITIONS AS OF"),
            format_date(s.as_of)
        ),
        &sub,
        &overdue_headings(l),
        &[6.0, 12.0, 50.0, 30.0, 12.0, 12.0, 30.0],
    )?;
    for (i, o) in s.overdue.iter().enumerate() {
        let y = FIRST_DATA_ROW + i as u32;
        ws.write_number_with_format(y, 0, (i + 1) as f64, &f.center)?;
        ws.write_string_with_format(
            y,
            1,
            o.register_no.map(|n| n.to_string()).unwrap_or_default(),
            &f.center,
        )?;
        ws.write_string_with_format(y, 2, &o.content, &f.text)?;
        ws.write_string_with_format(y, 3, o.kind.label(l), &f.text)?;
        ws.write_datetime_with_format(y, 4, excel_date(o.due)?, &f.date)?;
        ws.write_number_with_format(y, 5, o.days_late as f64, &f.center)?;
        ws.write_string_with_format(y, 6, &o.body, &f.text)?;
    }
    page_setup(ws, NUMBER_ROW)?;
    Ok(wb.save_to_buffer()?)
}
