//! XLSX export with Vietnamese headings, borders and wrapped text, real dates shown as
//! dd/mm/yyyy, and a page set up for printing on A4 landscape: administrative margins
//! (top and bottom 20 mm, left 30 mm, right 15 mm), the headings repeated on every page,
//! "Trang 1/3" in the footer, and every row as tall as its wrapped text.
//!
//! Spreadsheets keep no row height of their own for wrapped text: LibreOffice and WPS print a
//! row one line high unless the file says otherwise, and the text runs over the rows below. So
//! each row's height is set here from its text: the lines each cell wraps into at its column's
//! width, measured with the font's widths ([`doithoai_documents::metrics`]).
//!
//! The list sheets are set in 10 pt and their columns chosen to total about 128 character
//! widths, so that fitting them to the width of the page prints the text at 10 pt in Excel and
//! about 9.5 pt in LibreOffice, whose columns come out a little wider (never under 9 pt); the
//! "Thống kê" sheet is narrow and prints at full size, each of its tables kept whole on one page.
//!
//! Layout of the list sheets (register and summary): the title on row [`TITLE_ROW`], the ward
//! and period on [`SUBTITLE_ROW`], the headings on [`HEADER_ROW`], the column numbers (1), (2)…
//! as printed forms have them on [`NUMBER_ROW`], the data from [`FIRST_DATA_ROW`] (rows counted
//! from 0).

use doithoai_documents::metrics;
use doithoai_model::Lang;
use doithoai_model::time::format_date;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use crate::csv::overdue_headings;
use crate::{
    CountRow, Register, ReportError, Summary, register_headings, summary_headings, ward_title,
};

pub const TITLE_ROW: u32 = 0;
pub const SUBTITLE_ROW: u32 = 1;
pub const HEADER_ROW: u32 = 3;
pub const NUMBER_ROW: u32 = 4;
pub const FIRST_DATA_ROW: u32 = 5;

/// The font size of the list sheets' headings and cells.
pub const LIST_FONT: f64 = 10.0;
/// The font size of the count tables.
pub const COUNT_FONT: f64 = 12.0;

/// The register's column widths, in character widths (Mẫu 03's 12 columns).
pub const REGISTER_WIDTHS: [f64; 12] = [
    4.5, 10.0, 13.5, 12.5, 17.0, 9.5, 7.0, 9.0, 11.0, 9.0, 10.0, 15.0,
];
/// The summary's column widths.
pub const SUMMARY_WIDTHS: [f64; 8] = [4.5, 29.0, 16.0, 13.5, 11.0, 14.5, 24.0, 16.5];
/// The overdue sheet's column widths.
pub const OVERDUE_WIDTHS: [f64; 7] = [4.5, 10.5, 40.0, 24.0, 11.0, 9.0, 22.0];
/// The count sheet's column widths.
const COUNT_WIDTHS: [f64; 3] = [50.0, 14.0, 14.0];

/// Margins in inches: 20 mm top and bottom, 30 mm left, 15 mm right; the footer 8 mm from the
/// bottom edge.
const MARGIN_LEFT: f64 = 30.0 / 25.4;
const MARGIN_RIGHT: f64 = 15.0 / 25.4;
const MARGIN_TOP: f64 = 20.0 / 25.4;
const MARGIN_BOTTOM: f64 = 20.0 / 25.4;
const MARGIN_HEADER: f64 = 8.0 / 25.4;
const MARGIN_FOOTER: f64 = 8.0 / 25.4;
/// The printable height of an A4 portrait page inside those margins, in points.
const PORTRAIT_PRINT_HEIGHT: f64 = (297.0 - 40.0) / 25.4 * 72.0;

/// The sheet names.
pub fn sheet_names(lang: Lang) -> [&'static str; 4] {
    [
        lang.pick("Sổ tiếp nhận", "Register"),
        lang.pick("Tổng hợp", "Summary"),
        lang.pick("Thống kê", "Counts"),
        lang.pick("Quá hạn", "Overdue"),
    ]
}

/// The width of a column of `chars` character widths, in points: Excel's columns are measured
/// in widths of the default font's digit (7 pixels for Times New Roman 11, the workbook's default
/// font) plus 5 pixels of padding, at
/// 96 pixels to the inch.
pub fn column_points(chars: f64) -> f64 {
    (chars * 7.0 + 5.0).trunc() * 0.75
}

/// The width of a column of `chars` character widths as LibreOffice lays it out, in points: it
/// counts the width Excel stores (`chars` and the 5 pixels of padding, in digits) in digits of
/// the default font as the font draws them, 5.5 pt for Times New Roman 11, rather than Excel's
/// whole 7 pixels (5.25 pt); its columns come out about 5 % wider.
pub fn libreoffice_column_points(chars: f64) -> f64 {
    (chars + 5.0 / 7.0) * 5.5
}

/// The room for text in a column, in points: its width in Excel (the narrower of the two) less
/// the cell's padding, and a margin for the small differences between text layouts.
fn text_room(chars: f64) -> f64 {
    column_points(chars) * 0.97 - 3.5
}

/// The height of one line of text at `size` points, as the spreadsheets lay it out.
fn line_height(size: f64) -> f64 {
    size * 1.2
}

/// The height in points of a row whose cells hold `cells` (text and column width), in a font
/// of `size` points: its tallest cell's wrapped lines, and a little room above and below.
pub fn row_height(cells: &[(&str, f64)], size: f64, bold: bool) -> f64 {
    let lines = cells
        .iter()
        .map(|(text, w)| metrics::wrapped_lines(text, text_room(*w), size, bold))
        .max()
        .unwrap_or(1);
    // Whole pixels (0.75 pt), as the file stores them.
    ((f64::from(lines) * line_height(size) + 4.0) / 0.75).ceil() * 0.75
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
    count_header: Format,
    count_text: Format,
    count_center: Format,
    count_bold: Format,
}

fn cell_formats(size: f64) -> (Format, Format, Format, Format) {
    let cell = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(size)
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let header = cell
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#D9E1F2");
    let center = cell.clone().set_align(FormatAlign::Center);
    let bold = cell.clone().set_bold();
    (cell, header, center, bold)
}

fn formats() -> Formats {
    let base = Format::new().set_font_name("Times New Roman");
    let (text, header, center, _) = cell_formats(LIST_FONT);
    let (count_text, count_header, count_center, count_bold) = cell_formats(COUNT_FONT);
    Formats {
        title: base
            .clone()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap(),
        subtitle: base
            .clone()
            .set_font_size(12)
            .set_italic()
            .set_align(FormatAlign::Center),
        number_row: text.clone().set_italic().set_align(FormatAlign::Center),
        date: center.clone().set_num_format("dd/mm/yyyy"),
        section: base.set_bold().set_font_size(COUNT_FONT),
        header,
        text,
        center,
        count_header,
        count_text,
        count_center,
        count_bold,
    }
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, ReportError> {
    use chrono::Datelike;
    let y = u16::try_from(d.year()).map_err(|_| ReportError::Xlsx(format_date(d)))?;
    Ok(ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8)?)
}

/// The page number in the footer: "Trang 2/5".
fn footer(lang: Lang) -> String {
    format!(
        "&C&\"Times New Roman,Regular\"&10{} &P/&N",
        lang.pick("Trang", "Page")
    )
}

/// A4, administrative margins, page numbers in the footer.
fn print_setup(ws: &mut Worksheet, lang: Lang) {
    ws.set_paper_size(9); // A4
    ws.set_margins(
        MARGIN_LEFT,
        MARGIN_RIGHT,
        MARGIN_TOP,
        MARGIN_BOTTOM,
        MARGIN_HEADER,
        MARGIN_FOOTER,
    );
    ws.set_footer(footer(lang));
    ws.set_print_center_horizontally(true);
}

/// A list sheet: landscape, as wide as the page, the headings repeated on every page.
fn page_setup(ws: &mut Worksheet, lang: Lang) -> Result<(), ReportError> {
    print_setup(ws, lang);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, NUMBER_ROW)?;
    ws.set_freeze_panes(NUMBER_ROW + 1, 0)?;
    Ok(())
}

/// Title, subtitle, headings and the column-number row of a list sheet, with the rows as tall
/// as their text.
fn list_header(
    ws: &mut Worksheet,
    f: &Formats,
    title: &str,
    subtitle: &str,
    headings: &[&str],
    widths: &[f64],
) -> Result<(), ReportError> {
    let last = (headings.len() - 1) as u16;
    let total: f64 = widths.iter().copied().sum();
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, &f.title)?;
    ws.set_row_height(TITLE_ROW, row_height(&[(title, total)], 14.0, true))?;
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, last, subtitle, &f.subtitle)?;
    ws.set_row_height(SUBTITLE_ROW, row_height(&[(subtitle, total)], 12.0, false))?;
    for (c, h) in headings.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(HEADER_ROW, c, *h, &f.header)?;
        ws.write_string_with_format(NUMBER_ROW, c, format!("({})", c + 1), &f.number_row)?;
    }
    let cells: Vec<(&str, f64)> = headings
        .iter()
        .copied()
        .zip(widths.iter().copied())
        .collect();
    ws.set_row_height(HEADER_ROW, row_height(&cells, LIST_FONT, true))?;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    Ok(())
}

/// "Phường Dĩnh Kế — Tháng 11/2026".
fn subtitle(ward: &str, period: &str, lang: Lang) -> String {
    if ward.trim().is_empty() {
        period.to_owned()
    } else {
        format!("{} — {period}", ward_title(ward, lang))
    }
}

/// A workbook whose default font is Times New Roman 11 rather than Calibri: column widths are
/// counted in widths of the default font's digit, and a spreadsheet without Calibri (LibreOffice
/// on Linux puts a wider sans font in its place) would otherwise make every column a fifth
/// wider and print the sheet smaller to fit. Times New Roman and its metric twin Liberation
/// Serif are on every office machine; their digit at 11 pt is 7 pixels, as Calibri's.
fn new_workbook(title: &str) -> Result<Workbook, ReportError> {
    let mut wb = Workbook::new();
    let default = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(11);
    wb.set_default_format(&default, 20, 64)?;
    wb.set_properties(&DocProperties::new().set_title(title).set_author("doithoai"));
    Ok(wb)
}

/// Sets a data row's height from its cells' text.
fn fit_row(
    ws: &mut Worksheet,
    y: u32,
    texts: &[String],
    widths: &[f64],
) -> Result<(), ReportError> {
    let cells: Vec<(&str, f64)> = texts
        .iter()
        .map(String::as_str)
        .zip(widths.iter().copied())
        .collect();
    ws.set_row_height(y, row_height(&cells, LIST_FONT, false))?;
    Ok(())
}

/// The register as an XLSX workbook with one sheet.
pub fn register_xlsx(r: &Register) -> Result<Vec<u8>, ReportError> {
    let l = r.lang;
    let f = formats();
    let mut wb = new_workbook(r.title())?;
    let ws = wb.add_worksheet();
    ws.set_name(sheet_names(l)[0])?;
    list_header(
        ws,
        &f,
        r.title(),
        &subtitle(&r.ward, &r.period.label(l), l),
        &register_headings(l),
        &REGISTER_WIDTHS,
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
        fit_row(ws, y, &texts, &REGISTER_WIDTHS)?;
    }
    page_setup(ws, l)?;
    Ok(wb.save_to_buffer()?)
}

/// The rows a count table takes: its title, its heading, its lines and the total.
fn count_table_rows(rows: &[CountRow]) -> u32 {
    rows.len() as u32 + 3
}

/// The height of a count-table row of `label`, in points.
fn count_row_height(label: &str) -> f64 {
    row_height(&[(label, COUNT_WIDTHS[0])], COUNT_FONT, false)
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
    ws.set_row_height(*row, count_row_height(title))?;
    *row += 1;
    ws.write_string_with_format(*row, 0, first, &f.count_header)?;
    ws.write_string_with_format(
        *row,
        1,
        lang.pick("Số ý kiến", "Petitions"),
        &f.count_header,
    )?;
    ws.write_string_with_format(*row, 2, lang.pick("Số người", "People"), &f.count_header)?;
    ws.set_row_height(*row, count_row_height(first))?;
    *row += 1;
    let (mut n, mut p) = (0u32, 0u32);
    for c in rows {
        ws.write_string_with_format(*row, 0, &c.label, &f.count_text)?;
        ws.write_number_with_format(*row, 1, f64::from(c.petitions), &f.count_center)?;
        ws.write_number_with_format(*row, 2, f64::from(c.people), &f.count_center)?;
        ws.set_row_height(*row, count_row_height(&c.label))?;
        n += c.petitions;
        p += c.people;
        *row += 1;
    }
    ws.write_string_with_format(*row, 0, lang.pick("Cộng", "Total"), &f.count_bold)?;
    ws.write_number_with_format(*row, 1, f64::from(n), &f.count_center)?;
    ws.write_number_with_format(*row, 2, f64::from(p), &f.count_center)?;
    *row += 2;
    Ok(())
}

/// Where the count sheet's pages must break so that no table starts on one page and ends on
/// the next: before each table that does not fit in what is left of its page (a table longer
/// than a page starts a page of its own and runs on). `blocks` are the tables' heights in
/// points, each with the row it starts on; `used` is the height above the first.
fn table_breaks(blocks: &[(u32, f64)], mut used: f64, page: f64) -> Vec<u32> {
    let mut breaks = Vec::new();
    for &(start, height) in blocks {
        if used > 0.0 && used + height > page {
            breaks.push(start);
            used = 0.0;
        }
        used += height;
        while used > page {
            used -= page;
        }
    }
    breaks
}

/// The summary as an XLSX workbook: the list of petitions, the count tables with the totals,
/// and the overdue petitions, each on its own sheet.
pub fn summary_xlsx(s: &Summary) -> Result<Vec<u8>, ReportError> {
    let l = s.lang;
    let f = formats();
    let names = sheet_names(l);
    let sub = subtitle(&s.ward, &s.period.label(l), l);
    let mut wb = new_workbook(s.title())?;

    let ws = wb.add_worksheet();
    ws.set_name(names[1])?;
    list_header(
        ws,
        &f,
        s.title(),
        &sub,
        &summary_headings(l),
        &SUMMARY_WIDTHS,
    )?;
    for (i, r) in s.rows.iter().enumerate() {
        let y = FIRST_DATA_ROW + i as u32;
        ws.write_number_with_format(y, 0, f64::from(r.no), &f.center)?;
        let texts = r.cells();
        for (c, text) in texts.iter().enumerate().skip(1) {
            ws.write_string_with_format(y, c as u16, text, &f.text)?;
        }
        fit_row(ws, y, &texts, &SUMMARY_WIDTHS)?;
    }
    page_setup(ws, l)?;

    let ws = wb.add_worksheet();
    ws.set_name(names[2])?;
    for (c, w) in COUNT_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let total: f64 = COUNT_WIDTHS.iter().sum();
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, 2, s.title(), &f.title)?;
    ws.set_row_height(TITLE_ROW, row_height(&[(s.title(), total)], 14.0, true))?;
    ws.merge_range(SUBTITLE_ROW, 0, SUBTITLE_ROW, 2, &sub, &f.subtitle)?;
    ws.set_row_height(SUBTITLE_ROW, row_height(&[(&sub, total)], 12.0, false))?;
    let default_row = line_height(COUNT_FONT) + 4.0;
    let mut used = row_height(&[(s.title(), total)], 14.0, true)
        + row_height(&[(&sub, total)], 12.0, false)
        + default_row;
    let mut row = HEADER_ROW;
    ws.write_string_with_format(row, 0, l.pick("Tổng hợp", "Totals"), &f.section)?;
    ws.set_row_height(row, default_row)?;
    row += 1;
    for (label, n) in s.totals.lines(l) {
        ws.write_string_with_format(row, 0, label, &f.count_text)?;
        ws.write_number_with_format(row, 1, f64::from(n), &f.count_center)?;
        ws.set_row_height(row, count_row_height(label))?;
        used += count_row_height(label);
        row += 1;
    }
    row += 1;
    used += 2.0 * default_row;
    let tables = [
        (
            l.pick("Theo lĩnh vực", "By field"),
            l.pick("Lĩnh vực", "Field"),
            &s.by_field,
        ),
        (
            l.pick("Theo tổ dân phố", "By residential group"),
            l.pick("Tổ dân phố", "Residential group"),
            &s.by_tdp,
        ),
        (
            l.pick("Theo trạng thái", "By status"),
            l.pick("Trạng thái", "Status"),
            &s.by_status,
        ),
    ];
    let mut blocks = Vec::new();
    let mut start = row;
    for (title, first, rows) in tables {
        let height = count_row_height(title)
            + count_row_height(first)
            + rows.iter().map(|c| count_row_height(&c.label)).sum::<f64>()
            + 2.0 * default_row;
        blocks.push((start, height));
        start += count_table_rows(rows) + 1;
    }
    for (title, first, rows) in tables {
        count_table(ws, &f, &mut row, title, first, rows, l)?;
    }
    print_setup(ws, l);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_page_breaks(&table_breaks(&blocks, used, PORTRAIT_PRINT_HEIGHT))?;

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
        &OVERDUE_WIDTHS,
    )?;
    if s.overdue.is_empty() {
        let last = (OVERDUE_WIDTHS.len() - 1) as u16;
        ws.merge_range(
            FIRST_DATA_ROW,
            0,
            FIRST_DATA_ROW,
            last,
            l.pick("Không có ý kiến quá hạn", "No overdue petitions"),
            &f.center,
        )?;
        ws.set_row_height(FIRST_DATA_ROW, line_height(LIST_FONT) + 4.0)?;
    }
    for (i, o) in s.overdue.iter().enumerate() {
        let y = FIRST_DATA_ROW + i as u32;
        let number = o.register_no.map(|n| n.to_string()).unwrap_or_default();
        ws.write_number_with_format(y, 0, (i + 1) as f64, &f.center)?;
        ws.write_string_with_format(y, 1, &number, &f.center)?;
        ws.write_string_with_format(y, 2, &o.content, &f.text)?;
        ws.write_string_with_format(y, 3, &o.reason, &f.text)?;
        ws.write_datetime_with_format(y, 4, excel_date(o.due)?, &f.date)?;
        ws.write_number_with_format(y, 5, o.days_late as f64, &f.center)?;
        ws.write_string_with_format(y, 6, &o.body, &f.text)?;
        let texts = [
            (i + 1).to_string(),
            number,
            o.content.clone(),
            o.reason.clone(),
            format_date(o.due),
            o.days_late.to_string(),
            o.body.clone(),
        ];
        fit_row(ws, y, &texts, &OVERDUE_WIDTHS)?;
    }
    page_setup(ws, l)?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_before_a_table_that_would_split() {
        // 600 pt used; a 200 pt table does not fit in a 728 pt page: it starts the next.
        assert_eq!(table_breaks(&[(20, 200.0)], 600.0, 728.0), vec![20]);
        // It fits: no break.
        assert_eq!(
            table_breaks(&[(20, 100.0)], 600.0, 728.0),
            Vec::<u32>::new()
        );
        // The second of two tables goes over.
        assert_eq!(
            table_breaks(&[(20, 100.0), (30, 100.0)], 600.0, 728.0),
            vec![30]
        );
        // A table longer than a page starts on its own and runs on.
        assert_eq!(
            table_breaks(&[(20, 1000.0), (60, 100.0)], 300.0, 728.0),
            vec![20]
        );
    }

    #[test]
    fn rows_grow_with_their_text() {
        let one = row_height(&[("Đèn hỏng", 24.0)], LIST_FONT, false);
        let long = "Đèn đường ngõ 12 hỏng hai tháng nay, tối không đi lại được, đề nghị thay";
        let three = row_height(&[(long, 24.0)], LIST_FONT, false);
        assert!(three >= one + 2.0 * line_height(LIST_FONT), "{one} {three}");
        // Line breaks count too.
        let two = row_height(&[("a\nb", 24.0)], LIST_FONT, false);
        assert!(two > one);
    }

    #[test]
    fn no_heading_breaks_inside_a_word() {
        for l in [Lang::Vi, Lang::En] {
            let sheets: [(&[&str], &[f64]); 3] = [
                (&register_headings(l), &REGISTER_WIDTHS),
                (&summary_headings(l), &SUMMARY_WIDTHS),
                (&overdue_headings(l), &OVERDUE_WIDTHS),
            ];
            for (heads, widths) in sheets {
                for (h, w) in heads.iter().zip(widths) {
                    let word = metrics::longest_word(h, LIST_FONT, true);
                    assert!(
                        word <= text_room(*w),
                        "{h}: {word} pt in {} pt",
                        text_room(*w)
                    );
                }
            }
        }
    }

    #[test]
    fn the_list_sheets_print_at_9_pt_or_more() {
        // A4 landscape inside the margins, in points.
        let page = (297.0 - 30.0 - 15.0) / 25.4 * 72.0;
        for widths in [&REGISTER_WIDTHS[..], &SUMMARY_WIDTHS, &OVERDUE_WIDTHS] {
            for width in [column_points, libreoffice_column_points] {
                let total: f64 = widths.iter().map(|w| width(*w)).sum();
                let scale = (page / total).min(1.0);
                assert!(LIST_FONT * scale >= 9.4, "{total} pt: {scale}");
            }
        }
    }
}
