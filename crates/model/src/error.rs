//! Errors of the domain model, each with a specific message in Vietnamese and English.

use crate::lang::{Lang, Localize};

/// Why a record was refused. Nothing is written when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the content is empty")]
    EmptyContent,
    #[error("no resident is named")]
    NoResident,
    #[error("resident {index} has no name")]
    EmptyResidentName { index: usize },
    #[error("too many residents (at most {max})")]
    TooManyResidents { max: usize },
    #[error("{field} is too long: {actual} characters, at most {max}")]
    TooLong {
        field: &'static str,
        max: usize,
        actual: usize,
    },
    #[error("unknown field {value:?}")]
    UnknownField { value: String, known: Vec<String> },
    #[error("unknown petition type {value:?}")]
    UnknownKind { value: String },
    #[error("impossible date {value}")]
    ImpossibleDate { value: String },
    #[error("{value} is not a date")]
    NotADate { value: String },
    #[error("cannot read the date {value:?}")]
    BadDate { value: String },
    #[error("invalid phone number {value:?}")]
    InvalidPhone { value: String },
    #[error("invalid ID number {value:?}")]
    InvalidIdNumber { value: String },
    #[error("{value:?} is not a number ({what})")]
    NotANumber { what: &'static str, value: String },
    #[error("invalid number of people {value}")]
    InvalidPeopleCount { value: i64, max: u32 },
    #[error("no collection point")]
    NoCollectionPoint,
    #[error("unknown collection point {value:?}")]
    UnknownPoint { value: String },
    #[error("unknown department {value:?}")]
    UnknownDepartment { value: String },
    #[error("{what} is required")]
    Required { what: &'static str },
    #[error("invalid value for {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
}

/// The Vietnamese and English names of a field of a form.
pub fn field_label(field: &str, lang: Lang) -> &str {
    match field {
        "content" => lang.pick("nội dung", "content"),
        "request" => lang.pick("đề nghị của người dân", "request"),
        "place" => lang.pick("địa điểm", "place"),
        "name" => lang.pick("họ tên", "name"),
        "address" => lang.pick("địa chỉ", "address"),
        "tdp" => lang.pick("tổ dân phố", "residential group"),
        "created_by" => lang.pick("người ghi", "recorded by"),
        "reason" => lang.pick("lý do", "reason"),
        "answer" => lang.pick("nội dung trả lời", "answer"),
        "minutes" => lang.pick("biên bản", "minutes"),
        "topic" => lang.pick("chủ đề", "topic"),
        "people_count" => lang.pick("số người cùng ý kiến", "number of people"),
        other => other,
    }
}

impl Localize for ValidationError {
    fn localize(&self, lang: Lang) -> String {
        use ValidationError::*;
        match (self, lang) {
            (EmptyContent, Lang::Vi) => "Nội dung ý kiến không được để trống.".into(),
            (EmptyContent, Lang::En) => "The content must not be empty.".into(),
            (NoResident, Lang::Vi) => "Cần ghi ít nhất một người dân (họ tên).".into(),
            (NoResident, Lang::En) => "At least one resident (name) is required.".into(),
            (EmptyResidentName { index }, Lang::Vi) => {
                format!("Người dân thứ {index} chưa có họ tên.")
            }
            (EmptyResidentName { index }, Lang::En) => format!("Resident {index} has no name."),
            (TooManyResidents { max }, Lang::Vi) => {
                format!(
                    "Quá nhiều người dân trong một ý kiến (tối đa {max}); hãy ghi số người thay cho danh sách."
                )
            }
            (TooManyResidents { max }, Lang::En) => {
                format!(
                    "Too many residents on one petition (at most {max}); give the number of people instead."
                )
            }
            (TooLong { field, max, actual }, _) => match lang {
                Lang::Vi => format!(
                    "Trường «{}» quá dài: {actual} ký tự, tối đa {max} ký tự.",
                    field_label(field, lang)
                ),
                Lang::En => format!(
                    "The {} is too long: {actual} characters, at most {max}.",
                    field_label(field, lang)
                ),
            },
            (UnknownField { value, known }, Lang::Vi) => format!(
                "Lĩnh vực «{value}» không có trong danh mục của phường. Các mã hợp lệ: {}.",
                known.join(", ")
            ),
            (UnknownField { value, known }, Lang::En) => format!(
                "Field {value:?} is not in the ward's list. Valid codes: {}.",
                known.join(", ")
            ),
            (UnknownKind { value }, Lang::Vi) => format!(
                "Loại ý kiến «{value}» không hợp lệ (kien_nghi, phan_anh, y_kien, khieu_nai, to_cao)."
            ),
            (UnknownKind { value }, Lang::En) => format!(
                "Unknown petition type {value:?} (kien_nghi, phan_anh, y_kien, khieu_nai, to_cao)."
            ),
            (ImpossibleDate { value }, Lang::Vi) => {
                format!("Ngày {value} không hợp lệ: không được ở tương lai hoặc trước năm 2000.")
            }
            (ImpossibleDate { value }, Lang::En) => {
                format!("Impossible date {value}: not in the future nor before 2000.")
            }
            (NotADate { value }, Lang::Vi) => format!(
                "{value} không phải là một ngày có thật (lịch không có ngày này). Hãy viết theo dạng dd/mm/yyyy, ví dụ 28/11/2026."
            ),
            (NotADate { value }, Lang::En) => format!(
                "{value} is not a date (the calendar has no such day). Write it as dd/mm/yyyy, e.g. 28/11/2026."
            ),
            (BadDate { value }, Lang::Vi) => format!(
                "Không đọc được ngày «{value}». Hãy viết theo dạng dd/mm/yyyy, ví dụ 28/11/2026."
            ),
            (BadDate { value }, Lang::En) => {
                format!("Cannot read the date {value:?}. Write it as dd/mm/yyyy, e.g. 28/11/2026.")
            }
            (InvalidPhone { value }, Lang::Vi) => {
                format!("Số điện thoại «{value}» không hợp lệ (8 đến 15 chữ số).")
            }
            (InvalidPhone { value }, Lang::En) => {
                format!("Invalid phone number {value:?} (8 to 15 digits).")
            }
            (InvalidIdNumber { value }, Lang::Vi) => {
                format!("Số CCCD/CMND «{value}» không hợp lệ (12 hoặc 9 chữ số).")
            }
            (InvalidIdNumber { value }, Lang::En) => {
                format!("Invalid ID number {value:?} (12 or 9 digits).")
            }
            (NotANumber { what, value }, Lang::Vi) => format!(
                "«{value}» không phải là một số ({}); hãy gõ bằng chữ số, ví dụ 5.",
                field_label(what, lang)
            ),
            (NotANumber { what, value }, Lang::En) => format!(
                "{value:?} is not a number ({}); type it in digits, e.g. 5.",
                field_label(what, lang)
            ),
            (InvalidPeopleCount { value, max }, Lang::Vi) => {
                format!("Số người cùng ý kiến phải từ 1 đến {max} (đã nhập {value}).")
            }
            (InvalidPeopleCount { value, max }, Lang::En) => {
                format!("The number of people must be between 1 and {max} (got {value}).")
            }
            (NoCollectionPoint, Lang::Vi) => {
                "Chưa có điểm tiếp nhận (tổ dân phố, tổ chức hoặc bộ phận văn phòng).".into()
            }
            (NoCollectionPoint, Lang::En) => "No collection point.".into(),
            (UnknownPoint { value }, Lang::Vi) => format!("Không có điểm tiếp nhận «{value}»."),
            (UnknownPoint { value }, Lang::En) => format!("Unknown collection point {value:?}."),
            (UnknownDepartment { value }, Lang::Vi) => {
                format!("Không có bộ phận «{value}» trong danh mục của phường.")
            }
            (UnknownDepartment { value }, Lang::En) => format!("Unknown department {value:?}."),
            (Required { what }, Lang::Vi) => format!("Cần nhập {}.", field_label(what, lang)),
            (Required { what }, Lang::En) => {
                format!("The {} is required.", field_label(what, lang))
            }
            (Invalid { what, value }, Lang::Vi) => {
                format!(
                    "Giá trị «{value}» không hợp lệ cho {}.",
                    field_label(what, lang)
                )
            }
            (Invalid { what, value }, Lang::En) => {
                format!("Invalid value {value:?} for {}.", field_label(what, lang))
            }
        }
    }
}
