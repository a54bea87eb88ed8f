//! The one error type of `kyso-pdf`.
//!
//! Every variant maps to one clear line for the user; `Error::code` gives a
//! stable machine-readable code so the CLI, the gateway and the app can branch
//! on it without reading message text.

use std::io;

/// Everything that can go wrong while reading, signing or writing a PDF.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing bytes failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The input has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The input does not start like a PDF file.
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    /// The input ends before the PDF structure does.
    #[error("the PDF file is truncated: {0}")]
    Truncated(String),
    /// The document is encrypted; Kyso signs only unencrypted documents.
    #[error("the PDF is encrypted; decrypt it before signing")]
    Encrypted,
    /// The bytes break PDF syntax at a known place.
    #[error("malformed PDF at byte {offset}: {message}")]
    Syntax {
        /// Absolute byte offset in the file.
        offset: u64,
        /// What was expected or found.
        message: String,
    },
    /// The structure is readable but not what the PDF specification allows.
    #[error("invalid PDF structure: {0}")]
    Structure(String),
    /// A safety limit (depth, size, decompression ratio, count) was exceeded.
    #[error("PDF exceeds a safety limit: {0}")]
    Limit(String),
    /// A valid PDF feature that Kyso does not handle.
    #[error("unsupported PDF feature: {0}")]
    Unsupported(String),
    /// The requested page does not exist.
    #[error("page {requested} does not exist (the document has {count} pages)")]
    PageOutOfRange {
        /// 1-based page number asked for.
        requested: usize,
        /// Number of pages in the document.
        count: usize,
    },
    /// A certificate, key or CMS structure could not be used.
    #[error("cryptography error: {0}")]
    Crypto(String),
    /// The signer's key does not belong to the given certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// An appearance input (image, font, text) could not be used.
    #[error("signature appearance: {0}")]
    Appearance(String),
    /// The finished signature does not fit the space reserved in `/Contents`.
    #[error("the signature needs {needed} bytes but only {reserved} were reserved")]
    SignatureTooLarge {
        /// Bytes of DER the CMS needs.
        needed: usize,
        /// Bytes reserved in the placeholder.
        reserved: usize,
    },
    /// A timestamp authority failed or answered something unusable.
    #[error("timestamp: {0}")]
    Timestamp(String),
}

impl Error {
    /// Stable code for programs (closed set, kebab-free snake case).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io(_) => "io",
            Error::Empty => "empty_file",
            Error::NotPdf => "not_pdf",
            Error::Truncated(_) => "truncated",
            Error::Encrypted => "encrypted",
            Error::Syntax { .. } => "syntax",
            Error::Structure(_) => "structure",
            Error::Limit(_) => "limit",
            Error::Unsupported(_) => "unsupported",
            Error::PageOutOfRange { .. } => "page_out_of_range",
            Error::Crypto(_) => "crypto",
            Error::KeyMismatch => "key_mismatch",
            Error::Appearance(_) => "appearance",
            Error::SignatureTooLarge { .. } => "signature_too_large",
            Error::Timestamp(_) => "timestamp",
        }
    }

    /// The message in Vietnamese, for users (the `Display` form is English).
    pub fn message_vi(&self) -> String {
        match self {
            Error::Io(e) => format!("lỗi đọc/ghi tệp: {e}"),
            Error::Empty => "tệp rỗng".into(),
            Error::NotPdf => "không phải tệp PDF (thiếu phần đầu %PDF-)".into(),
            Error::Truncated(_) => "tệp PDF bị cắt cụt, không đầy đủ".into(),
            Error::Encrypted => "tệp PDF đã được mã hóa; hãy giải mã trước khi ký".into(),
            Error::Syntax { offset, .. } => format!("tệp PDF bị lỗi cấu trúc tại byte {offset}"),
            Error::Structure(_) => "cấu trúc tệp PDF không hợp lệ".into(),
            Error::Limit(_) => "tệp PDF vượt quá giới hạn an toàn".into(),
            Error::Unsupported(_) => "tệp PDF dùng tính năng chưa được hỗ trợ".into(),
            Error::PageOutOfRange { requested, count } => {
                format!("không có trang {requested} (tài liệu có {count} trang)")
            }
            Error::Crypto(_) => "lỗi chứng thư số, khóa hoặc chữ ký".into(),
            Error::KeyMismatch => "khóa bí mật không khớp với chứng thư số".into(),
            Error::Appearance(_) => "không tạo được hình ảnh chữ ký".into(),
            Error::SignatureTooLarge { .. } => "chữ ký lớn hơn vùng đã dành sẵn".into(),
            Error::Timestamp(_) => "lỗi dấu thời gian (TSA)".into(),
        }
    }

    pub(crate) fn syntax(offset: u64, message: impl Into<String>) -> Self {
        Error::Syntax {
            offset,
            message: message.into(),
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
