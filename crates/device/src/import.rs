//! Importing the petitions an office already keeps in a spreadsheet: an XLSX (read with
//! calamine) or a CSV (the csv crate; UTF-8, with or without a byte-order mark, separated by
//! commas, semicolons or tabs), in the 12 columns of Mẫu 03 or a free list with Vietnamese
//! headings, with or without diacritics. What `doithoai import` and the web UI's *Nhập từ Excel*
//! both call.
//!
//! 1. [`read_table`] finds the heading row (the first of the first 15 rows in which at least two
//!    headings are recognised; a row of column numbers "(1) (2) …" under it is skipped) and
//!    keeps every row below it with its row number as the spreadsheet shows it.
//! 2. [`guess_mapping`] maps each column to a petition's field from its heading; the clerk may
//!    change the mapping.
//! 3. [`App::import_preview`] turns every row into a petition with the same rules as a typed one
//!    ([`NewPetition::build`]) and lists each row's errors by row number. Nothing is written.
//! 4. [`App::import_apply`] writes only when no row has an error: the petitions in the office
//!    desk's intake (one change per volume), and those with a register number entered in the
//!    register on their own received date with that number (one change of the handling document).
//!
//! Importing the same file twice adds nothing: a row's petition id is derived from the row
//! (a UUID v5 of the ward and the register number, or, without one, of the date, the name and
//! the content), so the second time every row is found already imported.

use std::collections::BTreeMap;

use calamine::{Data, Reader};
use chrono::{NaiveDate, NaiveTime};
use doithoai_model::handling::{self, Receipt, RegisterNo};
use doithoai_model::text::fold;
use doithoai_model::{
    ChangeMeta, Lang, Localize, NewPetition, Petition, PetitionKind, Registry, Resident,
    ValidationError, intake,
};
use doithoai_sync::{change, read};
use uuid::Uuid;

use crate::app::{App, AppError};
use crate::office_app::OfficeError;

/// The most rows one import takes.
pub const MAX_ROWS: usize = 20_000;
/// The largest file one import takes.
pub const MAX_BYTES: usize = 20 << 20;

/// Why a file cannot be imported at all (a row's own errors are [`RowError`]s).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Office(#[from] OfficeError),
    #[error("unsupported file type {0:?}")]
    FileType(String),
    #[error("cannot read the spreadsheet: {0}")]
    Unreadable(String),
    #[error("the CSV file is not UTF-8")]
    NotUtf8,
    #[error("no heading row found")]
    NoHeadings,
    #[error("the file is empty")]
    Empty,
    #[error("too many rows ({0})")]
    TooManyRows(usize),
    #[error("file too large")]
    TooLarge,
    #[error("the mapping has {got} columns, the file {want}")]
    Mapping { got: usize, want: usize },
    #[error("no column holds the content")]
    NoContent,
    #[error("{0} rows have errors; nothing was imported")]
    Refused(usize),
    #[error("this device has no collection point (the office desk) to import into")]
    NoDesk,
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::Office(OfficeError::App(e))
    }
}
impl From<doithoai_sync::SyncError> for ImportError {
    fn from(e: doithoai_sync::SyncError) -> Self {
        ImportError::Office(e.into())
    }
}
impl From<doithoai_model::DocError> for ImportError {
    fn from(e: doithoai_model::DocError) -> Self {
        ImportError::Office(e.into())
    }
}
impl From<doithoai_store::StoreError> for ImportError {
    fn from(e: doithoai_store::StoreError) -> Self {
        ImportError::Office(e.into())
    }
}
impl From<handling::HandlingError> for ImportError {
    fn from(e: handling::HandlingError) -> Self {
        ImportError::Office(e.into())
    }
}

impl Localize for ImportError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (ImportError::Office(e), l) => e.localize(l),
            (ImportError::FileType(n), Lang::Vi) => format!(
                "Tệp «{n}» không phải bảng tính Excel (.xlsx) hay CSV (.csv). Hãy mở tệp bằng Excel và lưu lại dưới dạng .xlsx."
            ),
            (ImportError::FileType(n), Lang::En) => format!(
                "{n:?} is neither an Excel workbook (.xlsx) nor a CSV file (.csv). Open it in Excel and save it as .xlsx."
            ),
            (ImportError::Unreadable(e), Lang::Vi) => {
                format!("Không đọc được bảng tính ({e}). Tệp có thể bị hỏng hoặc có mật khẩu.")
            }
            (ImportError::Unreadable(e), Lang::En) => format!(
                "Cannot read the spreadsheet ({e}). The file may be damaged or password-protected."
            ),
            (ImportError::NotUtf8, Lang::Vi) => "Tệp CSV không được lưu theo bảng mã UTF-8 nên chữ có dấu sẽ sai. Trong Excel, chọn Lưu thành → «CSV UTF-8», hoặc nhập thẳng tệp .xlsx.".into(),
            (ImportError::NotUtf8, Lang::En) => "The CSV file is not saved as UTF-8, so Vietnamese letters would come out wrong. In Excel, Save As → \"CSV UTF-8\", or import the .xlsx itself.".into(),
            (ImportError::NoHeadings, Lang::Vi) => "Không tìm thấy dòng tiêu đề cột (ví dụ: «Họ tên», «Nội dung», «Ngày tiếp nhận») trong 15 dòng đầu của bảng tính.".into(),
            (ImportError::NoHeadings, Lang::En) => "No heading row (such as \"Họ tên\", \"Nội dung\", \"Ngày tiếp nhận\") in the first 15 rows of the sheet.".into(),
            (ImportError::Empty, Lang::Vi) => "Bảng tính không có dòng dữ liệu nào dưới dòng tiêu đề.".into(),
            (ImportError::Empty, Lang::En) => "The sheet has no data rows under its headings.".into(),
            (ImportError::TooManyRows(n), Lang::Vi) => format!(
                "Bảng tính có {n} dòng, quá {MAX_ROWS} dòng một lần nhập. Hãy tách thành nhiều tệp."
            ),
            (ImportError::TooManyRows(n), Lang::En) => format!(
                "The sheet has {n} rows, more than {MAX_ROWS} at once. Split it into several files."
            ),
            (ImportError::TooLarge, Lang::Vi) => format!("Tệp lớn hơn {} MB.", MAX_BYTES >> 20),
            (ImportError::TooLarge, Lang::En) => format!("The file is over {} MB.", MAX_BYTES >> 20),
            (ImportError::Mapping { got, want }, Lang::Vi) => format!(
                "Cách ghép cột có {got} cột nhưng bảng tính có {want} cột."
            ),
            (ImportError::Mapping { got, want }, Lang::En) => {
                format!("The column mapping has {got} columns, the sheet {want}.")
            }
            (ImportError::NoContent, Lang::Vi) => "Chưa có cột nào được ghép với «Nội dung»: hãy chọn cột chứa nội dung ý kiến.".into(),
            (ImportError::NoContent, Lang::En) => "No column is mapped to \"Content\": choose the column that holds the petitions' content.".into(),
            (ImportError::Refused(n), Lang::Vi) => format!(
                "{n} dòng có lỗi (xem danh sách theo số dòng); chưa nhập gì. Hãy sửa các dòng đó trong tệp rồi nhập lại."
            ),
            (ImportError::Refused(n), Lang::En) => format!(
                "{n} rows have errors (listed by row number); nothing was imported. Fix those rows in the file and import again."
            ),
            (ImportError::NoDesk, Lang::Vi) => "Máy này không gắn với bàn tiếp nhận của văn phòng (điểm tiếp nhận loại office) nên không có sổ để nhập ý kiến vào. Nhờ quản trị máy chủ thêm máy văn phòng có điểm tiếp nhận (doithoai-server device add --role office --point <mã điểm văn phòng> …).".into(),
            (ImportError::NoDesk, Lang::En) => "This device is not the office's reception desk (a collection point of kind office), so it has no intake register to import into. Ask the server admin for an office device with the office's point (doithoai-server device add --role office --point <office point> …).".into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What a column may hold
// ---------------------------------------------------------------------------------------------

/// The petition field a column is imported into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Ignore,
    RegisterNo,
    Date,
    NameAddress,
    Name,
    Address,
    Tdp,
    Phone,
    IdNumber,
    Content,
    Request,
    Kind,
    Field,
    People,
    Place,
    /// (8) The body that already handled it.
    Prior,
    /// (9) Accepted for handling: the department (and deadline), or answered on the spot.
    Accepted,
    /// (10) Returned with guidance: to whom, letter number.
    Guided,
    /// (11) Forwarded: to whom, letter number.
    Forwarded,
    /// (12) Tracking of the result: the answer of an accepted petition.
    Tracking,
}

impl Target {
    pub const ALL: [Target; 20] = [
        Target::Ignore,
        Target::RegisterNo,
        Target::Date,
        Target::NameAddress,
        Target::Name,
        Target::Address,
        Target::Tdp,
        Target::Phone,
        Target::IdNumber,
        Target::Content,
        Target::Request,
        Target::Kind,
        Target::Field,
        Target::People,
        Target::Place,
        Target::Prior,
        Target::Accepted,
        Target::Guided,
        Target::Forwarded,
        Target::Tracking,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Target::Ignore => "ignore",
            Target::RegisterNo => "register_no",
            Target::Date => "date",
            Target::NameAddress => "name_address",
            Target::Name => "name",
            Target::Address => "address",
            Target::Tdp => "tdp",
            Target::Phone => "phone",
            Target::IdNumber => "id_number",
            Target::Content => "content",
            Target::Request => "request",
            Target::Kind => "kind",
            Target::Field => "field",
            Target::People => "people",
            Target::Place => "place",
            Target::Prior => "prior",
            Target::Accepted => "accepted",
            Target::Guided => "guided",
            Target::Forwarded => "forwarded",
            Target::Tracking => "tracking",
        }
    }

    /// A code, or a label in either language with or without diacritics.
    pub fn parse(s: &str) -> Option<Target> {
        let f = fold(s).replace([' ', '-'], "_");
        Target::ALL.into_iter().find(|t| {
            t.code() == f
                || fold(t.label(Lang::Vi)).replace([' ', '-'], "_") == f
                || fold(t.label(Lang::En)).replace([' ', '-'], "_") == f
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Target::Ignore => lang.pick("Không nhập", "Not imported"),
            Target::RegisterNo => lang.pick("Số vào sổ", "Register number"),
            Target::Date => lang.pick("Ngày tiếp nhận", "Date received"),
            Target::NameAddress => lang.pick("Họ tên, địa chỉ", "Name and address"),
            Target::Name => lang.pick("Họ tên", "Name"),
            Target::Address => lang.pick("Địa chỉ", "Address"),
            Target::Tdp => lang.pick("Tổ dân phố", "Residential group"),
            Target::Phone => lang.pick("Số điện thoại", "Phone"),
            Target::IdNumber => lang.pick("Số CCCD/CMND", "ID card number"),
            Target::Content => lang.pick("Nội dung", "Content"),
            Target::Request => lang.pick("Đề nghị", "Request"),
            Target::Kind => lang.pick("Phân loại", "Type"),
            Target::Field => lang.pick("Lĩnh vực", "Field"),
            Target::People => lang.pick("Số người", "People"),
            Target::Place => lang.pick("Địa điểm", "Place"),
            Target::Prior => lang.pick("Cơ quan đã giải quyết", "Body that already handled it"),
            Target::Accepted => {
                lang.pick("Thụ lý (bộ phận, hạn)", "Accepted (department, deadline)")
            }
            Target::Guided => lang.pick("Trả lại đơn và hướng dẫn", "Returned with guidance"),
            Target::Forwarded => lang.pick("Chuyển đơn", "Forwarded"),
            Target::Tracking => lang.pick("Theo dõi kết quả", "Tracking of the result"),
        }
    }

    /// What the import does with a column mapped to this field, for the preview.
    pub fn explain(self, lang: Lang) -> &'static str {
        match self {
            Target::Ignore => lang.pick(
                "Không nhập: cột này bị bỏ qua.",
                "Not imported: this column is left out.",
            ),
            Target::RegisterNo => lang.pick(
                "Vào sổ với số này, vào ngày tiếp nhận của dòng.",
                "Entered in the register with this number, on the row's date.",
            ),
            Target::Date => lang.pick(
                "Ngày ghi nhận và ngày vào sổ.",
                "The day recorded and the day received.",
            ),
            Target::Prior => lang.pick(
                "Ghi vào phân loại của ý kiến (cơ quan đã giải quyết); chỉ ở dòng có số vào sổ.",
                "Kept in the petition's classification (body that handled it before); rows with a register number only.",
            ),
            Target::Accepted => lang.pick(
                "Thụ lý: giao bộ phận có tên trong ô (hạn là ngày trong ô, hoặc 10 ngày làm việc); «Trả lời tại chỗ» ghi là đã trả lời tại chỗ; «x» chỉ ghi đã thụ lý. Chỉ ở dòng có số vào sổ.",
                "Accepted: assigned to the department the cell names (the deadline is the date in the cell, or 10 working days); «Trả lời tại chỗ» is recorded as answered on the spot; «x» only marks it accepted. Rows with a register number only.",
            ),
            Target::Guided => lang.pick(
                "Ghi là đã trả lại đơn và hướng dẫn: nơi được hướng dẫn, số văn bản («số …»), ngày trong ô. Chỉ ở dòng có số vào sổ.",
                "Recorded as returned with guidance: to whom, the letter number («số …»), the date in the cell. Rows with a register number only.",
            ),
            Target::Forwarded => lang.pick(
                "Ghi là đã chuyển đơn: nơi nhận, số văn bản («số …»), ngày trong ô. Chỉ ở dòng có số vào sổ.",
                "Recorded as forwarded: to whom, the letter number («số …»), the date in the cell. Rows with a register number only.",
            ),
            Target::Tracking => lang.pick(
                "Ghi là nội dung trả lời của ý kiến đã thụ lý (giao bộ phận hoặc trả lời tại chỗ); ở dòng chưa thụ lý thì không nhập.",
                "Recorded as the answer of an accepted petition (assigned, or answered on the spot); not imported on rows not accepted.",
            ),
            _ => lang.pick(
                "Ghi vào ý kiến, như khi nhập tay.",
                "Written into the petition, as when typed.",
            ),
        }
    }
}

/// The field a heading names (folded: no diacritics, lower case); `register_form` when the
/// sheet is the register (Mẫu 03), whose "STT" is the register number.
fn guess(heading: &str, register_form: bool) -> Target {
    let h = fold(heading);
    let h = h.trim();
    let has = |w: &str| h.contains(w);
    if h.is_empty() {
        return Target::Ignore;
    }
    if has("so vao so") || has("so so") || (register_form && (h == "stt" || h == "so tt")) {
        return Target::RegisterNo;
    }
    if h == "stt" || h == "tt" || h == "so tt" || h == "so thu tu" {
        return Target::Ignore;
    }
    // Mẫu 03's columns 8 to 12.
    if has("theo doi") || has("ket qua") {
        return Target::Tracking;
    }
    if has("thu ly") {
        return Target::Accepted;
    }
    if has("huong dan") || has("tra lai don") {
        return Target::Guided;
    }
    if has("chuyen don") {
        return Target::Forwarded;
    }
    if has("da giai quyet") || has("da xu ly") {
        return Target::Prior;
    }
    if has("ho ten") && has("dia chi") || has("ho va ten") && has("dia chi") {
        return Target::NameAddress;
    }
    if has("cccd") || has("cmnd") || has("can cuoc") || has("chung minh") {
        return Target::IdNumber;
    }
    if has("ho ten")
        || has("ho va ten")
        || has("nguoi kien nghi")
        || has("nguoi phan anh")
        || h == "ten"
        || has("nguoi dan") && !has("noi dung")
    {
        return Target::Name;
    }
    if has("dien thoai") || h == "sdt" || has("so dt") {
        return Target::Phone;
    }
    if has("to dan pho") || h == "tdp" || h.starts_with("to ") || h == "to" || has("khu pho") {
        return Target::Tdp;
    }
    if has("dia chi") {
        return Target::Address;
    }
    if has("so nguoi") {
        return Target::People;
    }
    if has("ngay") {
        return Target::Date;
    }
    if has("linh vuc") {
        return Target::Field;
    }
    if has("phan loai") || h == "loai" || has("loai don") || has("hinh thuc") {
        return Target::Kind;
    }
    if has("de nghi") || has("yeu cau") || has("nguyen vong") {
        return Target::Request;
    }
    if has("noi dung") || has("tom tat") || has("y kien") || has("kien nghi") || has("phan anh") {
        return Target::Content;
    }
    if has("dia diem") || h == "noi" || has("vi tri") {
        return Target::Place;
    }
    Target::Ignore
}

/// The mapping guessed from a sheet's headings: each column's field; a field named by two
/// headings goes to the first only.
pub fn guess_mapping(headings: &[String]) -> Vec<Target> {
    let folded: Vec<String> = headings.iter().map(|h| fold(h)).collect();
    let register_form = folded.iter().any(|h| h.contains("ngay tiep nhan"))
        && folded
            .iter()
            .any(|h| h.contains("tom tat") || h.contains("theo doi"));
    let mut seen = std::collections::BTreeSet::new();
    headings
        .iter()
        .map(|h| {
            let t = guess(h, register_form);
            if t != Target::Ignore && !seen.insert(t) {
                Target::Ignore
            } else {
                t
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading the file
// ---------------------------------------------------------------------------------------------

/// A cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Cell {
    /// The cell as text (a whole number without ".0", a date as dd/mm/yyyy).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => doithoai_model::time::format_date(*d),
        }
    }
    fn is_empty(&self) -> bool {
        self.text().is_empty()
    }
}

/// A sheet read from a file: its headings and its rows, each with the row number the
/// spreadsheet shows (1 is the first row; a CSV's line).
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub heading_row: u32,
    pub headings: Vec<String>,
    pub rows: Vec<(u32, Vec<Cell>)>,
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => Cell::Date(t.date()),
            None => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => {
            match NaiveDate::parse_from_str(&s[..s.len().min(10)], "%Y-%m-%d") {
                Ok(d) => Cell::Date(d),
                Err(_) => Cell::Text(s.clone()),
            }
        }
        Data::DurationIso(s) => Cell::Text(s.clone()),
    }
}

/// A row of column numbers under the headings: "(1)", "(2)"… or 1, 2, 3…
fn is_number_row(cells: &[Cell]) -> bool {
    let texts: Vec<String> = cells
        .iter()
        .map(Cell::text)
        .filter(|t| !t.is_empty())
        .collect();
    texts.len() >= 3
        && texts
            .iter()
            .enumerate()
            .all(|(i, t)| t.trim_matches(|c| c == '(' || c == ')') == (i + 1).to_string())
}

fn table_of(sheet: String, grid: Vec<(u32, Vec<Cell>)>) -> Result<Table, ImportError> {
    let heading_at = grid.iter().take(15).position(|(_, cells)| {
        let heads: Vec<String> = cells.iter().map(Cell::text).collect();
        heads
            .iter()
            .filter(|h| guess(h, false) != Target::Ignore)
            .count()
            >= 2
    });
    let Some(at) = heading_at else {
        return Err(ImportError::NoHeadings);
    };
    let (heading_row, head_cells) = grid[at].clone();
    let width = grid
        .iter()
        .map(|(_, c)| c.iter().rposition(|x| !x.is_empty()).map_or(0, |i| i + 1))
        .max()
        .unwrap_or(0)
        .max(head_cells.len());
    let mut headings: Vec<String> = head_cells
        .iter()
        .map(|c| c.text().replace('\n', " "))
        .collect();
    headings.resize(width, String::new());
    let mut rows: Vec<(u32, Vec<Cell>)> = Vec::new();
    for (i, (n, mut cells)) in grid.into_iter().enumerate().skip(at + 1) {
        if i == at + 1 && is_number_row(&cells) {
            continue;
        }
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        cells.resize(width, Cell::Empty);
        rows.push((n, cells));
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    if rows.len() > MAX_ROWS {
        return Err(ImportError::TooManyRows(rows.len()));
    }
    Ok(Table {
        sheet,
        heading_row,
        headings,
        rows,
    })
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ImportError> {
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let mut last = ImportError::Empty;
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| ImportError::Unreadable(e.to_string()))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let grid: Vec<(u32, Vec<Cell>)> = range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                let mut cells = vec![Cell::Empty; c0 as usize];
                cells.extend(row.iter().map(cell_of));
                (r0 + i as u32 + 1, cells)
            })
            .collect();
        match table_of(name.clone(), grid) {
            Ok(t) => return Ok(t),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn read_csv(bytes: &[u8]) -> Result<Table, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let sep = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|s| first.bytes().filter(|b| b == s).count())
        .unwrap_or(b',');
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| ImportError::Unreadable(e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line() as u32);
        let cells = rec
            .iter()
            .map(|s| {
                // ="0123…" (how CSV exports keep an ID card's leading zero) and a leading
                // apostrophe (a guard against formulas) are taken off.
                let s = s.trim();
                let s = s
                    .strip_prefix("=\"")
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(s);
                let s = s.strip_prefix('\'').unwrap_or(s);
                if s.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s.to_owned())
                }
            })
            .collect();
        grid.push((line, cells));
        if grid.len() > MAX_ROWS + 20 {
            return Err(ImportError::TooManyRows(grid.len()));
        }
    }
    table_of("CSV".into(), grid)
}

/// Reads the first sheet with recognisable headings of an XLSX (or XLS, ODS) file, or a CSV
/// file, told apart by its name's extension (and an XLSX's zip signature).
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, ImportError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooLarge);
    }
    let ext = std::path::Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(bytes),
        "csv" | "txt" | "tsv" => read_csv(bytes),
        _ if bytes.starts_with(b"PK") => read_xlsx(bytes),
        _ => Err(ImportError::FileType(file_name.to_owned())),
    }
}

// ---------------------------------------------------------------------------------------------
// Rows into petitions
// ---------------------------------------------------------------------------------------------

/// What is wrong with one row.
#[derive(Debug, Clone)]
pub enum RowError {
    /// The petition breaks a rule of a typed one.
    Invalid(ValidationError),
    BadRegisterNo(String),
    /// A register number without a year, in a row without a date.
    NoYear(String),
    /// The number is held by another petition already.
    NumberTaken {
        no: RegisterNo,
        holder: String,
    },
    /// Another row of the file has the same number.
    NumberInFile {
        no: RegisterNo,
        row: u32,
    },
    /// Received before it was collected, or in the future.
    FutureDate(NaiveDate),
    /// The "accepted" cell names no department of the ward.
    UnknownDepartment(String),
    /// A complaint or denunciation marked as accepted for ordinary handling.
    FlaggedAccepted(PetitionKind),
    /// More than one of accepted, guided, forwarded.
    SeveralOutcomes,
    /// A date in a handling column before the row's date received.
    BeforeReceipt {
        what: Target,
        date: NaiveDate,
    },
}

impl Localize for RowError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (RowError::Invalid(e), l) => e.localize(l),
            (RowError::BadRegisterNo(s), Lang::Vi) => {
                format!("Số vào sổ «{s}» không hợp lệ (ví dụ: 17 hoặc 17/2026).")
            }
            (RowError::BadRegisterNo(s), Lang::En) => {
                format!("Register number {s:?} is not valid (e.g. 17 or 17/2026).")
            }
            (RowError::NoYear(s), Lang::Vi) => {
                format!("Số vào sổ «{s}» không có năm và dòng này không có ngày tiếp nhận.")
            }
            (RowError::NoYear(s), Lang::En) => {
                format!("Register number {s:?} has no year and the row has no date received.")
            }
            (RowError::NumberTaken { no, holder }, Lang::Vi) => {
                format!("Số vào sổ {no} đã được cấp cho ý kiến khác ({holder}).")
            }
            (RowError::NumberTaken { no, holder }, Lang::En) => {
                format!("Register number {no} is already another petition's ({holder}).")
            }
            (RowError::NumberInFile { no, row }, Lang::Vi) => {
                format!("Số vào sổ {no} trùng với dòng {row} của tệp.")
            }
            (RowError::NumberInFile { no, row }, Lang::En) => {
                format!("Register number {no} is also on row {row} of the file.")
            }
            (RowError::FutureDate(d), Lang::Vi) => format!(
                "Ngày {} ở tương lai.",
                doithoai_model::time::format_date(*d)
            ),
            (RowError::FutureDate(d), Lang::En) => format!(
                "The date {} is in the future.",
                doithoai_model::time::format_date(*d)
            ),
            (RowError::UnknownDepartment(v), Lang::Vi) => format!(
                "Cột «Thụ lý» ghi «{v}», không phải tên bộ phận nào của phường (hoặc ghi «x» nếu chỉ đánh dấu đã thụ lý, «Trả lời tại chỗ» nếu đã trả lời tại chỗ)."
            ),
            (RowError::UnknownDepartment(v), Lang::En) => format!(
                "The «Accepted» column says {v:?}, which is no department of the ward (or write «x» to only mark it accepted, «Trả lời tại chỗ» for answered on the spot)."
            ),
            (RowError::FlaggedAccepted(k), Lang::Vi) => format!(
                "Đơn {} không được thụ lý giao xử lý như kiến nghị thông thường: ghi vào cột chuyển đơn hoặc trả lại đơn và hướng dẫn.",
                k.label(Lang::Vi).to_lowercase()
            ),
            (RowError::FlaggedAccepted(k), Lang::En) => format!(
                "A {} is not accepted for ordinary handling: fill the forwarded or returned-with-guidance column instead.",
                k.label(Lang::En).to_lowercase()
            ),
            (RowError::SeveralOutcomes, Lang::Vi) => "Dòng ghi cùng lúc nhiều cách xử lý (thụ lý, trả lại đơn và hướng dẫn, chuyển đơn): chỉ giữ một.".into(),
            (RowError::SeveralOutcomes, Lang::En) => "The row records several outcomes at once (accepted, returned with guidance, forwarded): keep one.".into(),
            (RowError::BeforeReceipt { what, date }, l) => match l {
                Lang::Vi => format!(
                    "Ngày {} ở cột «{}» trước ngày tiếp nhận.",
                    doithoai_model::time::format_date(*date),
                    what.label(l)
                ),
                Lang::En => format!(
                    "The date {} in the «{}» column is before the date received.",
                    doithoai_model::time::format_date(*date),
                    what.label(l)
                ),
            },
        }
    }
}

/// What becomes of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// A new petition.
    New,
    /// Imported before (the same petition id is here already).
    Imported,
    /// The same petition as an earlier row of the file: imported once.
    Repeat(u32),
    /// Has errors.
    Invalid,
}

/// One row of the preview.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The row number as the spreadsheet shows it.
    pub row: u32,
    pub state: RowState,
    pub errors: Vec<RowError>,
    /// The petition it becomes (when valid).
    pub petition: Option<Petition>,
    pub register_no: Option<RegisterNo>,
    pub received: Option<NaiveDate>,
    /// The row's cells as text, for the preview.
    pub cells: Vec<String>,
    /// What Mẫu 03's columns 8 to 12 record, entered in the handling with the receipt.
    pub handling: Option<RowHandling>,
    /// The tracking cell of a row not accepted: not imported (counted in the preview).
    pub tracking_ignored: bool,
}

/// How a row's petition was handled, as the register's columns 8 to 12 say.
#[derive(Debug, Clone, Default)]
pub struct RowHandling {
    /// (8)
    pub prior: String,
    /// (9): accepted (classified within the ward's competence), and assigned when the cell
    /// names a department.
    pub accepted: bool,
    pub department: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub on_spot: bool,
    /// (10) or (11)
    pub forward: Option<handling::ForwardInput>,
    /// (12), for an accepted row: the answer, and its date when the cell has one.
    pub answer: Option<(String, Option<NaiveDate>)>,
}

impl HandlingCounts {
    /// One sentence for the preview; `None` when the file's handling columns do nothing.
    pub fn describe(&self, lang: Lang) -> Option<String> {
        if *self == HandlingCounts::default() {
            return None;
        }
        let mut parts = Vec::new();
        let mut say = |n: usize, vi: &str, en: &str| {
            if n > 0 {
                parts.push(match lang {
                    Lang::Vi => format!("{n} {vi}"),
                    Lang::En => format!("{n} {en}"),
                });
            }
        };
        say(self.classified, "ý kiến được phân loại", "classified");
        say(self.assigned, "giao xử lý", "assigned");
        say(self.on_spot, "trả lời tại chỗ", "answered on the spot");
        say(
            self.forwarded,
            "chuyển đơn hoặc trả lại và hướng dẫn",
            "forwarded or returned with guidance",
        );
        say(self.answered, "có kết quả trả lời", "with an answer");
        let mut s = match lang {
            Lang::Vi => format!("Các cột xử lý (8–12 của Mẫu 03): {}.", parts.join(", ")),
            Lang::En => format!(
                "The handling columns (8–12 of Mẫu 03): {}.",
                parts.join(", ")
            ),
        };
        if parts.is_empty() {
            s.clear();
        }
        if self.tracking_ignored > 0 {
            s.push_str(&match lang {
                Lang::Vi => format!(
                    " Cột «Theo dõi kết quả» không nhập ở {} dòng chưa thụ lý (chưa giao bộ phận).",
                    self.tracking_ignored
                ),
                Lang::En => format!(
                    " The «Tracking of the result» column is not imported on {} rows not accepted (no department).",
                    self.tracking_ignored
                ),
            });
        }
        if self.unnumbered_ignored > 0 {
            s.push_str(&match lang {
                Lang::Vi => format!(
                    " {} dòng không có số vào sổ: vào hộp thư chờ vào sổ, các cột xử lý của chúng không nhập.",
                    self.unnumbered_ignored
                ),
                Lang::En => format!(
                    " {} rows have no register number: they wait in the inbox, their handling columns are not imported.",
                    self.unnumbered_ignored
                ),
            });
        }
        Some(s.trim().to_owned())
    }
}

/// How many rows of the file the handling columns take effect on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HandlingCounts {
    pub classified: usize,
    pub assigned: usize,
    pub on_spot: usize,
    pub forwarded: usize,
    pub answered: usize,
    /// Tracking cells of rows not accepted, not imported.
    pub tracking_ignored: usize,
    /// Handling cells of rows without a register number (they stay in the inbox).
    pub unnumbered_ignored: usize,
}

/// What an import would do: the sheet, the mapping, every row.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    pub file: String,
    pub sheet: String,
    pub heading_row: u32,
    pub headings: Vec<String>,
    pub mapping: Vec<Target>,
    pub rows: Vec<ImportRow>,
}

impl ImportPreview {
    pub fn count(&self, state: RowState) -> usize {
        self.rows
            .iter()
            .filter(|r| match (state, r.state) {
                (RowState::Repeat(_), RowState::Repeat(_)) => true,
                (a, b) => a == b,
            })
            .count()
    }
    pub fn invalid(&self) -> Vec<&ImportRow> {
        self.rows
            .iter()
            .filter(|r| r.state == RowState::Invalid)
            .collect()
    }
    /// The rows that would be written.
    pub fn new_rows(&self) -> impl Iterator<Item = &ImportRow> {
        self.rows.iter().filter(|r| r.state == RowState::New)
    }
    /// What the handling columns (8 to 12) do, over the rows to import.
    pub fn handling_counts(&self) -> HandlingCounts {
        let mut c = HandlingCounts::default();
        for r in self.rows.iter().filter(|r| r.state == RowState::New) {
            if r.tracking_ignored {
                c.tracking_ignored += 1;
            }
            let Some(h) = &r.handling else { continue };
            if r.register_no.is_none() {
                c.unnumbered_ignored += 1;
                continue;
            }
            c.classified += 1;
            if h.department.is_some() {
                c.assigned += 1;
            }
            if h.on_spot {
                c.on_spot += 1;
            }
            if h.forward.is_some() {
                c.forwarded += 1;
            }
            if h.answer.is_some() {
                c.answered += 1;
            }
        }
        c
    }
}

/// What an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportOutcome {
    pub added: usize,
    pub registered: usize,
    pub already: usize,
    pub repeats: usize,
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The namespace of imported petitions' ids.
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:doithoai:import:v1")
}

/// A row's petition id: the same row gives the same id on every import, on every office device.
pub fn row_id(
    ward: &str,
    no: Option<RegisterNo>,
    date: Option<NaiveDate>,
    name: &str,
    content: &str,
) -> Uuid {
    let key = match no {
        Some(no) => format!("{ward}\u{1f}no\u{1f}{}/{}", no.year, no.number),
        None => format!(
            "{ward}\u{1f}row\u{1f}{}\u{1f}{}\u{1f}{}",
            date.map(|d| d.to_string()).unwrap_or_default(),
            fold(&squash(name)),
            fold(&squash(content))
        ),
    };
    Uuid::new_v5(&namespace(), key.as_bytes())
}

/// A date cell: a real date, a dd/mm/yyyy text, or a spreadsheet serial number.
fn date_of(c: &Cell) -> Result<Option<NaiveDate>, ValidationError> {
    match c {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Number(n) if (30000.0..80000.0).contains(n) => {
            Ok(NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|b| b.checked_add_days(chrono::Days::new(*n as u64))))
        }
        other => {
            let t = other.text();
            if t.is_empty() {
                return Ok(None);
            }
            // "05/11/2026 08:30": the date part.
            let first = t.split_whitespace().next().unwrap_or("");
            doithoai_model::time::parse_date(first).map(Some)
        }
    }
}

/// An ID card number cell: a number lost its leading zero in Excel (CCCD numbers begin with 0).
fn id_number_of(c: &Cell) -> String {
    let t = c.text().replace([' ', '.'], "");
    if matches!(c, Cell::Number(_)) && matches!(t.len(), 8 | 11) {
        format!("0{t}")
    } else {
        t
    }
}

/// The type and (in brackets, as the register writes it) the field.
fn kind_of(
    s: &str,
    reg: &Registry,
) -> Result<(Option<PetitionKind>, Option<String>), ValidationError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok((None, None));
    }
    let (k, f) = match t.split_once('(') {
        Some((k, f)) => (k.trim(), Some(f.trim_end_matches(')').trim())),
        None => (t, None),
    };
    let kind = PetitionKind::parse(k).or_else(|| {
        let fk = fold(k);
        PetitionKind::ALL
            .into_iter()
            .find(|x| fk.starts_with(&fold(x.label(Lang::Vi))))
    });
    let Some(kind) = kind else {
        return Err(ValidationError::UnknownKind {
            value: t.to_owned(),
        });
    };
    let field = f.and_then(|f| reg.find_field(f)).map(|f| f.code.clone());
    Ok((Some(kind), field))
}

/// The cell of the column mapped to `t`.
fn column<'a>(cells: &'a [Cell], mapping: &[Target], t: Target) -> Option<&'a Cell> {
    mapping
        .iter()
        .position(|m| *m == t)
        .and_then(|i| cells.get(i))
}

struct Built {
    petition: Petition,
    no: Option<RegisterNo>,
    date: Option<NaiveDate>,
    handling: Option<RowHandling>,
    tracking_ignored: bool,
}

/// A handling cell that says nothing: empty, "không", "-", "0".
fn blank(s: &str) -> bool {
    matches!(
        fold(s.trim()).as_str(),
        "" | "-" | "0" | "khong" | "no" | "none"
    )
}

/// The dates written in a cell ("hạn 20/11/2025", "ngày 03/12/2025").
fn dates_in(s: &str) -> Vec<NaiveDate> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'))
        .filter(|w| w.chars().filter(char::is_ascii_digit).count() >= 6)
        .filter_map(|w| doithoai_model::time::parse_date(w.trim_matches('.')).ok())
        .collect()
}

/// "UBND thành phố, số 12/UBND-TCD ngày 05/03/2025": to whom, the letter number, the date.
fn forwarding_of(mode: handling::ForwardMode, s: &str) -> handling::ForwardInput {
    let t = s.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    let mut letter_no = String::new();
    let mut cut = t.len();
    for (i, w) in words.iter().enumerate() {
        let f = fold(w.trim_end_matches([':', ',']));
        if (f == "so" || f == "cv" || f == "vb") && i + 1 < words.len() {
            let next = words[i + 1].trim_matches([',', ';', '.', ')', '(']);
            if next.chars().any(|c| c.is_ascii_digit())
                && doithoai_model::time::parse_date(next).is_err()
            {
                letter_no = next.to_owned();
                if let Some(pos) = t.find(w) {
                    cut = cut.min(pos);
                }
                break;
            }
        }
    }
    for sep in [',', '(', ';'] {
        if let Some(pos) = t.find(sep) {
            cut = cut.min(pos);
        }
    }
    let mut to = t[..cut]
        .trim()
        .trim_end_matches([',', ';', '-'])
        .trim()
        .to_owned();
    // "Văn bản", "ngày" left at the end of the addressee.
    for tail in ["văn bản", "Văn bản", "ngày", "Ngày"] {
        if let Some(x) = to.strip_suffix(tail) {
            to = x.trim().to_owned();
        }
    }
    if to.is_empty() {
        to = t.to_owned();
    }
    handling::ForwardInput {
        mode,
        to,
        letter_no,
        date: dates_in(t).into_iter().next(),
    }
}

/// Mẫu 03's columns 8 to 12 of one row: what was done, checked as far as the row tells
/// (the lifecycle's own checks run again when it is written).
fn handling_of(
    text: &dyn Fn(Target) -> String,
    kind: Option<PetitionKind>,
    date: Option<NaiveDate>,
    reg: &Registry,
    errors: &mut Vec<RowError>,
) -> (Option<RowHandling>, bool) {
    let cell = |t: Target| {
        let v = text(t);
        if blank(&v) { String::new() } else { v }
    };
    let (prior, accepted, guided, forwarded, tracking) = (
        cell(Target::Prior),
        cell(Target::Accepted),
        cell(Target::Guided),
        cell(Target::Forwarded),
        cell(Target::Tracking),
    );
    let mut h = RowHandling {
        prior: prior.clone(),
        ..Default::default()
    };
    let outcomes = [&accepted, &guided, &forwarded]
        .iter()
        .filter(|v| !v.is_empty())
        .count();
    if outcomes > 1 {
        errors.push(RowError::SeveralOutcomes);
    }
    let before_receipt = |what: Target, d: NaiveDate, errors: &mut Vec<RowError>| {
        if date.is_some_and(|r| d < r) {
            errors.push(RowError::BeforeReceipt { what, date: d });
        }
    };
    if !accepted.is_empty() {
        h.accepted = true;
        let f = fold(&accepted);
        if f.contains("tai cho") || f.contains("on the spot") {
            h.on_spot = true;
        } else if matches!(
            f.trim(),
            "x" | "v" | "co" | "yes" | "1" | "✓" | "✔" | "thu ly" | "da thu ly"
        ) {
            // Only marked: accepted, not yet assigned.
        } else {
            // The department: the whole cell, or its part before a comma or "hạn".
            let head = accepted
                .split([',', ';', '('])
                .next()
                .unwrap_or("")
                .split(" hạn")
                .next()
                .unwrap_or("")
                .trim();
            match reg
                .find_department(accepted.trim())
                .or_else(|| reg.find_department(head))
            {
                Some(d) => {
                    h.department = Some(d.id.clone());
                    h.deadline = dates_in(&accepted).into_iter().next();
                    if let Some(d) = h.deadline {
                        before_receipt(Target::Accepted, d, errors);
                    }
                }
                None => errors.push(RowError::UnknownDepartment(accepted.clone())),
            }
        }
        if let Some(k) = kind.filter(|k| k.is_flagged()) {
            errors.push(RowError::FlaggedAccepted(k));
        }
    }
    for (v, mode, what) in [
        (&guided, handling::ForwardMode::Guide, Target::Guided),
        (
            &forwarded,
            handling::ForwardMode::Forward,
            Target::Forwarded,
        ),
    ] {
        if !v.is_empty() {
            let f = forwarding_of(mode, v);
            if let Some(d) = f.date {
                before_receipt(what, d, errors);
            }
            h.forward = Some(f);
        }
    }
    let mut tracking_ignored = false;
    if !tracking.is_empty() {
        if h.department.is_some() || h.on_spot {
            let d = dates_in(&tracking).into_iter().next();
            if let Some(d) = d {
                before_receipt(Target::Tracking, d, errors);
            }
            h.answer = Some((tracking.clone(), d));
        } else {
            tracking_ignored = true;
        }
    }
    if prior.is_empty() && !h.accepted && h.forward.is_none() {
        return (None, tracking_ignored);
    }
    (Some(h), tracking_ignored)
}

/// One row into a petition, with the same rules as a typed one.
fn build_row(
    cells: &[Cell],
    mapping: &[Target],
    reg: &Registry,
    point: &str,
    by: &str,
    ward: &str,
) -> Result<Built, Vec<RowError>> {
    let mut errors = Vec::new();
    let get = |t: Target| column(cells, mapping, t);
    let text = |t: Target| get(t).map(Cell::text).unwrap_or_default();
    let date = match get(Target::Date).map(date_of).transpose() {
        Ok(d) => d.flatten(),
        Err(e) => {
            errors.push(RowError::Invalid(e));
            None
        }
    };
    let no_text = text(Target::RegisterNo);
    let no = if no_text.is_empty() {
        None
    } else if let Some(no) = RegisterNo::parse(&no_text) {
        Some(no)
    } else {
        match no_text.parse::<u32>() {
            Ok(n) if n > 0 => match date {
                Some(d) => Some(RegisterNo {
                    year: chrono::Datelike::year(&d),
                    number: n,
                }),
                None => {
                    errors.push(RowError::NoYear(no_text.clone()));
                    None
                }
            },
            _ => {
                errors.push(RowError::BadRegisterNo(no_text.clone()));
                None
            }
        }
    };
    let (mut name, mut address) = (text(Target::Name), text(Target::Address));
    let both = text(Target::NameAddress);
    if !both.is_empty() {
        // "Nguyễn Văn A, số 5 ngõ 12, TDP 3": the name, then the address.
        let (n, a) = both
            .split_once([',', '-', '\n'])
            .unwrap_or((both.as_str(), ""));
        if name.is_empty() {
            name = n.trim().to_owned();
        }
        if address.is_empty() {
            address = a.trim().to_owned();
        }
    }
    let mut content = text(Target::Content);
    let mut request = text(Target::Request);
    // The register writes the request under the content: "…\nĐề nghị: …".
    if request.is_empty()
        && let Some((c, r)) = content
            .split_once("\nĐề nghị:")
            .or_else(|| content.split_once("\nRequest:"))
    {
        let (c, r) = (c.trim().to_owned(), r.trim().to_owned());
        content = c;
        request = r;
    }
    let (kind, field_in_kind) = match kind_of(&text(Target::Kind), reg) {
        Ok(k) => k,
        Err(e) => {
            errors.push(RowError::Invalid(e));
            (None, None)
        }
    };
    let field_text = text(Target::Field);
    let field = if field_text.is_empty() {
        field_in_kind
    } else {
        match reg.find_field(&field_text) {
            Some(f) => Some(f.code.clone()),
            None => {
                errors.push(RowError::Invalid(ValidationError::UnknownField {
                    value: field_text.clone(),
                    known: reg.fields.iter().map(|f| f.code.clone()).collect(),
                }));
                None
            }
        }
    };
    let people_text = text(Target::People);
    let people = if people_text.is_empty() {
        None
    } else {
        match doithoai_model::petition::parse_people(&people_text) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.push(RowError::Invalid(e));
                None
            }
        }
    };
    let phone = text(Target::Phone);
    let id_number = get(Target::IdNumber).map(id_number_of).unwrap_or_default();
    let created_at = date.and_then(|d| {
        d.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default())
            .and_local_timezone(doithoai_model::time::ward_offset())
            .single()
    });
    let new = NewPetition {
        residents: vec![Resident {
            name: name.clone(),
            address,
            tdp: text(Target::Tdp),
            phone: Some(phone),
            id_number: Some(id_number),
        }],
        people_count: people,
        kind,
        field,
        content: content.clone(),
        request,
        place: text(Target::Place),
        wants_to_speak: false,
        created_at,
    };
    let (handling, tracking_ignored) = handling_of(&text, kind, date, reg, &mut errors);
    let built = new.build(point, by, reg);
    match built {
        Ok(mut p) if errors.is_empty() => {
            p.id = row_id(ward, no, date, &name, &content);
            Ok(Built {
                petition: p,
                no,
                date,
                handling,
                tracking_ignored,
            })
        }
        Ok(_) => Err(errors),
        Err(e) => {
            errors.insert(0, RowError::Invalid(e));
            Err(errors)
        }
    }
}

/// Enters what a row's columns 8 to 12 say, after its receipt: classified (type, field, the
/// body that handled it before, within the ward's competence unless it was forwarded or
/// guided), then assigned, answered on the spot, forwarded or guided, then answered.
fn apply_row_handling<T: automerge::transaction::Transactable + automerge::ReadDoc>(
    tx: &mut T,
    ctx: &handling::Ctx,
    reg: &Registry,
    p: &Petition,
    received: NaiveDate,
    h: &RowHandling,
) -> Result<(), handling::HandlingError> {
    let field = p
        .field
        .clone()
        .filter(|f| reg.field(f).is_some())
        .unwrap_or_else(|| "khac".to_owned());
    let ci = handling::ClassifyInput {
        kind: p.kind,
        field,
        competence: if h.forward.is_some() {
            handling::Competence::Higher
        } else {
            handling::Competence::Ward
        },
        prior: h.prior.clone(),
    };
    handling::classify(tx, ctx, reg, p.id, &ci)?;
    if let Some(dept) = &h.department {
        let input = handling::AssignInput {
            department: dept.clone(),
            deadline: h.deadline,
            note: String::new(),
        };
        handling::assign(tx, ctx, reg, p.id, &input)?;
    }
    if let Some(f) = &h.forward {
        let mut f = f.clone();
        f.date = Some(f.date.unwrap_or(received));
        handling::forward(tx, ctx, p.id, &f)?;
    }
    if h.on_spot || h.department.is_some() {
        let (text, date) = match &h.answer {
            Some((t, d)) => (t.clone(), Some(d.unwrap_or(received))),
            None if h.on_spot => (
                "Trả lời tại chỗ (theo sổ tiếp nhận đã nhập)".to_owned(),
                Some(received),
            ),
            None => return Ok(()),
        };
        let input = handling::AnswerInput {
            text,
            on_spot: h.on_spot,
            date,
            ..Default::default()
        };
        handling::answer(tx, ctx, p.id, &input)?;
    }
    Ok(())
}

impl App {
    /// The ward's key for imported ids: the ward document (or this device's point before
    /// enrolment).
    fn import_ward_key(&self) -> String {
        self.device
            .ward
            .clone()
            .unwrap_or_else(|| format!("point:{}", self.device.point))
    }

    /// What importing `bytes` (a file named `file_name`) would do with `mapping` (`None`: the
    /// one guessed from the headings). Nothing is written.
    pub async fn import_preview(
        &self,
        file_name: &str,
        bytes: &[u8],
        mapping: Option<Vec<Target>>,
    ) -> Result<ImportPreview, ImportError> {
        if !self.is_office() {
            return Err(OfficeError::NotOffice {
                role: self.device.role.clone(),
            }
            .into());
        }
        if self.device.intake.is_none() {
            return Err(ImportError::NoDesk);
        }
        let table = read_table(file_name, bytes)?;
        let mapping = match mapping {
            Some(m) if m.len() != table.headings.len() => {
                return Err(ImportError::Mapping {
                    got: m.len(),
                    want: table.headings.len(),
                });
            }
            Some(m) => m,
            None => guess_mapping(&table.headings),
        };
        if !mapping.contains(&Target::Content) {
            return Err(ImportError::NoContent);
        }
        let reg = self.registry().await?;
        self.refresh_handling().await?;
        let h = self.handling_state().await?;
        let ward = self.import_ward_key();
        let today = doithoai_model::time::ward_now().date_naive();
        let mut seen_ids: BTreeMap<Uuid, u32> = BTreeMap::new();
        let mut seen_nos: BTreeMap<RegisterNo, u32> = BTreeMap::new();
        let mut rows = Vec::with_capacity(table.rows.len());
        for (n, cells) in &table.rows {
            let shown: Vec<String> = cells.iter().map(Cell::text).collect();
            let mut row = ImportRow {
                row: *n,
                state: RowState::Invalid,
                errors: Vec::new(),
                petition: None,
                register_no: None,
                received: None,
                cells: shown,
                handling: None,
                tracking_ignored: false,
            };
            match build_row(
                cells,
                &mapping,
                &reg,
                &self.device.point,
                &self.device.name,
                &ward,
            ) {
                Err(e) => row.errors = e,
                Ok(b) => {
                    let id = b.petition.id;
                    row.handling = b.handling;
                    row.tracking_ignored = b.tracking_ignored;
                    row.register_no = b.no;
                    row.received = b.no.and(b.date);
                    if let Some(d) = b.date
                        && d > today
                    {
                        row.errors.push(RowError::FutureDate(d));
                    }
                    if let Some(no) = b.no {
                        let others: Vec<Uuid> =
                            h.holders(no).into_iter().filter(|x| *x != id).collect();
                        if let Some(o) = others.first() {
                            row.errors.push(RowError::NumberTaken {
                                no,
                                holder: doithoai_model::petition::short_id(o),
                            });
                        }
                    }
                    if let Some(first) = seen_ids.get(&id) {
                        row.state = RowState::Repeat(*first);
                    } else if let Some(no) = b.no
                        && let Some(first) = seen_nos.get(&no)
                    {
                        row.errors.push(RowError::NumberInFile { no, row: *first });
                    } else if self.store.index_get(&id.to_string())?.is_some() {
                        row.state = RowState::Imported;
                    } else {
                        row.state = RowState::New;
                    }
                    if !row.errors.is_empty() {
                        row.state = RowState::Invalid;
                    } else {
                        seen_ids.entry(id).or_insert(*n);
                        if let Some(no) = b.no {
                            seen_nos.entry(no).or_insert(*n);
                        }
                    }
                    row.petition = Some(b.petition);
                }
            }
            rows.push(row);
        }
        Ok(ImportPreview {
            file: file_name.to_owned(),
            sheet: table.sheet,
            heading_row: table.heading_row,
            headings: table.headings,
            mapping,
            rows,
        })
    }

    /// Imports the file: refused, with nothing written, when any row has an error; otherwise
    /// the new petitions are written to the office desk's intake and those with a register
    /// number entered in the register with it, on their date. On disk when it returns.
    pub async fn import_apply(
        &self,
        file_name: &str,
        bytes: &[u8],
        mapping: Option<Vec<Target>>,
    ) -> Result<(ImportPreview, ImportOutcome), ImportError> {
        let preview = self.import_preview(file_name, bytes, mapping).await?;
        let bad = preview.invalid().len();
        if bad > 0 {
            return Err(ImportError::Refused(bad));
        }
        let new: Vec<(&Petition, Option<RegisterNo>, Option<NaiveDate>)> = preview
            .new_rows()
            .filter_map(|r| r.petition.as_ref().map(|p| (p, r.register_no, r.received)))
            .collect();
        let outcome = ImportOutcome {
            added: new.len(),
            registered: new.iter().filter(|(_, no, _)| no.is_some()).count(),
            already: preview.count(RowState::Imported),
            repeats: preview.count(RowState::Repeat(0)),
        };
        if new.is_empty() {
            return Ok((preview, outcome));
        }
        let before = self.intake_heads().await?;
        // The petitions, a volume's room at a time, one change each.
        let mut rest: &[(&Petition, Option<RegisterNo>, Option<NaiveDate>)] = &new;
        while !rest.is_empty() {
            let handle = self.target_volume_pub().await?;
            let room = intake::VOLUME_CAPACITY
                .saturating_sub(read(&handle, intake::petition_count))
                .max(1);
            let (now, later) = rest.split_at(room.min(rest.len()));
            let ids: Vec<String> = now.iter().map(|(p, _, _)| p.id.to_string()).collect();
            let meta = ChangeMeta::new(&self.device.name, "petition.import", ids);
            change(&handle, &meta, |tx| {
                for (p, _, _) in now {
                    intake::put_petition(tx, p)?;
                }
                Ok::<(), doithoai_model::DocError>(())
            })?;
            self.index_document(&handle)?;
            rest = later;
        }
        self.persist_intake_since(&before).await?;
        // The register numbers the file gave, on their own dates.
        let receipts: Vec<Receipt> = new
            .iter()
            .filter_map(|(p, no, date)| {
                let no = (*no)?;
                Some(Receipt {
                    id: p.id,
                    point: p.point.clone(),
                    collected: p.created_at.date_naive(),
                    date: date.unwrap_or_else(|| p.created_at.date_naive()),
                    number: Some(no.number),
                })
            })
            .collect();
        if !receipts.is_empty() {
            let hh = self
                .handling_handle(true)
                .await?
                .ok_or(OfficeError::NoHandling)?;
            let heads = read(&hh, |d| d.get_heads());
            let ctx = self.import_ctx();
            let ids: Vec<Uuid> = receipts.iter().map(|r| r.id).collect();
            let meta = ctx.meta(handling::Op::Receive, &ids);
            let plans: BTreeMap<Uuid, (&Petition, &RowHandling)> = preview
                .new_rows()
                .filter(|r| r.register_no.is_some())
                .filter_map(|r| Some((r.petition.as_ref()?, r.handling.as_ref()?)))
                .map(|(p, h)| (p.id, (p, h)))
                .collect();
            let reg = self.registry().await?;
            hh.with_document(|doc| {
                doc.transact_with(
                    |_| meta.commit_options(),
                    |tx| {
                        handling::receive_many(tx, &ctx, &receipts)?;
                        // The register's columns 8 to 12, in the same change.
                        for r in &receipts {
                            if let Some((p, h)) = plans.get(&r.id) {
                                apply_row_handling(tx, &ctx, &reg, p, r.date, h)?;
                            }
                        }
                        Ok::<(), handling::HandlingError>(())
                    },
                )
                .map(|ok| ok.result)
                .map_err(|fail| fail.error)
            })?;
            self.repo.persist_since(&hh, &heads)?;
            // The index rows are on disk (persist_intake_since): the overlay sets their numbers.
            self.refresh_handling().await?;
        }
        tracing::info!(
            file = %file_name,
            added = outcome.added,
            registered = outcome.registered,
            already = outcome.already,
            "imported petitions"
        );
        Ok((preview, outcome))
    }

    fn import_ctx(&self) -> handling::Ctx {
        let device = self
            .device
            .device_id
            .clone()
            .or_else(|| self.device.peer_id.clone())
            .unwrap_or_else(|| "local".to_owned());
        handling::Ctx::new(&self.device.name, &device, doithoai_model::time::ward_now())
    }
}

// ---------------------------------------------------------------------------------------------
// A file waiting for the clerk's confirmation (the web UI's preview)
// ---------------------------------------------------------------------------------------------

/// A file uploaded for import and kept until the clerk confirms (or gives up): in
/// `<data dir>/imports/`, 0700, each file 0600 (it holds residents' personal data), removed once
/// imported or after a day.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Staged {
    pub name: String,
    /// The clerk's mapping (codes), empty for the guessed one.
    #[serde(default)]
    pub mapping: Vec<String>,
}

fn staging_dir(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("imports")
}

fn token_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 64 && token.chars().all(|c| c.is_ascii_hexdigit())
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    doithoai_store::private::prepare_file(path)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.sync_all()
}

/// Keeps an uploaded file under `token` (random, made by the caller).
pub fn stage(
    data_dir: &std::path::Path,
    token: &str,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    if !token_ok(token) {
        return Err(std::io::Error::other("bad token"));
    }
    let dir = staging_dir(data_dir);
    doithoai_store::private::create_dir(&dir)?;
    // Files left from a day ago are removed.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 86_400);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    write_private(&dir.join(format!("{token}.data")), bytes)?;
    let meta = Staged {
        name: name.to_owned(),
        mapping: Vec::new(),
    };
    write_private(
        &dir.join(format!("{token}.json")),
        serde_json::to_string(&meta).unwrap_or_default().as_bytes(),
    )
}

/// The staged file `token`: its description and bytes (`None` when gone).
pub fn staged(data_dir: &std::path::Path, token: &str) -> Option<(Staged, Vec<u8>)> {
    if !token_ok(token) {
        return None;
    }
    let dir = staging_dir(data_dir);
    let meta: Staged =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{token}.json"))).ok()?).ok()?;
    let bytes = std::fs::read(dir.join(format!("{token}.data"))).ok()?;
    Some((meta, bytes))
}

/// Keeps the clerk's mapping of a staged file.
pub fn set_staged_mapping(
    data_dir: &std::path::Path,
    token: &str,
    mapping: &[Target],
) -> std::io::Result<()> {
    let Some((mut meta, _)) = staged(data_dir, token) else {
        return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
    };
    meta.mapping = mapping.iter().map(|t| t.code().to_owned()).collect();
    write_private(
        &staging_dir(data_dir).join(format!("{token}.json")),
        serde_json::to_string(&meta).unwrap_or_default().as_bytes(),
    )
}

/// Forgets a staged file.
pub fn unstage(data_dir: &std::path::Path, token: &str) {
    if token_ok(token) {
        let dir = staging_dir(data_dir);
        let _ = std::fs::remove_file(dir.join(format!("{token}.data")));
        let _ = std::fs::remove_file(dir.join(format!("{token}.json")));
    }
}

impl Staged {
    /// The clerk's mapping, or `None` for the guessed one.
    pub fn mapping(&self) -> Option<Vec<Target>> {
        if self.mapping.is_empty() {
            return None;
        }
        Some(
            self.mapping
                .iter()
                .map(|c| Target::parse(c).unwrap_or(Target::Ignore))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn guesses_the_register_and_free_lists() {
        let reg = crate::import::guess_mapping(&h(&[
            "STT",
            "Ngày tiếp nhận",
            "Họ tên, địa chỉ",
            "Số CCCD/CMND",
            "Tóm tắt nội dung vụ việc",
            "Phân loại",
            "Số người cùng nội dung",
            "Cơ quan, đơn vị đã giải quyết",
            "Thụ lý",
            "Trả lại đơn và hướng dẫn",
            "Chuyển đơn",
            "Theo dõi kết quả giải quyết",
        ]));
        use Target::*;
        assert_eq!(
            &reg[..7],
            &[
                RegisterNo,
                Date,
                NameAddress,
                IdNumber,
                Content,
                Kind,
                People
            ]
        );
        let free = guess_mapping(&h(&[
            "TT",
            "Ho va ten",
            "Dia chi",
            "To dan pho",
            "So dien thoai",
            "Noi dung y kien",
            "Linh vuc",
            "Ngay",
        ]));
        assert_eq!(
            free,
            vec![Ignore, Name, Address, Tdp, Phone, Content, Field, Date]
        );
    }

    #[test]
    fn ids_follow_the_row() {
        let a = row_id("w", None, None, "Nguyễn  Văn A", "Đèn hỏng");
        let b = row_id("w", None, None, "nguyen van a", "den hong");
        assert_eq!(a, b);
        assert_ne!(a, row_id("w", None, None, "Nguyễn Văn B", "Đèn hỏng"));
        let no = Some(RegisterNo {
            year: 2026,
            number: 17,
        });
        assert_eq!(
            row_id("w", no, None, "x", "y"),
            row_id("w", no, None, "z", "t")
        );
    }

    #[test]
    fn cells() {
        assert_eq!(id_number_of(&Cell::Number(12345678901.0)), "012345678901");
        assert_eq!(
            date_of(&Cell::Text("05/11/2026".into())).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 5)
        );
        assert!(is_number_row(&[
            Cell::Text("(1)".into()),
            Cell::Text("(2)".into()),
            Cell::Text("(3)".into())
        ]));
        let reg = Registry::builtin();
        let (k, f) = kind_of("Kiến nghị (Đất đai)", &reg).unwrap();
        assert_eq!(k, Some(PetitionKind::KienNghi));
        assert_eq!(f.as_deref(), Some("dat_dai"));
    }
}
