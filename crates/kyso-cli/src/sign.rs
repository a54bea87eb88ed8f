//! `kyso sign`: sign a PDF with a software key (PEM), visibly or not.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use kyso_pdf::FileSource;
use kyso_pdf::appearance::{Appearance, Style};
use kyso_pdf::sign::SignOptions;
use kyso_pdf::signer::{self, SoftwareKey};
use kyso_pdf::timestamp::Rfc3161Client;

use crate::Failure;
use crate::tsa::HttpTsa;

/// Arguments of `kyso sign` (DESIGN.md §10; extended only).
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Tệp PDF cần ký / the PDF to sign.
    input: PathBuf,
    /// Tệp PDF đã ký / where to write the signed PDF (written only on success).
    #[arg(long)]
    out: PathBuf,
    /// Khóa bí mật PEM (PKCS#8, SEC1 hoặc PKCS#1) / private key, PEM.
    #[arg(long)]
    key: PathBuf,
    /// Chứng thư số của người ký (PEM) / the signer's certificate, PEM.
    #[arg(long)]
    cert: PathBuf,
    /// Chuỗi chứng thư trung gian (PEM) / intermediate certificates, PEM.
    #[arg(long)]
    chain: Option<PathBuf>,
    /// Ảnh chữ ký tay (PNG nền trong suốt) / handwritten signature image.
    #[arg(long)]
    signature_image: Option<PathBuf>,
    /// Ảnh con dấu (PNG nền trong suốt, kích thước thật) / agency seal image.
    #[arg(long)]
    seal_image: Option<PathBuf>,
    /// Trang đặt chữ ký, từ 1 / 1-based page (default: last page; page 1 for --style copy).
    #[arg(long)]
    page: Option<usize>,
    /// Vị trí X,Y,W,H theo point / rectangle in points (default: automatic placement).
    #[arg(long, value_parser = parse_rect)]
    rect: Option<[f64; 4]>,
    /// Chữ ký không hiển thị / invisible signature.
    #[arg(long, conflicts_with_all = ["signature_image", "seal_image", "rect", "style"])]
    invisible: bool,
    /// Lý do ký / reason.
    #[arg(long)]
    reason: Option<String>,
    /// Địa chỉ máy chủ cấp dấu thời gian RFC 3161 / RFC 3161 TSA URL (PAdES B-T).
    #[arg(long)]
    tsa: Option<String>,
    /// Kiểu hiển thị theo NĐ 30/2020 / appearance style.
    #[arg(long, value_enum)]
    style: Option<StyleArg>,
    /// Chức vụ người ký / the signer's title, e.g. "CHỦ TỊCH".
    #[arg(long)]
    title: Option<String>,
    /// Họ tên người ký (mặc định: CN của chứng thư) / full name (default: certificate CN).
    #[arg(long)]
    name: Option<String>,
    /// Tên cơ quan (mặc định: O của chứng thư) / agency (default: certificate O).
    #[arg(long)]
    agency: Option<String>,
    /// Nơi ký / location.
    #[arg(long)]
    location: Option<String>,
    /// Tên trường chữ ký / signature field name.
    #[arg(long)]
    field: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StyleArg {
    /// Chữ ký của người có thẩm quyền / a leader's signature block.
    Leader,
    /// Bản sao, phụ lục / copies and attachments (text only, top right of page 1).
    Copy,
}

fn parse_rect(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| "expected X,Y,W,H as four numbers".to_string())?;
    match v.as_slice() {
        [x, y, w, h] if *w > 0.0 && *h > 0.0 => Ok([*x, *y, *w, *h]),
        [_, _, _, _] => Err("width and height must be positive".into()),
        _ => Err("expected X,Y,W,H as four numbers".into()),
    }
}

fn read(path: &Path, what_vi: &str, what_en: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Failure::usage(
            format!("không đọc được {what_vi} {}: {e}", path.display()),
            format!("cannot read the {what_en} {}: {e}", path.display()),
        )
    })
}

fn read_text(path: &Path, what_vi: &str, what_en: &str) -> Result<String, Failure> {
    String::from_utf8(read(path, what_vi, what_en)?).map_err(|_| {
        Failure::usage(
            format!("{what_vi} {} không phải tệp PEM", path.display()),
            format!("the {what_en} {} is not a PEM file", path.display()),
        )
    })
}

pub fn run(args: SignArgs) -> Result<(), Failure> {
    let key = SoftwareKey::from_pem(&read_text(&args.key, "khóa", "key")?)?;
    let mut certs =
        signer::certificates_from_pem(&read_text(&args.cert, "chứng thư", "certificate")?)?;
    let cert = certs.remove(0);
    let mut chain = certs;
    if let Some(c) = &args.chain {
        chain.extend(signer::certificates_from_pem(&read_text(
            c,
            "chuỗi chứng thư",
            "chain",
        )?)?);
    }
    key.check_matches(&cert)?;

    let style = match (args.invisible, args.style) {
        (true, _) => Style::Invisible,
        (false, Some(StyleArg::Copy)) => Style::Copy,
        _ => Style::Leader,
    };
    let image =
        |p: &Option<PathBuf>, vi: &str, en: &str| p.as_deref().map(|p| read(p, vi, en)).transpose();
    let appearance = Appearance {
        style,
        signature_image: image(&args.signature_image, "ảnh chữ ký", "signature image")?,
        seal_image: image(&args.seal_image, "ảnh con dấu", "seal image")?,
        title: args.title,
        signer_name: args
            .name
            .or_else(|| signer::subject_common_name(&cert))
            .unwrap_or_else(|| "Người ký".into()),
        agency: args.agency.or_else(|| signer::subject_organization(&cert)),
        number: None,
    };
    let opts = SignOptions {
        page: args.page,
        rect: args.rect,
        appearance,
        reason: args.reason,
        location: args.location,
        signing_time: time::OffsetDateTime::now_utc(),
        contents_reserve: None,
        field_name: args.field,
    };

    let src = FileSource::open(&args.input).map_err(|e| {
        Failure::usage(
            format!("không mở được {}: {e}", args.input.display()),
            format!("cannot open {}: {e}", args.input.display()),
        )
    })?;
    // Write beside the target and rename on success: a failure leaves nothing behind.
    let dir = match args.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kyso-sign-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| {
            Failure::usage(
                format!("không tạo được tệp trong {}: {e}", dir.display()),
                format!("cannot create a file in {}: {e}", dir.display()),
            )
        })?;
    let tsa = args
        .tsa
        .as_deref()
        .map(|u| Rfc3161Client::new(HttpTsa::new(u)));
    let signed = kyso_pdf::sign::sign(
        &src,
        tmp.as_file_mut(),
        &key,
        &cert,
        &chain,
        tsa.as_ref()
            .map(|t| t as &dyn kyso_pdf::timestamp::TimeStamper),
        &opts,
    )?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Failure::usage(format!("lỗi ghi tệp: {e}"), format!("write failed: {e}")))?;
    tmp.persist(&args.out).map_err(|e| {
        Failure::usage(
            format!("không ghi được {}: {}", args.out.display(), e.error),
            format!("cannot write {}: {}", args.out.display(), e.error),
        )
    })?;
    println!(
        "đã ký / signed: {} (trường / field {}{})",
        args.out.display(),
        signed.field_name,
        if signed.timestamped {
            ", PAdES B-T"
        } else {
            ", PAdES B-B"
        }
    );
    Ok(())
}
