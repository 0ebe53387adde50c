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
pub mod metrics;
mod session;
mod text;

use chrono::{Datelike, NaiveDate};
use doithoai_model::{Lang, Localize};

pub use session::{
    MinutesOptions, ReportOptions, issuer, minutes_defaults, place_of, report_defaults,
    session_minutes, session_report,
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
    /// A picture (a chart) as wide as the text: the PNG every word processor shows, and the SVG
    /// that Word draws in its place when given; `alt` is its alternative text (the numbers in
    /// words). `width_px` × `height_px` give its proportions.
    Image {
        png: Vec<u8>,
        svg: Option<String>,
        width_px: u32,
        height_px: u32,
        alt: String,
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

/// Where an unfinal "oa", "oe" or "uy" carries its tone mark: on the second vowel in the older
/// spelling ("hoá", "thuỷ"), on the first in the newer one ("hóa", "thủy"). Both are correct
/// and both are in use, so one document can end up with both: the registry's "Văn hoá - Xã hội"
/// in one column and "Văn hóa - Xã hội" as the chair dictated the conclusion in the next.
const TONE_PLACEMENT: [(&str, &str); 15] = [
    ("oá", "óa"),
    ("oà", "òa"),
    ("oả", "ỏa"),
    ("oã", "õa"),
    ("oạ", "ọa"),
    ("oé", "óe"),
    ("oè", "òe"),
    ("oẻ", "ỏe"),
    ("oẽ", "õe"),
    ("oẹ", "ọe"),
    ("uý", "úy"),
    ("uỳ", "ùy"),
    ("uỷ", "ủy"),
    ("uỹ", "ũy"),
    ("uỵ", "ụy"),
];

/// `name` with the tone of each word-final "oa", "oe", "uy" moved to the other vowel: the
/// other spelling of the same name.
fn other_tone_placement(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        let end = chars.get(i + 2).is_none_or(|c| !c.is_alphabetic());
        if end && i + 1 < chars.len() {
            let pair: String = chars[i..i + 2].iter().collect();
            let lower = pair.to_lowercase();
            let swapped = TONE_PLACEMENT.iter().find_map(|(old, new)| {
                if lower == *old {
                    Some(*new)
                } else if lower == *new {
                    Some(*old)
                } else {
                    None
                }
            });
            if let Some(sw) = swapped {
                // Keep the case of each letter.
                for (orig, s) in pair.chars().zip(sw.chars()) {
                    if orig.is_uppercase() {
                        out.extend(s.to_uppercase());
                    } else {
                        out.push(s);
                    }
                }
                i += 2;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `text` with every name of `names` written in another tone placement ("Văn hóa - Xã hội")
/// spelt as in `names` ("Văn hoá - Xã hội").
pub fn follow_spelling(text: &str, names: &[&str]) -> String {
    let mut out = text.to_owned();
    for name in names {
        let other = other_tone_placement(name);
        if other != *name && out.contains(&other) {
            out = out.replace(&other, name);
        }
    }
    out
}

impl AdminDoc {
    /// The document with the names of the ward's departments and fields spelt everywhere as the
    /// ward's registry spells them (see [`follow_spelling`]).
    pub fn in_registry_spelling(mut self, reg: &doithoai_model::Registry) -> AdminDoc {
        let mut names: Vec<&str> = reg.departments.iter().map(|d| d.name.as_str()).collect();
        names.extend(reg.fields.iter().map(|f| f.label_vi.as_str()));
        let fix = |s: &mut String| *s = follow_spelling(s, &names);
        fix(&mut self.title);
        fix(&mut self.subtitle);
        for b in &mut self.body {
            match b {
                Block::Heading(t) => fix(t),
                Block::Para { runs, .. } => runs.iter_mut().for_each(|r| fix(&mut r.text)),
                Block::Table {
                    header,
                    rows,
                    total,
                    ..
                } => {
                    header.iter_mut().for_each(fix);
                    rows.iter_mut().flatten().for_each(fix);
                    total.iter_mut().flatten().for_each(fix);
                }
                Block::Image { alt, .. } => fix(alt),
            }
        }
        self.recipients.iter_mut().for_each(fix);
        self
    }

    /// The document as a DOCX file (WordprocessingML).
    pub fn to_docx(&self) -> Result<Vec<u8>, DocumentError> {
        docx::write(self, docx::Layout::of(false))
    }

    /// The document as a DOCX file on A4 landscape, its tables in 11 pt (a register of many
    /// columns).
    pub fn to_docx_landscape(&self) -> Result<Vec<u8>, DocumentError> {
        docx::write(self, docx::Layout::of(true))
    }

    /// The document as plain text (UTF-8), 80 columns wide.
    pub fn to_text(&self) -> String {
        text::write(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_of_a_department() {
        let names = [
            "Văn hoá - Xã hội",
            "Địa chính - Xây dựng - Đô thị và Môi trường",
        ];
        assert_eq!(
            follow_spelling("Giao Văn hóa - Xã hội khảo sát, sửa chữa", &names),
            "Giao Văn hoá - Xã hội khảo sát, sửa chữa"
        );
        // The newer spelling in the registry wins the other way round too.
        assert_eq!(
            follow_spelling("Phòng Văn hoá - Xã hội", &["Văn hóa - Xã hội"]),
            "Phòng Văn hóa - Xã hội"
        );
        // Only word-final pairs: "hoàn", "thuyền" have one spelling and are left alone.
        assert_eq!(other_tone_placement("hoàn thuyền"), "hoàn thuyền");
        assert_eq!(other_tone_placement("Thuỷ lợi, HOÁ"), "Thủy lợi, HÓA");
        // Other words are not touched.
        assert_eq!(
            follow_spelling("Văn hóa quần chúng", &names),
            "Văn hóa quần chúng"
        );
    }
}
