//! `kyso verify`: the strict PAdES verifier (DESIGN.md §6, §10).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use kyso_pdf::FileSource;
use kyso_pdf::signer;
use kyso_pdf::source::for_each_chunk;
use kyso_pdf::verify::report::{Indication, Lang};
use kyso_pdf::verify::{Original, Profile, VerifyOptions, crypto::DigestAlg, crypto::Hasher};

use crate::Failure;

/// Arguments of `kyso verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Tệp PDF cần kiểm tra / the PDF to verify.
    file: PathBuf,
    /// Chứng thư gốc tin cậy (PEM, có thể lặp lại) / trust anchor, PEM (repeatable).
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Văn bản đã phát hành mà chữ ký phải dựa trên / the issued document the signature must build on.
    #[arg(long)]
    original: Option<PathBuf>,
    /// Danh sách thu hồi (CRL, DER hoặc PEM, có thể lặp lại) ngoài DSS của tệp /
    /// a certificate revocation list (DER or PEM, repeatable) besides the file's DSS,
    /// e.g. the gateway's `/api/v1/ca/crl`.
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// strict (A, mặc định) hoặc multi (B) / change profile.
    #[arg(long, value_enum, default_value_t = ProfileArg::Strict)]
    profile: ProfileArg,
    /// Định dạng báo cáo / report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Ngôn ngữ báo cáo / report language.
    #[arg(long, value_enum, default_value_t = LangArg::Vi)]
    lang: LangArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProfileArg {
    Strict,
    Multi,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LangArg {
    Vi,
    En,
}

/// A CRL file, DER or PEM (`-----BEGIN X509 CRL-----`).
fn read_crl(p: &PathBuf) -> Result<x509_cert::crl::CertificateList, Failure> {
    use der::Decode;
    let bytes = std::fs::read(p).map_err(|e| {
        Failure::usage(
            format!("không đọc được CRL {}: {e}", p.display()),
            format!("cannot read the CRL {}: {e}", p.display()),
        )
    })?;
    x509_cert::crl::CertificateList::from_der(&bytes)
        .or_else(|e| match der::pem::decode_vec(&bytes) {
            Ok(("X509 CRL", der)) => x509_cert::crl::CertificateList::from_der(&der),
            _ => Err(e),
        })
        .map_err(|e| {
            Failure::usage(
                format!("{} không phải CRL (DER/PEM): {e}", p.display()),
                format!("{} is not a CRL (DER or PEM): {e}", p.display()),
            )
        })
}

/// Runs the verifier; `Ok(true)` only for TOTAL_PASSED.
pub fn run(args: VerifyArgs) -> Result<bool, Failure> {
    let mut trust = Vec::new();
    for p in &args.trust {
        let pem = std::fs::read_to_string(p).map_err(|e| {
            Failure::usage(
                format!("không đọc được chứng thư gốc {}: {e}", p.display()),
                format!("cannot read the trust anchor {}: {e}", p.display()),
            )
        })?;
        trust.extend(
            signer::certificates_from_pem(&pem)
                .map_err(|e| Failure::usage(e.message_vi(), e.to_string()))?,
        );
    }
    let mut crls = Vec::new();
    for p in &args.crl {
        crls.push(read_crl(p)?);
    }
    let open = |p: &PathBuf| {
        FileSource::open(p).map_err(|e| {
            Failure::usage(
                format!("không mở được {}: {e}", p.display()),
                format!("cannot open {}: {e}", p.display()),
            )
        })
    };
    let original = match &args.original {
        Some(p) => {
            let src = open(p)?;
            let mut h = Hasher::new(DigestAlg::Sha256);
            for_each_chunk(&src, 0..kyso_pdf::Source::len(&src), |c| {
                h.update(c);
                Ok(())
            })
            .map_err(|e| {
                Failure::usage(
                    format!("lỗi đọc {}: {e}", p.display()),
                    format!("cannot read {}: {e}", p.display()),
                )
            })?;
            let mut sha256 = [0u8; 32];
            sha256.copy_from_slice(&h.finish());
            Some(Original {
                len: kyso_pdf::Source::len(&src),
                sha256,
            })
        }
        None => None,
    };
    let src = open(&args.file)?;
    let opts = VerifyOptions {
        profile: match args.profile {
            ProfileArg::Strict => Profile::Strict,
            ProfileArg::Multi => Profile::Multi,
        },
        trust,
        original,
        now: time::OffsetDateTime::now_utc(),
    };
    let report = kyso_pdf::verify::verify_with_crls(&src, &opts, &crls);
    let text = match args.format {
        FormatArg::Json => report.to_json() + "\n",
        FormatArg::Text => report.to_text(match args.lang {
            LangArg::Vi => Lang::Vi,
            LangArg::En => Lang::En,
        }),
    };
    // A reader that stops early (`| head`) is not an error worth a panic.
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            return Err(Failure::usage(
                format!("lỗi ghi kết quả: {e}"),
                format!("cannot write the report: {e}"),
            ));
        }
    }
    Ok(report.indication == Indication::TotalPassed)
}
