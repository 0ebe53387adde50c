//! The UI's errors: each renders a page that says, in Vietnamese (or English), what went wrong
//! and what to do. A handler's error travels in the response's extensions to the guard, which
//! knows the request's language and renders it.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use doithoai_model::{Lang, Localize};

use crate::app::AppError;

/// Why the guard refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// The Host header is not 127.0.0.1 or localhost.
    Host,
    /// The key in the address is wrong.
    BadKey,
    /// No cookie (the address was opened without its key).
    NoSecret,
    /// A POST without the CSRF token.
    Csrf,
    TooLarge,
}

/// What an error page shows, in both languages.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: (String, String),
    pub message: (String, String),
}

impl ErrorPage {
    pub fn forbidden(why: Forbidden) -> ErrorPage {
        let (vi, en) = match why {
            Forbidden::Host => (
                "Giao diện chỉ mở được bằng địa chỉ 127.0.0.1 hoặc localhost trên chính máy này. Yêu cầu này đến từ một tên máy khác nên bị từ chối.",
                "The UI opens only at 127.0.0.1 or localhost on this machine. This request named another host and was refused.",
            ),
            Forbidden::BadKey => (
                "Mã truy cập trong địa chỉ không đúng (mỗi lần chạy `doithoai serve` có một mã mới). Hãy mở địa chỉ mà `doithoai serve` vừa in ra, hoặc chạy `doithoai ui`.",
                "The access key in the address is wrong (each run of `doithoai serve` makes a new one). Open the address `doithoai serve` printed, or run `doithoai ui`.",
            ),
            Forbidden::NoSecret => (
                "Cần mở giao diện bằng địa chỉ có mã truy cập (…/?key=…) mà `doithoai serve` in ra, hoặc chạy `doithoai ui`. Như vậy chỉ người dùng máy này mới xem được dữ liệu.",
                "Open the UI with the address carrying its access key (…/?key=…) that `doithoai serve` printed, or run `doithoai ui`. That way only this machine's user can see the data.",
            ),
            Forbidden::Csrf => (
                "Biểu mẫu này không mang mã bảo vệ của phiên làm việc (có thể trang đã cũ, hoặc yêu cầu đến từ trang web khác). Không có gì bị thay đổi. Hãy tải lại trang rồi làm lại.",
                "This form did not carry the session's protection token (the page may be old, or the request came from another site). Nothing was changed. Reload the page and try again.",
            ),
            Forbidden::TooLarge => (
                "Nội dung gửi lên quá lớn. Không có gì bị thay đổi.",
                "What was sent is too large. Nothing was changed.",
            ),
        };
        ErrorPage {
            status: StatusCode::FORBIDDEN,
            title: ("Không được phép".into(), "Not allowed".into()),
            message: (vi.into(), en.into()),
        }
    }
}

/// A handler's error.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Office(#[from] crate::office_app::OfficeError),
    #[error(transparent)]
    Sessions(#[from] crate::sessions_app::SessionsError),
    #[error(transparent)]
    Store(#[from] doithoai_store::StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("not found")]
    NotFound,
    #[error("this device is not set up")]
    NotSetUp,
}

impl WebError {
    fn page(&self) -> ErrorPage {
        let both = |e: &dyn Localize| (e.localize(Lang::Vi), e.localize(Lang::En));
        let (status, title, message) = match self {
            WebError::App(e @ (AppError::NoSuchPetition(_) | AppError::Ambiguous { .. })) => (
                StatusCode::NOT_FOUND,
                ("Không tìm thấy".into(), "Not found".into()),
                both(e),
            ),
            WebError::App(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ("Có lỗi".into(), "Something went wrong".into()),
                both(e),
            ),
            // A page of the office's opened on a TDP or MTTQ laptop: refused, not broken.
            WebError::Office(e @ crate::office_app::OfficeError::NotOffice { .. }) => (
                StatusCode::FORBIDDEN,
                ("Không được phép".into(), "Not allowed".into()),
                both(e),
            ),
            WebError::Sessions(
                e @ (crate::sessions_app::SessionsError::NotOffice { .. }
                | crate::sessions_app::SessionsError::Office(
                    crate::office_app::OfficeError::NotOffice { .. },
                )),
            ) => (
                StatusCode::FORBIDDEN,
                ("Không được phép".into(), "Not allowed".into()),
                both(e),
            ),
            WebError::Office(
                e @ (crate::office_app::OfficeError::NoSuchNumber(_)
                | crate::office_app::OfficeError::App(
                    AppError::NoSuchPetition(_) | AppError::Ambiguous { .. },
                )),
            ) => (
                StatusCode::NOT_FOUND,
                ("Không tìm thấy".into(), "Not found".into()),
                both(e),
            ),
            WebError::Sessions(e @ crate::sessions_app::SessionsError::NoSuchSession(_)) => (
                StatusCode::NOT_FOUND,
                ("Không tìm thấy".into(), "Not found".into()),
                both(e),
            ),
            WebError::Office(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ("Có lỗi".into(), "Something went wrong".into()),
                both(e),
            ),
            WebError::Sessions(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ("Có lỗi".into(), "Something went wrong".into()),
                both(e),
            ),
            WebError::Store(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ("Có lỗi".into(), "Something went wrong".into()),
                both(e),
            ),
            WebError::Template(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ("Có lỗi".into(), "Something went wrong".into()),
                (
                    format!("Không hiển thị được trang ({e})."),
                    format!("The page could not be shown ({e})."),
                ),
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                ("Không tìm thấy".into(), "Not found".into()),
                (
                    "Không có trang này. Hãy chọn một mục trên thanh điều hướng.".into(),
                    "There is no such page. Pick an item in the navigation bar.".into(),
                ),
            ),
            WebError::NotSetUp => (
                StatusCode::CONFLICT,
                ("Máy chưa được thiết lập".into(), "Not set up".into()),
                (
                    "Máy này chưa được thiết lập. Hãy vào mục «Thiết lập» trước.".into(),
                    "This device is not set up. Open «Set-up» first.".into(),
                ),
            ),
        };
        ErrorPage {
            status,
            title,
            message,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        tracing::warn!(error = %self, "request failed");
        let page = self.page();
        let mut resp = page.status.into_response();
        resp.extensions_mut().insert(page);
        resp
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    lang_code: &'a str,
    title: &'a str,
    message: &'a str,
    home: &'a str,
    status: u16,
}

/// The error page in `lang`.
pub fn render_error(page: &ErrorPage, lang: Lang, _port: u16) -> Response {
    let pick = |p: &(String, String)| match lang {
        Lang::Vi => p.0.clone(),
        Lang::En => p.1.clone(),
    };
    let (title, message) = (pick(&page.title), pick(&page.message));
    let t = ErrorTemplate {
        lang_code: lang.pick("vi", "en"),
        title: &title,
        message: &message,
        home: lang.pick("Về trang đầu", "Back to the start"),
        status: page.status.as_u16(),
    };
    let body = t.render().unwrap_or_else(|_| format!("{title}: {message}"));
    let mut r = (page.status, Html(body)).into_response();
    // The error page carries its own small style: it must look right even when the request was
    // refused (the stylesheet needs the cookie too). Nothing else may load.
    r.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}
