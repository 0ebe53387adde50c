//! The two languages the product speaks: Vietnamese (the default) and English.

use std::fmt;
use std::str::FromStr;

/// A user-facing language.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Tiếng Việt, the product's language.
    #[default]
    Vi,
    /// English, the second language.
    En,
}

impl Lang {
    /// Picks the Vietnamese or the English text.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vn" | "vi-vn" => Ok(Lang::Vi),
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            other => Err(format!(
                "ngôn ngữ không hỗ trợ: {other} (dùng vi hoặc en) / unsupported language"
            )),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        })
    }
}

/// An error or message that can be told to a user in their language.
pub trait Localize {
    /// The message in `lang`.
    fn localize(&self, lang: Lang) -> String;
}

/// What the operating system said, in `lang`, for the kinds of failure a user meets (a missing
/// file, a refused connection, a full disk…), in place of the system's English text with its
/// error number ("No such file or directory (os error 2)").
pub fn io_reason(kind: std::io::ErrorKind, lang: Lang) -> String {
    let (vi, en) = io_words(kind).unwrap_or(("lỗi của hệ điều hành", "operating system error"));
    lang.pick(vi, en).to_owned()
}

fn io_words(kind: std::io::ErrorKind) -> Option<(&'static str, &'static str)> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::NotFound => (
            "không tìm thấy tệp hoặc thư mục",
            "no such file or directory",
        ),
        K::PermissionDenied => ("không có quyền truy cập", "permission denied"),
        K::ConnectionRefused => (
            "máy chủ từ chối kết nối (có thể máy chủ chưa chạy)",
            "connection refused (the server may not be running)",
        ),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
            ("kết nối bị ngắt giữa chừng", "the connection was cut")
        }
        K::NotConnected => ("chưa có kết nối", "not connected"),
        K::AddrInUse => (
            "địa chỉ đã có chương trình khác dùng",
            "address already in use",
        ),
        K::AddrNotAvailable => (
            "địa chỉ không dùng được trên máy này",
            "address not available",
        ),
        K::TimedOut => ("quá thời gian chờ", "timed out"),
        K::AlreadyExists => ("tệp đã có", "file already exists"),
        K::InvalidInput | K::InvalidData => ("dữ liệu không hợp lệ", "invalid data"),
        K::UnexpectedEof => ("dữ liệu bị cắt ngang", "unexpected end of data"),
        K::StorageFull => ("ổ đĩa đã đầy", "the disk is full"),
        K::ReadOnlyFilesystem => ("ổ đĩa chỉ cho đọc", "read-only file system"),
        K::NotADirectory => ("không phải thư mục", "not a directory"),
        K::IsADirectory => ("là một thư mục, không phải tệp", "is a directory"),
        K::DirectoryNotEmpty => ("thư mục không trống", "directory not empty"),
        K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => (
            "không có đường mạng tới máy chủ",
            "no network route to the server",
        ),
        K::Interrupted => ("bị ngắt", "interrupted"),
        K::OutOfMemory => ("hết bộ nhớ", "out of memory"),
        _ => return None,
    })
}

/// [`io_reason`] of an I/O error; for a kind it has no words of its own for, the system's text
/// follows in brackets so that nothing is hidden from whoever reads the log or helps the user.
pub fn io_error(e: &std::io::Error, lang: Lang) -> String {
    let reason = io_reason(e.kind(), lang);
    if io_words(e.kind()).is_some() {
        reason
    } else {
        format!("{reason} ({e})")
    }
}

/// A device role (`collector`, `office`, `monitor`, as the registry stores it) as a user reads it.
pub fn role_label(role: &str, lang: Lang) -> String {
    let (vi, en) = match role {
        "collector" => ("điểm tiếp nhận ý kiến", "collection point"),
        "office" => ("văn phòng phường", "ward office"),
        "monitor" => (
            "Mặt trận Tổ quốc (giám sát)",
            "Fatherland Front (monitoring)",
        ),
        other => (other, other),
    };
    lang.pick(vi, en).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_errors_are_told_in_vietnamese_without_error_numbers() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_error(&e, Lang::Vi), "không tìm thấy tệp hoặc thư mục");
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(io_error(&e, Lang::Vi).starts_with("máy chủ từ chối kết nối"));
        let e = std::io::Error::other("lạ");
        assert_eq!(io_error(&e, Lang::Vi), "lỗi của hệ điều hành (lạ)");
    }
}
