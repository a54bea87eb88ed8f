//! Strict PAdES verification (DESIGN.md §6): one verifier for the gateway
//! and `kyso verify`. It fails closed: whatever cannot be parsed or
//! explained is a rejection, never a repair.

mod ber;
pub mod chain;
pub mod crypto;
pub mod report;
pub mod revision;
pub mod revocation;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::OctetString;
use der::{Decode, Encode};
use sha2::Digest;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;

use crate::document::{Document, Entry, ReadOptions};
use crate::object::{Dict, Object};
use crate::source::{Source, for_each_chunk};
use crypto::{DigestAlg, Hasher};
use report::{
    CertInfo, Coverage, Finding, Indication, Modification, Report, RevocationInfo, SignatureReport,
    SubIndication, TimestampInfo,
};
use revision::{Revision, Verdict};

/// Which changes after a signature are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A: only a DSS or document timestamps after a signature.
    Strict,
    /// B: also revisions that add a signature field with its value.
    Multi,
}

/// The issued document a signature must build on (`--original`).
#[derive(Debug, Clone, Copy)]
pub struct Original {
    /// Its length in bytes.
    pub len: u64,
    /// Its SHA-256.
    pub sha256: [u8; 32],
}

/// What to verify against.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Profile A or B.
    pub profile: Profile,
    /// Trust anchors.
    pub trust: Vec<Certificate>,
    /// The issued document, when the signed revision must match it.
    pub original: Option<Original>,
    /// The validation time (passed in, never read deep inside).
    pub now: OffsetDateTime,
}

const ID_SIGNATURE_TIMESTAMP: const_oid::ObjectIdentifier = crate::cms::SIGNATURE_TIMESTAMP_TOKEN;
const ID_CT_TSTINFO: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

fn f(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Finding {
    Finding::new(code, vi, en)
}

/// Verifies every signature of the document in `src`.
pub fn verify<S: Source + Copy>(src: S, opts: &VerifyOptions) -> Report {
    verify_with_crls(src, opts, &[])
}

/// [`verify`] with revocation lists from outside the document (`kyso
/// verify --crl`, a CRL fetched from its distribution point), checked like
/// the DSS's: each must be signed by the issuer it speaks for, and a
/// revocation found in any of them wins.
pub fn verify_with_crls<S: Source + Copy>(
    src: S,
    opts: &VerifyOptions,
    crls: &[x509_cert::crl::CertificateList],
) -> Report {
    let profile_name = match opts.profile {
        Profile::Strict => "strict",
        Profile::Multi => "multi",
    };
    let mut report = Report {
        indication: Indication::NoSignatureFound,
        sub_indication: None,
        profile: profile_name,
        file_size: src.len(),
        sha256: String::new(),
        revisions: 0,
        signatures: Vec::new(),
        errors: Vec::new(),
    };
    let doc = match Document::open_with(src, ReadOptions::strict()) {
        Ok(d) => d,
        Err(e) => {
            report.errors.push(f(
                "unreadable_file",
                format!("không đọc được tệp PDF: {}", e.message_vi()),
                format!("the PDF cannot be read: {e}"),
            ));
            report.indication = Indication::TotalFailed;
            report.sub_indication = Some(SubIndication::FormatFailure);
            return report;
        }
    };
    let fields = match revision::signature_fields(&doc) {
        Ok(v) => v,
        Err(e) => {
            report.errors.push(f(
                "unreadable_form",
                format!("không đọc được biểu mẫu: {}", e.message_vi()),
                format!("the form cannot be read: {e}"),
            ));
            report.indication = Indication::TotalFailed;
            report.sub_indication = Some(SubIndication::FormatFailure);
            return report;
        }
    };
    let split = revision::split(&doc);
    let (revs, trailing) = match &split {
        Ok((r, t)) => (r.clone(), *t),
        Err(e) => {
            report.errors.push(e.clone());
            (Vec::new(), 0)
        }
    };
    report.revisions = revs.len();
    if trailing > 0 {
        report.errors.push(f(
            "bytes_after_eof",
            format!("có {trailing} byte sau dấu %%EOF cuối cùng"),
            format!("{trailing} bytes follow the last %%EOF"),
        ));
    }
    let mut dss = revocation::read_dss(&doc);
    dss.crls.extend(crls.iter().cloned());
    let mut verdicts: BTreeMap<usize, Verdict> = BTreeMap::new();
    // One SHA-256 pass over the file serves the file's digest, the issued
    // document's (a prefix) and each signed range's first part (a prefix).
    let prefixes = Prefixes::hash(
        src,
        opts.original
            .map(|o| o.len)
            .into_iter()
            .chain(fields.iter().filter_map(|x| range_end_b(x.value.as_ref()?))),
    );
    match &prefixes {
        Ok(p) => report.sha256 = hex(&p.file),
        Err(e) => report.errors.push(f(
            "io",
            format!("lỗi đọc tệp: {e}"),
            format!("read error: {e}"),
        )),
    }
    let prefixes = prefixes.unwrap_or_default();
    let original_end = opts.original.map(|o| check_original(&prefixes, &revs, o));

    // Document timestamps first: a valid one proves every earlier revision existed.
    let is_doc_ts = |x: &&revision::SigField| {
        x.value
            .as_ref()
            .is_some_and(|v| v.get_name("Type") == Some(b"DocTimeStamp"))
    };
    let mut doc_ts_poe: Vec<(usize, OffsetDateTime)> = Vec::new();
    let ordered: Vec<&revision::SigField> = fields
        .iter()
        .filter(|x| x.value.is_some())
        .filter(is_doc_ts)
        .chain(
            fields
                .iter()
                .filter(|x| x.value.is_some())
                .filter(|x| !is_doc_ts(x)),
        )
        .collect();
    for field in ordered {
        let whole = Whole {
            src,
            doc: &doc,
            revs: &revs,
            dss: &dss,
            prefixes: &prefixes,
            opts,
        };
        let mut s = check_signature(&whole, field, &doc_ts_poe);
        if s.kind == "document_timestamp"
            && s.indication == Indication::TotalPassed
            && let (Some(r), Some(t)) = (s.revision, s.timestamps.first())
            && let Ok(t) =
                OffsetDateTime::parse(&t.time, &time::format_description::well_known::Rfc3339)
        {
            doc_ts_poe.push((r, t));
        }
        let shared = field.value_ref.is_some()
            && fields
                .iter()
                .filter(|o| o.value_ref == field.value_ref)
                .count()
                > 1;
        if shared {
            s.errors.push(f(
                "signature_shared",
                "một từ điển chữ ký được nhiều trường dùng chung",
                "one signature dictionary is referenced by several fields",
            ));
            fail(
                &mut s,
                Indication::TotalFailed,
                SubIndication::FormatFailure,
            );
        }
        // Later revisions and trailing bytes.
        if let Some(r) = s.revision {
            let mut level = Modification::None;
            for k in r + 1..revs.len() {
                let v = verdicts
                    .entry(k)
                    .or_insert_with(|| revision::judge(src, &revs, k, opts.profile));
                match v {
                    Verdict::Ltv => level = level.max(Modification::LtvOnly),
                    Verdict::SignaturesAdded => level = level.max(Modification::SignaturesAdded),
                    Verdict::Modified(found) => {
                        level = Modification::Modified;
                        for x in found.iter() {
                            if !s.errors.contains(x) {
                                s.errors.push(x.clone());
                            }
                        }
                    }
                }
            }
            if trailing > 0 {
                level = Modification::Modified;
            }
            s.modification = level;
            if level == Modification::Modified {
                fail(
                    &mut s,
                    Indication::TotalFailed,
                    SubIndication::FormatFailure,
                );
            }
            if let Some(end) = original_end {
                match end {
                    Ok(issued_rev) if issued_rev + 1 == r || issued_rev >= r => {
                        if issued_rev >= r {
                            s.errors.push(f(
                                "not_issued_document",
                                "chữ ký không nằm ngay sau văn bản đã phát hành",
                                "the signature does not directly follow the issued document",
                            ));
                            fail(
                                &mut s,
                                Indication::TotalFailed,
                                SubIndication::FormatFailure,
                            );
                        } else if !matches!(
                            revision::judge(src, &revs, r, Profile::Multi),
                            Verdict::SignaturesAdded
                        ) {
                            s.errors.push(f(
                                "not_issued_document",
                                "phiên bản được ký có thay đổi ngoài chữ ký",
                                "the signed revision changes more than adding the signature",
                            ));
                            fail(
                                &mut s,
                                Indication::TotalFailed,
                                SubIndication::FormatFailure,
                            );
                        }
                    }
                    _ => {
                        s.errors.push(f(
                            "not_issued_document",
                            "phần được ký không phải văn bản đã phát hành",
                            "the signed content is not the issued document",
                        ));
                        fail(&mut s, Indication::TotalFailed, SubIndication::HashFailure);
                    }
                }
            }
        }
        if trailing > 0 && !s.errors.iter().any(|e| e.code == "bytes_after_eof") {
            s.errors.push(
                report
                    .errors
                    .iter()
                    .find(|e| e.code == "bytes_after_eof")
                    .cloned()
                    .unwrap_or_else(|| {
                        f("bytes_after_eof", "có byte sau %%EOF", "bytes after %%EOF")
                    }),
            );
        }
        if let Err(e) = &split {
            s.errors.push(e.clone());
            fail(
                &mut s,
                Indication::TotalFailed,
                SubIndication::FormatFailure,
            );
        }
        report.signatures.push(s);
    }
    report
        .signatures
        .sort_by_key(|s| s.revision.unwrap_or(usize::MAX));
    // The document's verdict: the worst signature's.
    if let Some(worst) = report.signatures.iter().max_by_key(|s| s.indication) {
        report.indication = worst.indication;
        report.sub_indication = worst.sub_indication;
    } else if report.errors.iter().any(|e| e.code != "bytes_after_eof") && split.is_err() {
        report.indication = Indication::TotalFailed;
        report.sub_indication = Some(SubIndication::FormatFailure);
    }
    report
}

/// Lowers a signature's verdict (never raises it).
fn fail(s: &mut SignatureReport, ind: Indication, sub: SubIndication) {
    if ind > s.indication {
        s.indication = ind;
        s.sub_indication = Some(sub);
    }
}

/// The revision that ends exactly at the issued document's length and
/// whose bytes hash to it.
fn check_original(prefixes: &Prefixes, revs: &[Revision], o: Original) -> Result<usize, ()> {
    let idx = revs.iter().position(|r| r.end == o.len).ok_or(())?;
    let h = prefixes.at.get(&o.len).ok_or(())?;
    if h.clone().finalize()[..] == o.sha256 {
        Ok(idx)
    } else {
        Err(())
    }
}

/// The `b` of a signature dictionary's `/ByteRange [0 b c d]`, if it has one.
fn range_end_b(sig: &Dict) -> Option<u64> {
    match sig.get("ByteRange") {
        Some(Object::Array(a)) => match a.get(1) {
            Some(Object::Int(b)) if *b >= 0 => Some(*b as u64),
            _ => None,
        },
        _ => None,
    }
}

/// SHA-256 states of the file's prefixes at chosen offsets and the whole
/// file's digest, from one pass over it.
#[derive(Default)]
struct Prefixes {
    /// The state after hashing `[0, offset)`, for each offset asked for
    /// that lies within the file.
    at: BTreeMap<u64, sha2::Sha256>,
    /// SHA-256 of the whole file.
    file: [u8; 32],
}

impl Prefixes {
    fn hash<S: Source>(src: S, offsets: impl Iterator<Item = u64>) -> std::io::Result<Self> {
        let len = src.len();
        let mut want: Vec<u64> = offsets.filter(|o| *o <= len).collect();
        want.sort_unstable();
        want.dedup();
        let mut want = want.into_iter().peekable();
        let mut at = BTreeMap::new();
        let mut h = sha2::Sha256::new();
        let mut pos = 0u64;
        for_each_chunk(&src, 0..len, |mut chunk| {
            while let Some(&o) = want.peek() {
                let end = pos + chunk.len() as u64;
                if o > end {
                    break;
                }
                let (head, rest) = chunk.split_at((o - pos) as usize);
                h.update(head);
                pos = o;
                chunk = rest;
                at.insert(o, h.clone());
                want.next();
            }
            h.update(chunk);
            pos += chunk.len() as u64;
            Ok(())
        })?;
        // Offsets past the last chunk (an empty file, or one at its end).
        for o in want {
            at.insert(o, h.clone());
        }
        Ok(Self {
            at,
            file: h.finalize().into(),
        })
    }
}

fn cert_info(c: &Certificate) -> CertInfo {
    let v = &c.tbs_certificate.validity;
    let rfc = |t: &x509_cert::time::Time| {
        OffsetDateTime::from(t.to_system_time())
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    CertInfo {
        subject: c.tbs_certificate.subject.to_string(),
        issuer: c.tbs_certificate.issuer.to_string(),
        serial: hex(c.tbs_certificate.serial_number.as_bytes()),
        not_before: rfc(&v.not_before),
        not_after: rfc(&v.not_after),
        sha256: hex(&DigestAlg::Sha256.digest(&c.to_der().unwrap_or_default())),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn empty_report(field: &str) -> SignatureReport {
    SignatureReport {
        field: field.to_string(),
        kind: "signature",
        sub_filter: String::new(),
        revision: None,
        byte_range: Vec::new(),
        coverage: Coverage::Partial,
        modification: Modification::None,
        indication: Indication::TotalPassed,
        sub_indication: None,
        claimed_signing_time: None,
        digest_algorithm: None,
        signer: None,
        chain: Vec::new(),
        trusted: false,
        revocation: RevocationInfo {
            status: "unknown",
            source: "none",
            revoked_at: None,
        },
        timestamps: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    }
}

/// What every signature's checks read of the whole document.
struct Whole<'a, S: Source + Copy> {
    src: S,
    doc: &'a Document<S>,
    revs: &'a [Revision],
    dss: &'a revocation::Dss,
    prefixes: &'a Prefixes,
    opts: &'a VerifyOptions,
}

/// Structure, integrity and certificate checks of one signature.
fn check_signature<S: Source + Copy>(
    whole: &Whole<'_, S>,
    field: &revision::SigField,
    later_doc_ts: &[(usize, OffsetDateTime)],
) -> SignatureReport {
    let Whole {
        src,
        doc,
        revs,
        dss,
        prefixes,
        opts,
    } = *whole;
    let mut s = empty_report(&field.name);
    let Some(sig) = field.value.as_ref() else {
        return s;
    };
    let format_failure = |s: &mut SignatureReport, x: Finding| {
        s.errors.push(x);
        fail(s, Indication::TotalFailed, SubIndication::FormatFailure);
    };
    let is_doc_ts = sig.get_name("Type") == Some(b"DocTimeStamp");
    if is_doc_ts {
        s.kind = "document_timestamp";
    }
    s.sub_filter = sig
        .get_name("SubFilter")
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    if let Some(Object::String(m)) = sig.get("M") {
        s.claimed_signing_time = Some(m.to_text());
    }
    let expected_sub = if is_doc_ts {
        &["ETSI.RFC3161"][..]
    } else {
        &["ETSI.CAdES.detached", "adbe.pkcs7.detached"][..]
    };
    if !expected_sub.contains(&s.sub_filter.as_str()) {
        let sf = s.sub_filter.clone();
        format_failure(
            &mut s,
            f(
                "unsupported_subfilter",
                format!("kiểu chữ ký /SubFilter /{sf} không được hỗ trợ"),
                format!("/SubFilter /{sf} is not supported"),
            ),
        );
        return s;
    }
    if s.sub_filter == "adbe.pkcs7.detached" {
        s.warnings.push(f(
            "not_pades",
            "chữ ký dạng adbe.pkcs7.detached, không phải PAdES",
            "an adbe.pkcs7.detached signature, not PAdES",
        ));
    }

    // /ByteRange [0 b c d] and the /Contents gap.
    let br: Option<Vec<i64>> = match sig.get("ByteRange") {
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| {
                if let Object::Int(i) = o {
                    Some(*i)
                } else {
                    None
                }
            })
            .collect(),
        _ => None,
    };
    let len = src.len();
    let Some(br) = br.filter(|v| v.len() == 4 && v.iter().all(|x| *x >= 0)) else {
        format_failure(
            &mut s,
            f(
                "byte_range_invalid",
                "/ByteRange không phải 4 số nguyên không âm",
                "/ByteRange is not four non-negative integers",
            ),
        );
        return s;
    };
    s.byte_range = br.clone();
    let (a, b, c, d) = (br[0] as u64, br[1] as u64, br[2] as u64, br[3] as u64);
    if a != 0 || c <= b || c.checked_add(d).is_none_or(|e| e > len) {
        format_failure(
            &mut s,
            f(
                "byte_range_invalid",
                format!("/ByteRange [{a} {b} {c} {d}] không hợp lệ"),
                format!("/ByteRange [{a} {b} {c} {d}] is not [0 b c d] within the file"),
            ),
        );
        return s;
    }
    let contents = match sig.get("Contents") {
        Some(Object::String(x)) if x.hex => x.bytes.clone(),
        _ => {
            format_failure(
                &mut s,
                f(
                    "contents_invalid",
                    "/Contents không phải chuỗi hex",
                    "/Contents is not a hex string",
                ),
            );
            return s;
        }
    };
    let gap_ok = (|| -> Option<bool> {
        let gap = src.read_range(b, (c - b) as usize).ok()?;
        if gap.first() != Some(&b'<') || gap.last() != Some(&b'>') {
            return Some(false);
        }
        // Hex digits only, two for each byte of the contents.
        let inner = &gap[1..gap.len() - 1];
        Some(
            inner.len() == 2 * contents.len()
                && inner
                    .chunks_exact(2)
                    .zip(contents.iter())
                    .all(|(p, &b)| crate::parse::hex_pair(p[0], p[1]) == Some(b)),
        )
    })()
    .unwrap_or(false);
    if !gap_ok {
        format_failure(
            &mut s,
            f(
                "gap_not_contents",
                "khoảng trống của /ByteRange không đúng là chuỗi /Contents",
                "the /ByteRange gap is not exactly the /Contents string",
            ),
        );
        return s;
    }
    // The revision the signature closes, and where its dictionary lives.
    let end = c + d;
    match revs.iter().position(|r| r.end == end) {
        Some(r) => {
            s.revision = Some(r);
            s.coverage = if end == len {
                Coverage::WholeFile
            } else {
                Coverage::Revision
            };
            let dict_at = field
                .value_ref
                .and_then(|v| match doc.entries().get(&v.num) {
                    Some(Entry::InFile { offset, .. }) => Some(*offset),
                    Some(Entry::InStream { stream, .. }) => match doc.entries().get(stream) {
                        Some(Entry::InFile { offset, .. }) => Some(*offset),
                        _ => None,
                    },
                    _ => None,
                });
            let inside = dict_at.is_some_and(|o| o >= revs[r].start && o < revs[r].end && o < b);
            if !inside {
                format_failure(
                    &mut s,
                    f(
                        "signature_outside_revision",
                        "từ điển chữ ký không nằm trong phiên bản mà nó ký",
                        "the signature dictionary is not in the revision it signs",
                    ),
                );
            }
        }
        None => {
            s.coverage = Coverage::Partial;
            format_failure(
                &mut s,
                f(
                    "coverage_not_revision",
                    "chữ ký không bao phủ đến hết một phiên bản của tệp",
                    "the signature does not cover up to the end of a revision",
                ),
            );
            return s;
        }
    }

    // The CMS.
    let der = match der_prefix(&contents)
        .map(<[u8]>::to_vec)
        .ok_or_else(String::new)
        .or_else(|_| ber::to_der(&contents))
    {
        Ok(d) => d,
        Err(e) => {
            format_failure(
                &mut s,
                f(
                    "cms_invalid",
                    format!("/Contents không chứa cấu trúc CMS hợp lệ {e}"),
                    format!("/Contents holds no valid CMS structure {e}"),
                ),
            );
            return s;
        }
    };
    let parsed = match parse_cms(&der) {
        Ok(p) => p,
        Err(x) => {
            format_failure(&mut s, x);
            return s;
        }
    };
    if !is_doc_ts && parsed.sd.encap_content_info.econtent.is_some() {
        format_failure(
            &mut s,
            f(
                "cms_not_detached",
                "CMS chứa nội dung (không phải chữ ký tách rời)",
                "the CMS encapsulates content; a PDF signature must be detached",
            ),
        );
        return s;
    }
    let digest_alg = match DigestAlg::from_oid(parsed.si.digest_alg.oid) {
        Ok(a) => a,
        Err(e) => {
            s.errors.push(f(
                "unsupported_algorithm",
                format!("thuật toán băm không được hỗ trợ: {e}"),
                e,
            ));
            fail(
                &mut s,
                Indication::TotalFailed,
                SubIndication::FormatFailure,
            );
            return s;
        }
    };
    s.digest_algorithm = Some(format!("{digest_alg:?}").to_uppercase());
    // [0, b) is already hashed when the algorithm is SHA-256.
    let (mut h, done) = match (digest_alg, prefixes.at.get(&b)) {
        (DigestAlg::Sha256, Some(state)) => (Hasher::Sha256(state.clone()), b),
        _ => (Hasher::new(digest_alg), 0),
    };
    let hashed = for_each_chunk(&src, done..b, |x| {
        h.update(x);
        Ok(())
    })
    .and_then(|_| {
        for_each_chunk(&src, c..c + d, |x| {
            h.update(x);
            Ok(())
        })
    });
    if hashed.is_err() {
        format_failure(&mut s, f("io", "lỗi đọc tệp", "read error"));
        return s;
    }
    let doc_digest = h.finish();
    let signer = match find_signer(&parsed) {
        Some(c) => c,
        None => {
            s.errors.push(f(
                "signer_certificate_missing",
                "CMS không chứa chứng thư của người ký",
                "the CMS does not carry the signer's certificate",
            ));
            fail(
                &mut s,
                Indication::Indeterminate,
                SubIndication::NoCertificateChainFound,
            );
            return s;
        }
    };
    s.signer = Some(cert_info(&signer));

    if is_doc_ts {
        // The token's imprint is the byte-range digest, in its own algorithm.
        let digest_of = |alg: DigestAlg| {
            if alg == digest_alg {
                Some(doc_digest.clone())
            } else {
                hash_ranges(src, b, c, d, alg)
            }
        };
        match check_token(&parsed, &digest_of) {
            Ok((time, _)) => s.timestamps.push(TimestampInfo {
                kind: "document",
                time: rfc3339(time),
                tsa: signer.tbs_certificate.subject.to_string(),
                valid: true,
                errors: Vec::new(),
            }),
            Err(TokenProblem::Imprint) => {
                s.errors.push(f(
                    "digest_mismatch",
                    "dấu thời gian tài liệu không khớp nội dung: tài liệu đã bị thay đổi",
                    "the document timestamp does not match the content: the bytes were changed",
                ));
                fail(&mut s, Indication::TotalFailed, SubIndication::HashFailure);
                return s;
            }
            Err(TokenProblem::Invalid(e)) => {
                s.errors.push(f(
                    "timestamp_invalid",
                    format!("dấu thời gian tài liệu không hợp lệ: {e}"),
                    format!("invalid document timestamp: {e}"),
                ));
                fail(
                    &mut s,
                    Indication::TotalFailed,
                    SubIndication::SigCryptoFailure,
                );
                return s;
            }
        }
    } else {
        if let Err((x, sub)) = check_signer_info(
            &parsed.si,
            &signer,
            digest_alg,
            &doc_digest,
            s.sub_filter == "ETSI.CAdES.detached",
        ) {
            s.errors.push(x);
            fail(&mut s, Indication::TotalFailed, sub);
            return s;
        }
        if let Err(e) = signature_value_check(&parsed, &signer, digest_alg, &doc_digest) {
            s.errors.push(f(
                "signature_invalid",
                format!("giá trị chữ ký không đúng: {e}"),
                format!("the signature value does not verify: {e}"),
            ));
            fail(
                &mut s,
                Indication::TotalFailed,
                SubIndication::SigCryptoFailure,
            );
            return s;
        }
    }

    // Integrity holds; a weak algorithm still cannot be relied on (policy).
    let sig_hash = crypto::signature_digest(&parsed.si.signature_algorithm, Some(digest_alg));
    if digest_alg.is_weak() || sig_hash.is_ok_and(DigestAlg::is_weak) {
        s.errors.push(f(
            "weak_algorithm",
            "chữ ký dùng SHA-1, thuật toán không còn được chấp nhận",
            "the signature uses SHA-1, which is no longer accepted",
        ));
        fail(
            &mut s,
            Indication::Indeterminate,
            SubIndication::CryptoConstraintsFailureNoPoe,
        );
    }

    // Proof of existence: a valid signature timestamp, or a valid document
    // timestamp in a later revision.
    let mut poe: Option<OffsetDateTime> = None;
    if !is_doc_ts {
        for tst in signature_timestamps(&parsed.si) {
            let (info, time) = timestamp_info(
                &tst,
                parsed.si.signature.as_bytes(),
                &parsed.certs,
                &dss.certs,
                &opts.trust,
            );
            match time {
                Some(t) => poe = Some(poe.map_or(t, |p: OffsetDateTime| p.min(t))),
                None => s.warnings.extend(info.errors.iter().cloned()),
            }
            s.timestamps.push(info);
        }
        if let Some(r) = s.revision {
            for (rev, t) in later_doc_ts {
                if *rev > r {
                    poe = Some(poe.map_or(*t, |p| p.min(*t)));
                }
            }
        }
    }

    // The certificate path.
    let mut pool: Vec<Certificate> = parsed.certs.clone();
    pool.extend(dss.certs.iter().cloned());
    let at = poe.unwrap_or(opts.now);
    match chain::build(&signer, &pool, &opts.trust) {
        None => {
            s.errors.push(f(
                "no_chain",
                "không xây dựng được chuỗi chứng thư tới một chứng thư gốc tin cậy",
                "no certificate chain to a trusted root was found",
            ));
            fail(
                &mut s,
                Indication::Indeterminate,
                SubIndication::NoCertificateChainFound,
            );
        }
        Some(path) => {
            s.chain = path.certs.iter().map(cert_info).collect();
            s.trusted = true;
            let usages: &[KeyUsages] = &[KeyUsages::DigitalSignature, KeyUsages::NonRepudiation];
            match chain::check(&path, at, usages) {
                Ok(()) => {}
                Err(chain::ChainProblem::Expired(who)) => {
                    s.errors.push(f(
                        "certificate_expired",
                        format!("chứng thư {who} đã hết hạn vào thời điểm kiểm tra"),
                        format!("certificate {who} had expired at the validation time"),
                    ));
                    if poe.is_some() {
                        fail(&mut s, Indication::TotalFailed, SubIndication::Expired);
                    } else {
                        fail(
                            &mut s,
                            Indication::Indeterminate,
                            SubIndication::OutOfBoundsNoPoe,
                        );
                    }
                }
                Err(chain::ChainProblem::NotYetValid(who)) => {
                    s.errors.push(f(
                        "certificate_not_yet_valid",
                        format!("chứng thư {who} chưa có hiệu lực"),
                        format!("certificate {who} was not yet valid"),
                    ));
                    // Proof that the signature predates the certificate fails it;
                    // without proof, the time is simply unknown.
                    if poe.is_some() {
                        fail(&mut s, Indication::TotalFailed, SubIndication::NotYetValid);
                    } else {
                        fail(
                            &mut s,
                            Indication::Indeterminate,
                            SubIndication::OutOfBoundsNoPoe,
                        );
                    }
                }
                Err(chain::ChainProblem::Constraints(why)) => {
                    s.errors.push(f(
                        "chain_constraints",
                        format!("chuỗi chứng thư vi phạm ràng buộc: {why}"),
                        format!("the certificate chain breaks a constraint: {why}"),
                    ));
                    fail(
                        &mut s,
                        Indication::Indeterminate,
                        SubIndication::ChainConstraintsFailure,
                    );
                }
                Err(chain::ChainProblem::NoPath) => {
                    fail(
                        &mut s,
                        Indication::Indeterminate,
                        SubIndication::NoCertificateChainFound,
                    );
                }
            }
            apply_revocation(&mut s, &path, dss, poe, opts.now);
        }
    }
    s
}

/// The DER object at the start of zero-padded `/Contents`.
fn der_prefix(b: &[u8]) -> Option<&[u8]> {
    if b.len() < 2 || b[0] != 0x30 {
        return None;
    }
    let (hdr, len) = if b[1] & 0x80 == 0 {
        (2usize, usize::from(b[1]))
    } else {
        let n = usize::from(b[1] & 0x7f);
        if n == 0 || n > 4 || b.len() < 2 + n {
            return None;
        }
        (
            2 + n,
            b[2..2 + n]
                .iter()
                .fold(0usize, |a, x| a << 8 | usize::from(*x)),
        )
    };
    let total = hdr.checked_add(len)?;
    if total > b.len() || b[total..].iter().any(|x| *x != 0) {
        return None;
    }
    Some(&b[..total])
}

/// A parsed SignedData with its single SignerInfo.
pub(crate) struct ParsedCms {
    sd: SignedData,
    si: SignerInfo,
    certs: Vec<Certificate>,
}

fn parse_cms(der: &[u8]) -> Result<ParsedCms, Finding> {
    let bad = |e: String| {
        f(
            "cms_invalid",
            format!("cấu trúc CMS không hợp lệ: {e}"),
            format!("invalid CMS: {e}"),
        )
    };
    let ci = ContentInfo::from_der(der).map_err(|e| bad(e.to_string()))?;
    if ci.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return Err(bad("not SignedData".into()));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| bad(e.to_string()))?;
    if sd.signer_infos.0.len() != 1 {
        return Err(f(
            "signer_info_count",
            format!("CMS có {} SignerInfo, phải đúng 1", sd.signer_infos.0.len()),
            format!(
                "the CMS has {} SignerInfos; exactly one is required",
                sd.signer_infos.0.len()
            ),
        ));
    }
    let si = sd
        .signer_infos
        .0
        .get(0)
        .cloned()
        .ok_or_else(|| bad("no SignerInfo".into()))?;
    let certs = sd
        .certificates
        .as_ref()
        .map(|cs| {
            cs.0.iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ParsedCms { sd, si, certs })
}

fn find_signer(p: &ParsedCms) -> Option<Certificate> {
    p.certs
        .iter()
        .find(|c| match &p.si.sid {
            SignerIdentifier::IssuerAndSerialNumber(i) => {
                c.tbs_certificate.issuer == i.issuer
                    && c.tbs_certificate.serial_number == i.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                chain::extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>(c)
                    .is_some_and(|k| k.0 == ski.0)
            }
        })
        .cloned()
}

fn attr_value(si: &SignerInfo, oid: const_oid::ObjectIdentifier) -> Option<&der::Any> {
    si.signed_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == oid)
        .and_then(|a| a.values.get(0))
}

/// The signed attributes of a document signature: content type, the message
/// digest of the byte range, and the ESS signing certificate.
fn check_signer_info(
    si: &SignerInfo,
    signer: &Certificate,
    alg: DigestAlg,
    doc_digest: &[u8],
    cades: bool,
) -> Result<(), (Finding, SubIndication)> {
    let Some(attrs) = &si.signed_attrs else {
        return if cades {
            Err((
                f(
                    "signed_attributes_missing",
                    "chữ ký PAdES thiếu thuộc tính được ký",
                    "a PAdES signature without signed attributes",
                ),
                SubIndication::FormatFailure,
            ))
        } else {
            Ok(())
        };
    };
    let ct = attr_value(si, crate::cms::CONTENT_TYPE)
        .and_then(|v| v.decode_as::<const_oid::ObjectIdentifier>().ok());
    if ct != Some(const_oid::db::rfc5911::ID_DATA) {
        return Err((
            f(
                "content_type",
                "thuộc tính content-type không phải id-data",
                "the content-type attribute is not id-data",
            ),
            SubIndication::FormatFailure,
        ));
    }
    let md =
        attr_value(si, crate::cms::MESSAGE_DIGEST).and_then(|v| v.decode_as::<OctetString>().ok());
    match md {
        Some(m) if m.as_bytes() == doc_digest => {}
        Some(_) => {
            return Err((
                f(
                    "digest_mismatch",
                    "giá trị băm của tài liệu không khớp: nội dung đã bị thay đổi",
                    "the document digest does not match: the signed bytes were changed",
                ),
                SubIndication::HashFailure,
            ));
        }
        None => {
            return Err((
                f(
                    "message_digest_missing",
                    "thiếu thuộc tính message-digest",
                    "the message-digest attribute is missing",
                ),
                SubIndication::FormatFailure,
            ));
        }
    }
    let _ = (attrs, alg);
    if let Some(v) = attr_value(si, crate::cms::SIGNING_CERTIFICATE_V2) {
        let ok = v
            .decode_as::<crate::cms::SigningCertificateV2>()
            .ok()
            .and_then(|sc| sc.certs.first().map(|c| c.cert_hash.as_bytes().to_vec()))
            .is_some_and(|hash| {
                signer
                    .to_der()
                    .is_ok_and(|d| DigestAlg::Sha256.digest(&d) == hash)
            });
        if !ok {
            return Err((
                f(
                    "signing_certificate_mismatch",
                    "thuộc tính signing-certificate-v2 không khớp chứng thư người ký",
                    "signing-certificate-v2 does not match the signer certificate",
                ),
                SubIndication::FormatFailure,
            ));
        }
    } else if cades {
        return Err((
            f(
                "signing_certificate_missing",
                "chữ ký PAdES thiếu thuộc tính signing-certificate-v2",
                "a PAdES signature without signing-certificate-v2",
            ),
            SubIndication::FormatFailure,
        ));
    }
    Ok(())
}

/// Verifies the SignerInfo's signature value over the signed attributes
/// (or, without them, over the document digest).
fn signature_value_check(
    p: &ParsedCms,
    signer: &Certificate,
    alg: DigestAlg,
    content_digest: &[u8],
) -> Result<(), String> {
    let sig_alg = crypto::signature_digest(&p.si.signature_algorithm, Some(alg))?;
    let prehash = match &p.si.signed_attrs {
        Some(a) => sig_alg.digest(&a.to_der().map_err(|e| e.to_string())?),
        None => {
            if sig_alg != alg {
                return Err("digest algorithms disagree".into());
            }
            content_digest.to_vec()
        }
    };
    crypto::verify_prehash(
        &signer.tbs_certificate.subject_public_key_info,
        &p.si.signature_algorithm,
        &prehash,
        p.si.signature.as_bytes(),
    )
}

fn tst_info_of(sd: &SignedData) -> Result<crate::timestamp::TstFacts, String> {
    if sd.encap_content_info.econtent_type != ID_CT_TSTINFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let e = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("no TSTInfo")?;
    let o: OctetString = e.decode_as().map_err(|e| e.to_string())?;
    crate::timestamp::parse_tst_info(o.as_bytes()).map_err(|e| e.to_string())
}

/// The RFC 3161 tokens in the SignerInfo's unsigned attributes.
fn signature_timestamps(si: &SignerInfo) -> Vec<Vec<u8>> {
    si.unsigned_attrs
        .as_ref()
        .map(|u| {
            u.iter()
                .filter(|a| a.oid == ID_SIGNATURE_TIMESTAMP)
                .flat_map(|a| a.values.iter().filter_map(|v| v.to_der().ok()))
                .collect()
        })
        .unwrap_or_default()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// SHA-x over `[0, b) ∪ [c, c + d)`.
fn hash_ranges<S: Source>(src: S, b: u64, c: u64, d: u64, alg: DigestAlg) -> Option<Vec<u8>> {
    let mut h = Hasher::new(alg);
    for r in [0..b, c..c + d] {
        for_each_chunk(&src, r, |x| {
            h.update(x);
            Ok(())
        })
        .ok()?;
    }
    Some(h.finish())
}

/// Why a timestamp token was refused.
enum TokenProblem {
    /// It timestamps other data.
    Imprint,
    /// It is malformed or its signature does not verify.
    Invalid(String),
}

/// Checks an RFC 3161 token: the imprint matches `digest_of(alg)`, the
/// TSTInfo is what the TSA signed, and the TSA's signature verifies.
/// Returns the time and the TSA certificate.
fn check_token(
    p: &ParsedCms,
    digest_of: &dyn Fn(DigestAlg) -> Option<Vec<u8>>,
) -> Result<(OffsetDateTime, Certificate), TokenProblem> {
    let bad = TokenProblem::Invalid;
    let tst = tst_info_of(&p.sd).map_err(bad)?;
    let alg = DigestAlg::from_oid(tst.imprint_alg).map_err(bad)?;
    let data = digest_of(alg).ok_or_else(|| bad("the timestamped data cannot be read".into()))?;
    if data != tst.imprint {
        return Err(TokenProblem::Imprint);
    }
    let tsa = find_signer(p).ok_or_else(|| bad("the token carries no TSA certificate".into()))?;
    let econtent =
        p.sd.encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| bad("no TSTInfo".into()))?;
    let octets: OctetString = econtent.decode_as().map_err(|e| bad(e.to_string()))?;
    let si_alg = DigestAlg::from_oid(p.si.digest_alg.oid).map_err(bad)?;
    let tst_digest = si_alg.digest(octets.as_bytes());
    if p.si.signed_attrs.is_none() {
        return Err(bad("the token has no signed attributes".into()));
    }
    let md = attr_value(&p.si, crate::cms::MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| bad("the token has no message digest".into()))?;
    if md.as_bytes() != tst_digest {
        return Err(bad(
            "the token's message digest does not match its TSTInfo".into()
        ));
    }
    signature_value_check(p, &tsa, si_alg, &tst_digest).map_err(bad)?;
    Ok((tst.gen_time, tsa))
}

/// A signature timestamp over `data` (the signature value): the report
/// entry, and its time when it is valid and its TSA trusted.
fn timestamp_info(
    token: &[u8],
    data: &[u8],
    extra_certs: &[Certificate],
    dss_certs: &[Certificate],
    trust: &[Certificate],
) -> (TimestampInfo, Option<OffsetDateTime>) {
    let mut info = TimestampInfo {
        kind: "signature",
        time: String::new(),
        tsa: String::new(),
        valid: false,
        errors: Vec::new(),
    };
    let p = match parse_cms(token) {
        Ok(p) => p,
        Err(e) => {
            info.errors.push(e);
            return (info, None);
        }
    };
    match check_token(&p, &|alg| Some(alg.digest(data))) {
        Ok((time, tsa)) => {
            info.time = rfc3339(time);
            info.tsa = tsa.tbs_certificate.subject.to_string();
            let mut pool = p.certs.clone();
            pool.extend(extra_certs.iter().cloned());
            pool.extend(dss_certs.iter().cloned());
            match chain::build(&tsa, &pool, trust) {
                Some(path)
                    if chain::check(
                        &path,
                        time,
                        &[KeyUsages::DigitalSignature, KeyUsages::NonRepudiation],
                    )
                    .is_ok() =>
                {
                    info.valid = true;
                    return (info, Some(time));
                }
                _ => info.errors.push(f(
                    "timestamp_untrusted",
                    "chứng thư của máy chủ dấu thời gian không tin cậy",
                    "the timestamp authority is not trusted",
                )),
            }
        }
        Err(TokenProblem::Imprint) => info.errors.push(f(
            "timestamp_invalid",
            "dấu thời gian không khớp giá trị chữ ký",
            "the timestamp does not cover this signature value",
        )),
        Err(TokenProblem::Invalid(e)) => info.errors.push(f(
            "timestamp_invalid",
            format!("dấu thời gian không hợp lệ: {e}"),
            format!("invalid timestamp: {e}"),
        )),
    }
    (info, None)
}

/// Revocation of the signer certificate from the DSS (ETSI EN 319 102-1
/// §5.2.6): revoked before the proof of existence is TOTAL_FAILED/REVOKED;
/// revoked without proof of existence is INDETERMINATE/REVOKED_NO_POE; a
/// revocation after the proof of existence leaves the signature valid.
fn apply_revocation(
    s: &mut SignatureReport,
    path: &chain::Path,
    dss: &revocation::Dss,
    poe: Option<OffsetDateTime>,
    now: OffsetDateTime,
) {
    let (Some(cert), Some(issuer)) = (path.certs.first(), path.certs.get(1)) else {
        return;
    };
    match revocation::status(cert, issuer, dss) {
        revocation::Status::Good(src) => {
            s.revocation = RevocationInfo {
                status: "good",
                source: src,
                revoked_at: None,
            }
        }
        revocation::Status::Unknown => {
            if s.indication == Indication::TotalPassed {
                s.warnings.push(f(
                    "no_revocation_data",
                    "không có dữ liệu thu hồi (CRL/OCSP) để kiểm tra",
                    "no revocation data (CRL/OCSP) was available to check",
                ));
            }
        }
        revocation::Status::Revoked(at, src) => {
            s.revocation = RevocationInfo {
                status: "revoked",
                source: src,
                revoked_at: Some(rfc3339(at)),
            };
            match poe {
                Some(p) if p < at => s.warnings.push(f(
                    "revoked_after_signing",
                    format!(
                        "chứng thư bị thu hồi lúc {} — sau thời điểm ký đã được chứng minh",
                        rfc3339(at)
                    ),
                    format!(
                        "the certificate was revoked at {}, after the proven signing time",
                        rfc3339(at)
                    ),
                )),
                Some(_) => {
                    s.errors.push(f(
                        "revoked",
                        format!("chứng thư người ký đã bị thu hồi lúc {}", rfc3339(at)),
                        format!("the signer certificate was revoked at {}", rfc3339(at)),
                    ));
                    fail(s, Indication::TotalFailed, SubIndication::Revoked);
                }
                None if at <= now => {
                    s.errors.push(f("revoked", format!("chứng thư người ký đã bị thu hồi lúc {}, không có bằng chứng ký trước đó", rfc3339(at)), format!("the signer certificate was revoked at {} and nothing proves the signature is older", rfc3339(at))));
                    fail(s, Indication::Indeterminate, SubIndication::RevokedNoPoe);
                }
                None => {}
            }
        }
    }
}

/// The last document timestamp of a document, as read (not checked: that
/// is [`verify`]'s work): for archives that must re-timestamp a document
/// before the TSA certificate of its last timestamp expires.
#[derive(Debug, Clone)]
pub struct LastDocumentTimestamp {
    /// The field's name.
    pub field: String,
    /// The time the token attests.
    pub time: OffsetDateTime,
    /// The TSA certificate the token carries (its signer).
    pub tsa: Certificate,
    /// Whether its byte range reaches the end of the file (nothing was
    /// appended after it).
    pub covers_whole_file: bool,
}

/// The document timestamp (`/Type /DocTimeStamp`) whose `/ByteRange`
/// reaches furthest into the file, with its time and TSA certificate;
/// `None` when the document has none. A token that cannot be read, or
/// carries no TSA certificate, is an error.
pub fn last_document_timestamp<S: Source>(
    doc: &Document<S>,
    file_len: u64,
) -> crate::Result<Option<LastDocumentTimestamp>> {
    let mut best: Option<(u64, String, Vec<u8>)> = None;
    for field in revision::signature_fields(doc)? {
        let Some(v) = field.value else { continue };
        if v.get_name("Type") != Some(b"DocTimeStamp") {
            continue;
        }
        let end = match v.get("ByteRange") {
            Some(Object::Array(a)) if a.len() == 4 => match (&a[2], &a[3]) {
                (Object::Int(c), Object::Int(d)) if *c >= 0 && *d >= 0 => (*c + *d) as u64,
                _ => continue,
            },
            _ => continue,
        };
        let Some(Object::String(contents)) = v.get("Contents") else {
            continue;
        };
        if best.as_ref().is_none_or(|(e, _, _)| end > *e) {
            best = Some((end, field.name.clone(), contents.bytes.clone()));
        }
    }
    let Some((end, field, token)) = best else {
        return Ok(None);
    };
    let bad = |e: String| crate::Error::Timestamp(format!("document timestamp {field}: {e}"));
    let der = match der_prefix(&token) {
        Some(d) => d.to_vec(),
        None => ber::to_der(&token).map_err(bad)?,
    };
    let p = parse_cms(&der).map_err(|f| bad(f.en))?;
    let tst = tst_info_of(&p.sd).map_err(bad)?;
    let tsa = find_signer(&p).ok_or_else(|| bad("no TSA certificate in the token".into()))?;
    Ok(Some(LastDocumentTimestamp {
        field,
        time: tst.gen_time,
        tsa,
        covers_whole_file: end == file_len,
    }))
}

/// Just the facts for [`Dict`]-level callers (kept for the gateway).
pub fn signature_dictionaries<S: Source>(doc: &Document<S>) -> crate::Result<Vec<Dict>> {
    Ok(revision::signature_fields(doc)?
        .into_iter()
        .filter_map(|f| f.value)
        .collect())
}
