//! The reports the ward office must produce (domain notes, "Reports the office must produce").
//!
//! * [`register`]: the reception register in the 12 columns of Mẫu 03 (Thông tư
//!   04/2021/TT-TTCP), numbered by the register numbers of the handling document.
//! * [`summary`]: the summary of residents' petitions (tổng hợp ý kiến, kiến nghị) with counts by
//!   field, by TDP and by status, answered on the spot versus assigned, and overdue items.
//!
//! Both cover any [`Period`]: a month, a quarter, the first 6 or 9 months, a year, or any range.
//! Each exports to CSV (UTF-8 with a byte-order mark, so Excel shows Vietnamese diacritics;
//! [`csv`]), to XLSX with Vietnamese headings and real dates shown dd/mm/yyyy ([`xlsx`]), and to
//! plain text for the terminal ([`text`]), and to DOCX ([`docx`]); the summary's charts are SVG
//! written by hand, rendered to PNG for the DOCX ([`charts`]).
//!
//! This crate takes plain data — the petitions read from the intake documents, the handling
//! records and the ward's registry — and never touches SQLite or the sync engine.

pub mod charts;
pub mod csv;
pub mod docx;
pub mod text;
pub mod xlsx;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use doithoai_model::handling::{Handling, Item, OverdueKind, RegisterNo};
use doithoai_model::registry::PointKind;
use doithoai_model::time::format_date;
use doithoai_model::workdays::Calendar;
use doithoai_model::{Lang, Localize, Petition, Registry, Status};
use serde::Serialize;
use uuid::Uuid;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("invalid period: {0}")]
    BadPeriod(String),
    #[error("cannot write the spreadsheet: {0}")]
    Xlsx(String),
    #[error("cannot write the document: {0}")]
    Docx(String),
    #[error("cannot draw the chart: {0}")]
    Chart(String),
}

impl From<rust_xlsxwriter::XlsxError> for ReportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ReportError::Xlsx(e.to_string())
    }
}

impl Localize for ReportError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (ReportError::BadPeriod(s), Lang::Vi) => format!("Kỳ báo cáo không hợp lệ: {s}."),
            (ReportError::BadPeriod(s), Lang::En) => format!("Invalid report period: {s}."),
            (ReportError::Xlsx(s), Lang::Vi) => format!("Không tạo được tệp Excel: {s}."),
            (ReportError::Xlsx(s), Lang::En) => format!("Cannot write the spreadsheet: {s}."),
            (ReportError::Docx(s), Lang::Vi) => format!("Không tạo được tệp Word: {s}."),
            (ReportError::Docx(s), Lang::En) => format!("Cannot write the Word document: {s}."),
            (ReportError::Chart(s), Lang::Vi) => format!("Không vẽ được biểu đồ: {s}."),
            (ReportError::Chart(s), Lang::En) => format!("Cannot draw the chart: {s}."),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------

/// The kind of a reporting period, for its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PeriodKind {
    Month {
        month: u32,
        year: i32,
    },
    Quarter {
        quarter: u32,
        year: i32,
    },
    /// The first `months` months of the year (6 months, 9 months).
    FirstMonths {
        months: u32,
        year: i32,
    },
    Year {
        year: i32,
    },
    Range,
}

/// A reporting period: every day from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub kind: PeriodKind,
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate, ReportError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| ReportError::BadPeriod(format!("{d}/{m}/{y}")))
}

fn last_of_month(y: i32, m: u32) -> Result<NaiveDate, ReportError> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1)?
        .pred_opt()
        .ok_or_else(|| ReportError::BadPeriod(format!("{m}/{y}")))
}

fn check_year(y: i32) -> Result<(), ReportError> {
    if (2000..=2100).contains(&y) {
        Ok(())
    } else {
        Err(ReportError::BadPeriod(format!("{y}")))
    }
}

impl Period {
    pub fn month(month: u32, year: i32) -> Result<Period, ReportError> {
        check_year(year)?;
        if !(1..=12).contains(&month) {
            return Err(ReportError::BadPeriod(format!("{month}/{year}")));
        }
        Ok(Period {
            from: ymd(year, month, 1)?,
            to: last_of_month(year, month)?,
            kind: PeriodKind::Month { month, year },
        })
    }

    pub fn quarter(quarter: u32, year: i32) -> Result<Period, ReportError> {
        check_year(year)?;
        if !(1..=4).contains(&quarter) {
            return Err(ReportError::BadPeriod(format!("{quarter}/{year}")));
        }
        let first = (quarter - 1) * 3 + 1;
        Ok(Period {
            from: ymd(year, first, 1)?,
            to: last_of_month(year, first + 2)?,
            kind: PeriodKind::Quarter { quarter, year },
        })
    }

    /// The first `months` months of `year` (the 6-month and 9-month reports).
    pub fn first_months(months: u32, year: i32) -> Result<Period, ReportError> {
        check_year(year)?;
        if !(1..=12).contains(&months) {
            return Err(ReportError::BadPeriod(format!("{months}")));
        }
        Ok(Period {
            from: ymd(year, 1, 1)?,
            to: last_of_month(year, months)?,
            kind: PeriodKind::FirstMonths { months, year },
        })
    }

    pub fn year(year: i32) -> Result<Period, ReportError> {
        check_year(year)?;
        Ok(Period {
            from: ymd(year, 1, 1)?,
            to: ymd(year, 12, 31)?,
            kind: PeriodKind::Year { year },
        })
    }

    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Period, ReportError> {
        if to < from {
            return Err(ReportError::BadPeriod(format!(
                "{} > {}",
                format_date(from),
                format_date(to)
            )));
        }
        Ok(Period {
            from,
            to,
            kind: PeriodKind::Range,
        })
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// "Tháng 11/2026", "Quý IV năm 2026", "6 tháng đầu năm 2026", "Năm 2026"…
    pub fn label(&self, lang: Lang) -> String {
        const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
        match (self.kind, lang) {
            (PeriodKind::Month { month, year }, Lang::Vi) => format!("Tháng {month}/{year}"),
            (PeriodKind::Month { month, year }, Lang::En) => format!("Month {month}/{year}"),
            (PeriodKind::Quarter { quarter, year }, Lang::Vi) => {
                format!("Quý {} năm {year}", ROMAN[(quarter as usize - 1).min(3)])
            }
            (PeriodKind::Quarter { quarter, year }, Lang::En) => format!("Q{quarter} {year}"),
            (PeriodKind::FirstMonths { months: 12, year }, _) | (PeriodKind::Year { year }, _) => {
                match lang {
                    Lang::Vi => format!("Năm {year}"),
                    Lang::En => format!("Year {year}"),
                }
            }
            (PeriodKind::FirstMonths { months, year }, Lang::Vi) => {
                format!("{months} tháng đầu năm {year}")
            }
            (PeriodKind::FirstMonths { months, year }, Lang::En) => {
                format!("First {months} months of {year}")
            }
            (PeriodKind::Range, Lang::Vi) => format!(
                "Từ ngày {} đến ngày {}",
                format_date(self.from),
                format_date(self.to)
            ),
            (PeriodKind::Range, Lang::En) => {
                format!(
                    "From {} to {}",
                    format_date(self.from),
                    format_date(self.to)
                )
            }
        }
    }

    /// A short form for file names: `2026-11`, `2026-Q4`, `2026-6T`, `2026`.
    pub fn slug(&self) -> String {
        match self.kind {
            PeriodKind::Month { month, year } => format!("{year}-{month:02}"),
            PeriodKind::Quarter { quarter, year } => format!("{year}-Q{quarter}"),
            PeriodKind::FirstMonths { months, year } => format!("{year}-{months}T"),
            PeriodKind::Year { year } => format!("{year}"),
            PeriodKind::Range => format!(
                "{}_{}",
                self.from.format("%Y%m%d"),
                self.to.format("%Y%m%d")
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The data a report is made from
// ---------------------------------------------------------------------------------------------

/// The petitions, their handling and the registry.
#[derive(Clone, Copy)]
pub struct Dataset<'a> {
    pub petitions: &'a [Petition],
    pub handling: &'a Handling,
    pub registry: &'a Registry,
}

struct Ctx<'a> {
    data: Dataset<'a>,
    by_id: HashMap<Uuid, &'a Petition>,
    lang: Lang,
}

impl<'a> Ctx<'a> {
    fn new(data: Dataset<'a>, lang: Lang) -> Ctx<'a> {
        Ctx {
            data,
            by_id: data.petitions.iter().map(|p| (p.id, p)).collect(),
            lang,
        }
    }

    fn item(&self, id: &Uuid) -> Option<&'a Item> {
        self.data.handling.get(id)
    }

    fn pick(&self, vi: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(vi, en)
    }

    /// The people a petition speaks for; for the original of a duplicate group, the whole
    /// group's.
    fn people(&self, p: &Petition) -> u32 {
        let h = self.data.handling;
        if h.root(&p.id) != p.id {
            return p.people_count;
        }
        h.group(&p.id)
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .map(|q| q.people_count)
            .sum::<u32>()
            .max(p.people_count)
    }

    fn field_code(&self, p: &Petition) -> Option<String> {
        self.item(&p.id)
            .and_then(Item::field)
            .map(str::to_owned)
            .or_else(|| p.field.clone())
    }

    fn field_label(&self, p: &Petition) -> String {
        match self.field_code(p) {
            Some(code) => self.data.registry.field_label(&code, self.lang).to_owned(),
            None => self.pick("Chưa phân loại", "Not classified").to_owned(),
        }
    }

    fn kind_label(&self, p: &Petition) -> String {
        let kind = self.item(&p.id).and_then(Item::kind).unwrap_or(p.kind);
        kind.label(self.lang).to_owned()
    }

    /// The TDP a petition comes from: its collection point when that is a TDP, otherwise the
    /// residents' TDP as written.
    fn tdp(&self, p: &Petition) -> String {
        if let Some(pt) = self.data.registry.point(&p.point)
            && pt.kind == PointKind::Tdp
        {
            return pt.name.clone();
        }
        let written = p
            .residents
            .iter()
            .map(|r| r.tdp.trim())
            .find(|t| !t.is_empty());
        match written {
            Some(t) => match_tdp(t, self.data.registry)
                .map(|pt| pt.name.clone())
                .unwrap_or_else(|| t.to_owned()),
            None => self
                .pick("(Không rõ tổ dân phố)", "(Unknown group)")
                .to_owned(),
        }
    }

    fn department(&self, id: &str) -> String {
        self.data
            .registry
            .department(id)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| id.to_owned())
    }

    fn status(&self, id: &Uuid) -> Status {
        self.item(id).map_or(Status::Collected, |i| i.status)
    }

    fn number_of(&self, id: &Uuid) -> Option<RegisterNo> {
        self.item(id).and_then(Item::number)
    }

    /// The day a petition belongs to a period by: received by the office, else collected.
    fn day(&self, p: &Petition) -> NaiveDate {
        self.item(&p.id)
            .and_then(|i| i.received.as_ref())
            .map(|r| r.date)
            .unwrap_or_else(|| p.date())
    }

    fn merged_into(&self, item: &Item) -> Option<String> {
        item.duplicate_of()?;
        let root = self.data.handling.root(&item.id);
        Some(
            self.number_of(&root)
                .map(|n| n.to_string())
                .unwrap_or_else(|| doithoai_model::petition::short_id(&root)),
        )
    }

    /// The tracking of the result (Mẫu 03, column 12): what became of the petition, said once,
    /// with the ward's answer when there is one. The department and deadline are in column 9,
    /// the addressee and letter of a guidance or a forwarding in columns 10 and 11.
    fn tracking(&self, item: &Item) -> String {
        let l = self.lang;
        let mut parts: Vec<String> = Vec::new();
        if let Some(into) = self.merged_into(item) {
            let root = self.data.handling.root(&item.id);
            parts.push(format!(
                "{} {into} ({})",
                self.pick("Trùng nội dung, gộp vào số", "Duplicate, merged into"),
                self.status(&root).label(l).to_lowercase()
            ));
            // Closed with the original: said once, in the brackets.
            if item.status == Status::Closed && self.status(&root) != Status::Closed {
                parts.push(self.pick("đã kết thúc", "closed").to_owned());
            }
            return parts.join("; ");
        }
        let told = matches!(item.status, Status::Notified | Status::Closed);
        match item.status {
            Status::Collected | Status::Received => {
                parts.push(self.pick("Chưa phân loại", "Not yet classified").to_owned())
            }
            Status::Classified => parts.push(
                self.pick("Đã phân loại, chưa thụ lý", "Classified, not yet accepted")
                    .to_owned(),
            ),
            Status::Merged => parts.push(Status::Merged.label(l).to_owned()),
            Status::Filed => parts.push(format!(
                "{}: {}",
                Status::Filed.label(l),
                item.filed.as_ref().map(|f| f.reason.as_str()).unwrap_or("")
            )),
            Status::Assigned => parts.push(
                self.pick(
                    "Đang giải quyết, chưa có kết quả",
                    "Being handled, no result yet",
                )
                .to_owned(),
            ),
            _ => {}
        }
        // Filed, then told why.
        if told
            && item.answer.is_none()
            && item.forwarded.is_none()
            && let Some(f) = &item.filed
        {
            parts.push(format!("{}: {}", Status::Filed.label(l), f.reason));
        }
        if item.answer.is_none()
            && let Some(f) = &item.forwarded
            && matches!(
                item.status,
                Status::Forwarded | Status::Notified | Status::Closed
            )
        {
            parts.push(format!(
                "{} {}",
                match f.mode {
                    doithoai_model::ForwardMode::Guide => {
                        self.pick(
                            "Đã trả lại đơn và hướng dẫn ngày",
                            "Returned with guidance on",
                        )
                    }
                    doithoai_model::ForwardMode::Forward => {
                        self.pick("Đã chuyển đơn ngày", "Forwarded on")
                    }
                },
                format_date(f.date)
            ));
        }
        if matches!(
            item.status,
            Status::Answered | Status::Approved | Status::Notified | Status::Closed
        ) && let Some(a) = &item.answer
        {
            let text = a.text.trim().trim_end_matches('.');
            let mut s = if a.on_spot {
                format!(
                    "{}: {text}",
                    self.pick("Trả lời tại chỗ", "Answered on the spot")
                )
            } else {
                format!("{}: {text}", self.pick("Kết quả", "Result"))
            };
            if !a.on_spot && !a.doc_no.is_empty() {
                s.push_str(&format!(
                    " ({} {}, {} {})",
                    self.pick("văn bản trả lời số", "answer document no."),
                    a.doc_no,
                    self.pick("ngày", "dated"),
                    format_date(a.date)
                ));
            }
            parts.push(s);
            match item.status {
                Status::Answered => {
                    parts.push(self.pick("chờ duyệt", "awaiting approval").to_owned())
                }
                Status::Approved => parts.push(
                    self.pick(
                        "đã duyệt, chưa thông báo",
                        "approved, resident not yet told",
                    )
                    .to_owned(),
                ),
                _ => {}
            }
        }
        if told
            && let Some(n) = &item.notification
            && n.channel != doithoai_model::Channel::OnSpot
            && !item.answered_on_spot()
        {
            parts.push(format!(
                "{} {} ({})",
                self.pick("đã thông báo ngày", "resident told on"),
                format_date(n.date),
                n.channel.label(l).to_lowercase()
            ));
        }
        if item.status == Status::Closed {
            parts.push(self.pick("đã kết thúc", "closed").to_owned());
        }
        if item.numbers.len() > 1
            || item
                .numbers
                .iter()
                .any(|n| self.data.handling.holders(*n).len() > 1)
        {
            parts.push(
                self.pick(
                    "số vào sổ bị trùng, cần đánh lại số",
                    "register number clash, to be renumbered",
                )
                .to_owned(),
            );
        }
        let mut out = parts.join("; ");
        // The first letter of the cell in capitals ("đã thông báo…" when nothing comes before).
        if let Some(first) = out.chars().next()
            && first.is_lowercase()
        {
            out = first.to_uppercase().chain(out.chars().skip(1)).collect();
        }
        out
    }

    /// Why a petition is late, said as its state is: a classified petition is not "not
    /// classified".
    fn overdue_reason(&self, o: &doithoai_model::handling::Overdue) -> String {
        o.kind.label_as(self.status(&o.id), self.lang).to_owned()
    }
}

/// The ward's name with its kind in front, once: "Dĩnh Kế" → "Phường Dĩnh Kế", and "Phường Dĩnh
/// Kế" (as the ward's registry usually holds it) stays as it is; a commune ("Xã …"), a town
/// ("Thị trấn …") or a special zone ("Đặc khu …") keeps its own word.
pub fn ward_title(ward: &str, lang: Lang) -> String {
    let ward = ward.trim();
    let folded = doithoai_model::text::fold(ward);
    let has_kind = ["phuong ", "xa ", "thi tran ", "dac khu ", "ward "]
        .iter()
        .any(|k| folded.starts_with(k))
        || folded.ends_with(" ward");
    if ward.is_empty() || has_kind {
        ward.to_owned()
    } else {
        format!("{} {ward}", lang.pick("Phường", "Ward"))
    }
}

/// The numbers written in a text ("Tổ dân phố số 03" → [3]).
fn numbers_in(s: &str) -> Vec<u64> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// The registry's TDP that a resident's "TDP 3", "tổ 3" or "Tổ dân phố số 03" means: the same
/// name or id ignoring case and diacritics, or a TDP with the same single number.
pub fn match_tdp<'r>(
    written: &str,
    registry: &'r Registry,
) -> Option<&'r doithoai_model::registry::Point> {
    let f = doithoai_model::text::fold(written);
    let tdps = || registry.points.iter().filter(|p| p.kind == PointKind::Tdp);
    if let Some(p) = tdps().find(|p| {
        doithoai_model::text::fold(&p.name) == f || doithoai_model::text::fold(&p.id) == f
    }) {
        return Some(p);
    }
    let nums = numbers_in(&f);
    let looks_like_tdp =
        f.starts_with("tdp") || f.starts_with("to ") || f.starts_with("to dan pho");
    if nums.len() != 1 || !looks_like_tdp {
        return None;
    }
    let mut found = tdps().filter(|p| numbers_in(&p.name) == nums || numbers_in(&p.id) == nums);
    match (found.next(), found.next()) {
        (Some(p), None) => Some(p),
        _ => None,
    }
}

fn name_address(p: &Petition) -> String {
    p.residents
        .iter()
        .map(|r| {
            [r.name.trim(), r.address.trim(), r.tdp.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn with_request(p: &Petition, lang: Lang) -> String {
    if p.request.trim().is_empty() {
        p.content.clone()
    } else {
        format!(
            "{}\n{}: {}",
            p.content,
            lang.pick("Đề nghị", "Request"),
            p.request
        )
    }
}

fn letter(to: &str, letter_no: &str, lang: Lang) -> String {
    if letter_no.is_empty() {
        to.to_owned()
    } else {
        format!(
            "{to} ({} {letter_no})",
            lang.pick("văn bản số", "letter no.")
        )
    }
}

/// "To (văn bản số N ngày d)": the addressee and the letter of a guidance or a forwarding.
fn letter_dated(to: &str, letter_no: &str, date: NaiveDate, lang: Lang) -> String {
    if letter_no.is_empty() {
        format!("{to} ({} {})", lang.pick("ngày", "on"), format_date(date))
    } else {
        format!(
            "{to} ({} {letter_no} {} {})",
            lang.pick("văn bản số", "letter no."),
            lang.pick("ngày", "dated"),
            format_date(date)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The reception register (Mẫu 03)
// ---------------------------------------------------------------------------------------------

/// The 12 column headings of the register.
pub fn register_headings(lang: Lang) -> [&'static str; 12] {
    match lang {
        Lang::Vi => [
            "STT",
            "Ngày tiếp nhận",
            "Họ tên, địa chỉ",
            "Số CCCD/CMND",
            "Tóm tắt nội dung vụ việc",
            "Phân loại",
            "Số người cùng nội dung",
            "Cơ quan, đơn vị đã giải quyết",
            "Thụ lý",
            "Trả lại đơn và hướng dẫn (người nhận, số văn bản)",
            "Chuyển đơn (nơi nhận, số văn bản)",
            "Theo dõi kết quả giải quyết",
        ],
        Lang::En => [
            "No.",
            "Date received",
            "Name and address",
            "ID card number",
            "Summary of the matter",
            "Type",
            "People on the same matter",
            "Body that already handled it",
            "Accepted for handling",
            "Returned with guidance (to whom, letter no.)",
            "Forwarded (to whom, letter no.)",
            "Tracking of the result",
        ],
    }
}

/// One line of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterRow {
    pub id: Uuid,
    /// (1) The register number.
    pub no: RegisterNo,
    /// (2)
    pub date: NaiveDate,
    /// (3)
    pub name_address: String,
    /// (4)
    pub id_numbers: String,
    /// (5) Content and request.
    pub content: String,
    /// (6) Type and field.
    pub kind: String,
    /// (7)
    pub people: u32,
    /// (8)
    pub prior: String,
    /// (9) Department and deadline, or answered on the spot.
    pub accepted: String,
    /// (10)
    pub guided: String,
    /// (11)
    pub forwarded: String,
    /// (12)
    pub tracking: String,
}

/// The register of a period.
#[derive(Debug, Clone, Serialize)]
pub struct Register {
    pub ward: String,
    pub period: Period,
    pub lang: Lang,
    pub rows: Vec<RegisterRow>,
}

impl Register {
    pub fn title(&self) -> &'static str {
        self.lang.pick(
            "SỔ TIẾP NHẬN, XỬ LÝ Ý KIẾN, KIẾN NGHỊ, PHẢN ÁNH CỦA NHÂN DÂN",
            "REGISTER OF RESIDENTS' PETITIONS RECEIVED AND HANDLED",
        )
    }

    /// The row's 12 cells as text (dates dd/mm/yyyy).
    pub fn cells(row: &RegisterRow) -> [String; 12] {
        [
            row.no.number.to_string(),
            format_date(row.date),
            row.name_address.clone(),
            row.id_numbers.clone(),
            row.content.clone(),
            row.kind.clone(),
            row.people.to_string(),
            row.prior.clone(),
            row.accepted.clone(),
            row.guided.clone(),
            row.forwarded.clone(),
            row.tracking.clone(),
        ]
    }
}

/// The register of the petitions received in `period`, in register order. A petition holding
/// several numbers (a clash not yet resolved) appears at its smallest.
pub fn register(data: Dataset<'_>, period: &Period, lang: Lang) -> Register {
    let cx = Ctx::new(data, lang);
    let mut rows: Vec<RegisterRow> = Vec::new();
    for item in data.handling.items.values() {
        let (Some(received), Some(no)) = (&item.received, item.number()) else {
            continue;
        };
        if !period.contains(received.date) {
            continue;
        }
        let Some(p) = cx.by_id.get(&item.id) else {
            continue;
        };
        let kind = match cx.field_code(p) {
            Some(_) => format!("{} ({})", cx.kind_label(p), cx.field_label(p)),
            None => cx.kind_label(p),
        };
        let accepted = if item.answered_on_spot() {
            lang.pick("Trả lời tại chỗ", "Answered on the spot")
                .to_owned()
        } else {
            match &item.assignment {
                Some(a) if item.forwarded.is_none() || item.status != Status::Forwarded => {
                    format!(
                        "{}, {} {}",
                        cx.department(&a.department),
                        lang.pick("hạn", "due"),
                        format_date(a.deadline)
                    )
                }
                _ => String::new(),
            }
        };
        let (mut guided, mut forwarded) = (String::new(), String::new());
        if let Some(f) = &item.forwarded {
            let text = letter_dated(&f.to, &f.letter_no, f.date, lang);
            match f.mode {
                doithoai_model::ForwardMode::Guide => guided = text,
                doithoai_model::ForwardMode::Forward => forwarded = text,
            }
        }
        rows.push(RegisterRow {
            id: item.id,
            no,
            date: received.date,
            name_address: name_address(p),
            id_numbers: p
                .residents
                .iter()
                .filter_map(|r| r.id_number.as_deref())
                .collect::<Vec<_>>()
                .join("; "),
            content: with_request(p, lang),
            kind,
            people: cx.people(p),
            prior: item
                .classification
                .as_ref()
                .map(|c| c.prior.clone())
                .unwrap_or_default(),
            accepted,
            guided,
            forwarded,
            tracking: cx.tracking(item),
        });
    }
    rows.sort_by_key(|r| (r.no, r.date, r.id));
    Register {
        ward: data.registry.ward_name.clone(),
        period: *period,
        lang,
        rows,
    }
}

// ---------------------------------------------------------------------------------------------
// The summary of residents' petitions
// ---------------------------------------------------------------------------------------------

/// The 8 column headings of the summary list.
pub fn summary_headings(lang: Lang) -> [&'static str; 8] {
    match lang {
        Lang::Vi => [
            "STT",
            "Nội dung ý kiến, kiến nghị",
            "Người dân / Tổ dân phố",
            "Lĩnh vực",
            "Thẩm quyền",
            "Cơ quan, bộ phận được giao",
            "Kết quả trả lời, giải quyết",
            "Ghi chú",
        ],
        Lang::En => [
            "No.",
            "Content",
            "Resident / residential group",
            "Field",
            "Competence",
            "Body assigned",
            "Answer / result",
            "Notes",
        ],
    }
}

/// One petition of the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryRow {
    pub no: u32,
    pub id: Uuid,
    pub register_no: Option<RegisterNo>,
    pub date: NaiveDate,
    pub content: String,
    pub resident_tdp: String,
    pub field: String,
    pub competence: String,
    pub body: String,
    pub result: String,
    pub notes: String,
}

impl SummaryRow {
    pub fn cells(&self) -> [String; 8] {
        [
            self.no.to_string(),
            self.content.clone(),
            self.resident_tdp.clone(),
            self.field.clone(),
            self.competence.clone(),
            self.body.clone(),
            self.result.clone(),
            self.notes.clone(),
        ]
    }
}

/// A line of a count table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountRow {
    pub label: String,
    pub petitions: u32,
    pub people: u32,
}

/// The headline numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    pub petitions: u32,
    pub people: u32,
    /// Not yet in the register.
    pub not_received: u32,
    pub answered_on_spot: u32,
    pub assigned: u32,
    pub forwarded: u32,
    pub filed: u32,
    pub merged: u32,
    /// Complaints and denunciations (routed out).
    pub flagged: u32,
    /// Told the result (notified or closed).
    pub resolved: u32,
    pub overdue: u32,
}

impl Totals {
    /// The lines of the totals table: label and value.
    pub fn lines(&self, lang: Lang) -> Vec<(&'static str, u32)> {
        vec![
            (
                lang.pick("Tổng số ý kiến, kiến nghị", "Petitions"),
                self.petitions,
            ),
            (lang.pick("Tổng số người", "People"), self.people),
            (
                lang.pick("Chưa vào sổ", "Not yet registered"),
                self.not_received,
            ),
            (
                lang.pick("Trả lời tại chỗ", "Answered on the spot"),
                self.answered_on_spot,
            ),
            (lang.pick("Giao xử lý", "Assigned"), self.assigned),
            (
                lang.pick("Chuyển đơn, hướng dẫn", "Forwarded or guided"),
                self.forwarded,
            ),
            (
                lang.pick("Lưu, không xử lý", "Filed without action"),
                self.filed,
            ),
            (lang.pick("Gộp trùng", "Merged as duplicates"), self.merged),
            (
                lang.pick(
                    "Khiếu nại, tố cáo (xử lý theo luật riêng)",
                    "Complaints, denunciations",
                ),
                self.flagged,
            ),
            (
                lang.pick("Đã thông báo kết quả", "Residents told the result"),
                self.resolved,
            ),
            (lang.pick("Quá hạn", "Overdue"), self.overdue),
        ]
    }
}

/// An overdue petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueRow {
    pub id: Uuid,
    pub register_no: Option<RegisterNo>,
    pub kind: OverdueKind,
    /// Why it is late, in words that agree with its state.
    pub reason: String,
    pub due: NaiveDate,
    pub days_late: i64,
    pub content: String,
    pub body: String,
}

/// The summary of a period.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub ward: String,
    pub period: Period,
    /// The day overdue items are counted on.
    pub as_of: NaiveDate,
    pub lang: Lang,
    pub rows: Vec<SummaryRow>,
    pub by_field: Vec<CountRow>,
    pub by_tdp: Vec<CountRow>,
    pub by_status: Vec<CountRow>,
    pub totals: Totals,
    pub overdue: Vec<OverdueRow>,
}

impl Summary {
    pub fn title(&self) -> &'static str {
        self.lang.pick(
            "TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN",
            "SUMMARY OF RESIDENTS' PETITIONS",
        )
    }
}

fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The summary of the petitions of `period`: those received in it, and those collected in it
/// and not yet received. Overdue items are counted on `as_of`.
pub fn summary(data: Dataset<'_>, period: &Period, as_of: NaiveDate, lang: Lang) -> Summary {
    let cx = Ctx::new(data, lang);
    let mut ps: Vec<&Petition> = data
        .petitions
        .iter()
        .filter(|p| period.contains(cx.day(p)))
        .collect();
    ps.sort_by(|a, b| {
        (cx.day(a), cx.number_of(&a.id), a.created_at, a.id).cmp(&(
            cx.day(b),
            cx.number_of(&b.id),
            b.created_at,
            b.id,
        ))
    });
    let in_period: std::collections::HashSet<Uuid> = ps.iter().map(|p| p.id).collect();
    let unreceived: Vec<(Uuid, NaiveDate)> = ps
        .iter()
        .filter(|p| cx.item(&p.id).is_none())
        .map(|p| (p.id, p.date()))
        .collect();
    let calendar = Calendar::of(data.registry);
    let overdue_all = data.handling.overdue(&calendar, as_of, &unreceived);
    let overdue_of: HashMap<Uuid, &doithoai_model::handling::Overdue> = overdue_all
        .iter()
        .filter(|o| in_period.contains(&o.id))
        .map(|o| (o.id, o))
        .collect();

    let mut rows = Vec::new();
    let mut totals = Totals::default();
    let mut by_field: BTreeMap<(usize, String), CountRow> = BTreeMap::new();
    let mut by_tdp: BTreeMap<String, CountRow> = BTreeMap::new();
    let mut by_status: BTreeMap<Status, CountRow> = Status::ALL
        .iter()
        .map(|s| {
            (
                *s,
                CountRow {
                    label: s.label(lang).to_owned(),
                    petitions: 0,
                    people: 0,
                },
            )
        })
        .collect();
    let fields = &data.registry.fields;
    for (i, p) in ps.iter().enumerate() {
        let item = cx.item(&p.id);
        let status = cx.status(&p.id);
        let people = p.people_count;
        totals.petitions += 1;
        totals.people += people;
        let bump = |row: &mut CountRow| {
            row.petitions += 1;
            row.people += people;
        };
        // Field: the registry's order, unknown codes after, "not classified" last.
        let code = cx.field_code(p);
        let key = match &code {
            Some(c) => (
                fields
                    .iter()
                    .position(|f| &f.code == c)
                    .unwrap_or(fields.len()),
                c.clone(),
            ),
            None => (usize::MAX, String::new()),
        };
        bump(by_field.entry(key).or_insert_with(|| CountRow {
            label: cx.field_label(p),
            petitions: 0,
            people: 0,
        }));
        let tdp = cx.tdp(p);
        bump(
            by_tdp
                .entry(doithoai_model::text::fold(&tdp))
                .or_insert_with(|| CountRow {
                    label: tdp.clone(),
                    petitions: 0,
                    people: 0,
                }),
        );
        if let Some(row) = by_status.get_mut(&status) {
            bump(row);
        }
        let mut notes: Vec<String> = Vec::new();
        let mut body = String::new();
        let mut result = status.label(lang).to_owned();
        let mut competence = String::new();
        match item {
            None => totals.not_received += 1,
            Some(item) => {
                if let Some(no) = item.number() {
                    notes.push(format!("{} {no}", lang.pick("Số vào sổ", "Register no.")));
                }
                if let Some(c) = &item.classification {
                    competence = c.competence.label(lang).to_owned();
                }
                if item.is_flagged() {
                    totals.flagged += 1;
                    notes.push(
                        lang.pick(
                            "Khiếu nại/tố cáo: xử lý theo luật riêng",
                            "Complaint/denunciation: handled under its own law",
                        )
                        .to_owned(),
                    );
                }
                if item.answered_on_spot() {
                    totals.answered_on_spot += 1;
                    notes.push(
                        lang.pick("Trả lời tại chỗ", "Answered on the spot")
                            .to_owned(),
                    );
                } else if let Some(a) = &item.assignment {
                    totals.assigned += 1;
                    body = cx.department(&a.department);
                }
                if let Some(f) = &item.forwarded {
                    totals.forwarded += 1;
                    body = letter(&f.to, &f.letter_no, lang);
                }
                match item.status {
                    Status::Filed => {
                        totals.filed += 1;
                        if let Some(f) = &item.filed {
                            result = format!("{}: {}", status.label(lang), f.reason);
                        }
                    }
                    _ if item.duplicate_of().is_some() => {
                        totals.merged += 1;
                        result = format!(
                            "{} {}",
                            lang.pick("Trùng nội dung, gộp vào số", "Duplicate, merged into"),
                            cx.merged_into(item).unwrap_or_default()
                        );
                    }
                    Status::Forwarded => {
                        if let Some(f) = &item.forwarded {
                            result = format!("{}: {}", f.mode.label(lang), f.to);
                        }
                    }
                    Status::Answered | Status::Approved | Status::Notified | Status::Closed => {
                        if let Some(a) = &item.answer {
                            result = a.text.clone();
                            if !a.doc_no.is_empty() {
                                result.push_str(&format!(
                                    " ({} {})",
                                    lang.pick("văn bản số", "document no."),
                                    a.doc_no
                                ));
                            }
                        }
                    }
                    _ => {}
                }
                if matches!(item.status, Status::Notified | Status::Closed) {
                    totals.resolved += 1;
                }
            }
        }
        if let Some(o) = overdue_of.get(&p.id) {
            totals.overdue += 1;
            notes.push(format!(
                "{} ({} {})",
                cx.overdue_reason(o),
                lang.pick("hạn", "due"),
                format_date(o.due)
            ));
        }
        rows.push(SummaryRow {
            no: i as u32 + 1,
            id: p.id,
            register_no: cx.number_of(&p.id),
            date: cx.day(p),
            content: p.content.clone(),
            resident_tdp: format!("{} ({})", p.resident_names(), tdp),
            field: cx.field_label(p),
            competence,
            body,
            result,
            notes: notes.join("; "),
        });
    }
    let overdue = overdue_all
        .iter()
        .filter(|o| in_period.contains(&o.id))
        .map(|o| {
            let p = cx.by_id.get(&o.id);
            OverdueRow {
                id: o.id,
                register_no: cx.number_of(&o.id),
                kind: o.kind,
                reason: cx.overdue_reason(o),
                due: o.due,
                days_late: o.days_late,
                content: p.map(|p| truncate(&p.content, 200)).unwrap_or_default(),
                body: cx
                    .item(&o.id)
                    .and_then(|i| i.assignment.as_ref())
                    .map(|a| cx.department(&a.department))
                    .unwrap_or_default(),
            }
        })
        .collect();
    // Every field of the ward's list is shown, even with no petition (the report's usual form).
    for (i, f) in fields.iter().enumerate() {
        by_field
            .entry((i, f.code.clone()))
            .or_insert_with(|| CountRow {
                label: f.label(lang).to_owned(),
                petitions: 0,
                people: 0,
            });
    }
    let mut by_tdp: Vec<CountRow> = by_tdp.into_values().collect();
    by_tdp.sort_by_key(|c| natural_key(&c.label));
    Summary {
        ward: data.registry.ward_name.clone(),
        period: *period,
        as_of,
        lang,
        rows,
        by_field: by_field.into_values().collect(),
        by_tdp,
        by_status: by_status.into_values().collect(),
        totals,
        overdue,
    }
}

/// Sorts "TDP 2" before "TDP 10": runs of digits compare as numbers.
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let folded = doithoai_model::text::fold(s);
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num = String::new();
    for c in folded.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((std::mem::take(&mut text), num.parse().unwrap_or(u64::MAX)));
                num.clear();
            }
            text.push(c);
        }
    }
    out.push((text, num.parse().unwrap_or(0)));
    out
}
