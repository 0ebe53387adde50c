//! Vietnamese administrative documents: the session report (báo cáo kết quả tiếp xúc, đối
//! thoại) and the minutes (biên bản), as DOCX and as plain text.
//!
//! The layout follows the form of administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục I):
//! the issuing body at the top left with the document's number under it, the national name and
//! motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc") at the top right
//! with the place and date under them, the title, the body, then the recipients ("Nơi nhận")
//! at the bottom left and the signature block at the bottom right; A4, Times New Roman, 14 pt
//! body, margins 20/15/20/30 mm.
//!
//! The crate takes plain data (the model's [`Session`](doithoai_model::Session) and
//! [`Summary`](doithoai_model::session::Summary)) and knows nothing of storage or sync. A
//! document is first built as an [`AdminDoc`] (blocks of paragraphs and tables), then written
//! by [`AdminDoc::to_docx`] (WordprocessingML in a zip, written by hand: no heavy dependency) or
//! [`AdminDoc::to_text`]; both renderings come from the same blocks, so they say the same.

mod docx;
mod session;
mod text;

use chrono::{Datelike, NaiveDate};
use doithoai_model::{Lang, Localize};

pub use session::{
    MinutesOptions, ReportOptions, minutes_defaults, report_defaults, session_minutes,
    session_report,
};

/// The top of the document: who issues it, its number, where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The body above the issuer (cơ quan chủ quản), e.g. "UBND THÀNH PHỐ BẮC GIANG"; may be
    /// empty.
    pub parent: String,
    /// The issuing body; a line break splits it over two lines ("ỦY BAN NHÂN DÂN\nPHƯỜNG DĨNH KẾ").
    pub issuer: String,
    /// The number and symbol, e.g. "25/BC-UBND"; the office's clerk often fills the number in
    /// by hand ("     /BC-UBND").
    pub number: String,
    /// The place name of the date line ("Dĩnh Kế").
    pub place: String,
    pub date: NaiveDate,
}

/// A signature block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    /// "TM. ỦY BAN NHÂN DÂN" (on behalf of a collective), or empty.
    pub on_behalf: String,
    /// "CHỦ TỊCH", "THƯ KÝ", …
    pub title: String,
    pub name: String,
}

/// How a paragraph is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Justify,
}

/// A run of text with one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

impl Run {
    pub fn plain(t: impl Into<String>) -> Run {
        Run {
            text: t.into(),
            bold: false,
            italic: false,
        }
    }
    pub fn bold(t: impl Into<String>) -> Run {
        Run {
            text: t.into(),
            bold: true,
            italic: false,
        }
    }
    pub fn italic(t: impl Into<String>) -> Run {
        Run {
            text: t.into(),
            bold: false,
            italic: true,
        }
    }
}

/// A piece of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading ("I. CÔNG TÁC CHUẨN BỊ"), bold.
    Heading(String),
    /// A paragraph; body paragraphs are justified with a first-line indent.
    Para { runs: Vec<Run>, align: Align },
    /// A table with a header row; `total` is an optional last row in bold. Widths are relative.
    Table {
        widths: Vec<u32>,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        total: Option<Vec<String>>,
    },
}

impl Block {
    pub fn para(t: impl Into<String>) -> Block {
        Block::Para {
            runs: vec![Run::plain(t)],
            align: Align::Justify,
        }
    }
    pub fn runs(runs: Vec<Run>) -> Block {
        Block::Para {
            runs,
            align: Align::Justify,
        }
    }
}

/// An administrative document ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminDoc {
    pub letterhead: Letterhead,
    /// "BÁO CÁO", "BIÊN BẢN".
    pub title: String,
    /// The summary line under the title.
    pub subtitle: String,
    pub body: Vec<Block>,
    /// "Nơi nhận" lines (each starts with "- " when written).
    pub recipients: Vec<String>,
    /// One block (bottom right) or two (left and right).
    pub signatures: Vec<Signature>,
    pub lang: Lang,
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot write the DOCX archive: {0}")]
    Zip(String),
    #[error("input/output: {0}")]
    Io(#[from] std::io::Error),
}

impl From<zip::result::ZipError> for DocumentError {
    fn from(e: zip::result::ZipError) -> Self {
        DocumentError::Zip(e.to_string())
    }
}

impl Localize for DocumentError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (DocumentError::Zip(e), Lang::Vi) => format!("Không ghi được tệp DOCX: {e}."),
            (DocumentError::Io(e), Lang::Vi) => format!("Lỗi đọc/ghi khi tạo văn bản: {e}."),
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// The national name and motto in the document's language.
pub fn national_name(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::Vi => (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
        ),
        Lang::En => (
            "SOCIALIST REPUBLIC OF VIET NAM",
            "Independence - Freedom - Happiness",
        ),
    }
}

/// The date line: "Dĩnh Kế, ngày 05 tháng 6 năm 2024". Days below 10 and the months January
/// and February take a leading zero, as the rules for administrative documents require.
pub fn date_line(place: &str, d: NaiveDate, lang: Lang) -> String {
    let place = if place.trim().is_empty() {
        "……"
    } else {
        place.trim()
    };
    match lang {
        Lang::Vi => {
            let month = if d.month() <= 2 {
                format!("{:02}", d.month())
            } else {
                d.month().to_string()
            };
            format!(
                "{place}, ngày {:02} tháng {month} năm {}",
                d.day(),
                d.year()
            )
        }
        Lang::En => format!("{place}, {}", d.format("%-d %B %Y")),
    }
}

/// Upper case, keeping Vietnamese letters (ủy → ỦY, đ → Đ).
pub fn upper(s: &str) -> String {
    s.to_uppercase()
}

/// The document's number line: "Số: 25/BC-UBND".
pub fn number_line(number: &str, lang: Lang) -> String {
    let n = if number.trim().is_empty() {
        "      /"
    } else {
        number
    };
    match lang {
        Lang::Vi => format!("Số: {n}"),
        Lang::En => format!("No.: {n}"),
    }
}

impl AdminDoc {
    /// The document as a DOCX file (WordprocessingML).
    pub fn to_docx(&self) -> Result<Vec<u8>, DocumentError> {
        docx::write(self)
    }

    /// The document as plain text (UTF-8), 80 columns wide.
    pub fn to_text(&self) -> String {
        text::write(self)
    }
}
