//! The verification report (DESIGN.md §6): an ETSI EN 319 102-1 indication
//! and sub-indication at the top, facts per signature beneath, every finding
//! with a stable code and a message in Vietnamese and English.

use serde::Serialize;

/// ETSI EN 319 102-1 main indication (plus NO_SIGNATURE_FOUND).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// Every check passed.
    TotalPassed,
    /// Not enough information to decide (trust, revocation, time).
    Indeterminate,
    /// Integrity, coverage or modification problems: the signature is not valid.
    TotalFailed,
    /// The document carries no signature.
    NoSignatureFound,
}

/// ETSI EN 319 102-1 sub-indications Kyso reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum SubIndication {
    FormatFailure,
    HashFailure,
    SigCryptoFailure,
    Revoked,
    Expired,
    NotYetValid,
    ChainConstraintsFailure,
    CryptoConstraintsFailure,
    CryptoConstraintsFailureNoPoe,
    NoCertificateChainFound,
    OutOfBoundsNoPoe,
    RevokedNoPoe,
    TryLater,
}

/// One finding: a stable code for programs and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `modified_after_signing`.
    pub code: &'static str,
    /// Vietnamese message.
    pub vi: String,
    /// English message.
    pub en: String,
}

impl Finding {
    /// A finding.
    pub fn new(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// How much of the file a signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Up to the last byte of the file.
    WholeFile,
    /// Up to the end of its own revision; later revisions follow.
    Revision,
    /// Neither: not a revision boundary.
    Partial,
}

/// What later revisions did to a signed revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modification {
    /// Nothing after it.
    None,
    /// Only long-term validation data (DSS, document timestamps).
    LtvOnly,
    /// Further signatures (allowed by the multi-signer profile).
    SignaturesAdded,
    /// Anything else.
    Modified,
}

/// Facts about one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Validity start, RFC 3339.
    pub not_before: String,
    /// Validity end, RFC 3339.
    pub not_after: String,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

/// A verified (or not) RFC 3161 timestamp.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampInfo {
    /// `signature` (in the CMS) or `document` (a DocTimeStamp).
    pub kind: &'static str,
    /// The time it attests, RFC 3339.
    pub time: String,
    /// The TSA certificate's subject.
    pub tsa: String,
    /// Whether the token verified and its TSA chains to a trust anchor.
    pub valid: bool,
    /// Why not, when not.
    pub errors: Vec<Finding>,
}

/// Revocation facts for the signer certificate.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationInfo {
    /// `good`, `revoked`, `unknown`.
    pub status: &'static str,
    /// Where the answer came from (`crl`, `ocsp`, `none`).
    pub source: &'static str,
    /// Revocation time, when revoked.
    pub revoked_at: Option<String>,
}

/// One signature (or document timestamp) and everything found about it.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// Field name (`/T`).
    pub field: String,
    /// `signature` or `document_timestamp`.
    pub kind: &'static str,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// 0-based revision the signature closes.
    pub revision: Option<usize>,
    /// `/ByteRange` as found.
    pub byte_range: Vec<i64>,
    /// How much of the file it covers.
    pub coverage: Coverage,
    /// What later revisions did.
    pub modification: Modification,
    /// This signature's verdict.
    pub indication: Indication,
    /// Why, when not TOTAL_PASSED.
    pub sub_indication: Option<SubIndication>,
    /// `/M`, as written by the signer (a claim, not proof).
    pub claimed_signing_time: Option<String>,
    /// The CMS digest algorithm.
    pub digest_algorithm: Option<String>,
    /// The signer certificate.
    pub signer: Option<CertInfo>,
    /// The chain from the signer to the trust anchor, when one was found.
    pub chain: Vec<CertInfo>,
    /// Whether the chain reached a trust anchor.
    pub trusted: bool,
    /// Revocation of the signer certificate.
    pub revocation: RevocationInfo,
    /// Signature and document timestamps that apply.
    pub timestamps: Vec<TimestampInfo>,
    /// What makes it fail.
    pub errors: Vec<Finding>,
    /// What a reader should know but does not decide the verdict.
    pub warnings: Vec<Finding>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The document's verdict: the worst of its signatures.
    pub indication: Indication,
    /// Why, when not TOTAL_PASSED.
    pub sub_indication: Option<SubIndication>,
    /// `strict` or `multi`.
    pub profile: &'static str,
    /// Size in bytes.
    pub file_size: u64,
    /// SHA-256 of the whole file, hex (empty if it could not be read).
    pub sha256: String,
    /// Number of revisions found.
    pub revisions: usize,
    /// Every signature, in revision order.
    pub signatures: Vec<SignatureReport>,
    /// Problems of the file as a whole (also reflected on the signatures they affect).
    pub errors: Vec<Finding>,
}

/// Language of the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Tiếng Việt (default).
    Vi,
    /// English.
    En,
}

impl Report {
    /// JSON, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// A readable text report.
    pub fn to_text(&self, lang: Lang) -> String {
        let vi = lang == Lang::Vi;
        let t = |v: &str, e: &str| if vi { v.to_string() } else { e.to_string() };
        let f = |x: &Finding| if vi { x.vi.clone() } else { x.en.clone() };
        let mut out = String::new();
        let verdict = match (self.indication, vi) {
            (Indication::TotalPassed, true) => "HỢP LỆ",
            (Indication::TotalPassed, false) => "VALID",
            (Indication::TotalFailed, true) => "KHÔNG HỢP LỆ",
            (Indication::TotalFailed, false) => "INVALID",
            (Indication::Indeterminate, true) => "CHƯA XÁC ĐỊNH",
            (Indication::Indeterminate, false) => "INDETERMINATE",
            (Indication::NoSignatureFound, true) => "KHÔNG CÓ CHỮ KÝ",
            (Indication::NoSignatureFound, false) => "NO SIGNATURE",
        };
        out.push_str(&format!(
            "{}: {verdict} ({}{})\n",
            t("Kết quả", "Result"),
            screaming(&self.indication),
            self.sub_indication
                .map(|s| format!(" / {}", screaming(&s)))
                .unwrap_or_default()
        ));
        out.push_str(&format!(
            "{}: {} — {} {}, {} {}\n",
            t("Hồ sơ kiểm tra", "Profile"),
            self.profile,
            self.file_size,
            t("byte", "bytes"),
            self.revisions,
            t("phiên bản", "revisions")
        ));
        for e in &self.errors {
            out.push_str(&format!("  ! {}\n", f(e)));
        }
        for (i, s) in self.signatures.iter().enumerate() {
            out.push_str(&format!(
                "\n{} {} — {} \"{}\": {}{}\n",
                t("Chữ ký", "Signature"),
                i + 1,
                t("trường", "field"),
                s.field,
                screaming(&s.indication),
                s.sub_indication
                    .map(|x| format!(" / {}", screaming(&x)))
                    .unwrap_or_default()
            ));
            if let Some(c) = &s.signer {
                out.push_str(&format!("  {}: {}\n", t("Người ký", "Signer"), c.subject));
                out.push_str(&format!("  {}: {}\n", t("Tổ chức cấp", "Issuer"), c.issuer));
            }
            if let Some(m) = &s.claimed_signing_time {
                out.push_str(&format!(
                    "  {}: {m}\n",
                    t("Thời gian ký (khai báo)", "Signing time (claimed)")
                ));
            }
            for ts in &s.timestamps {
                out.push_str(&format!(
                    "  {}: {} ({}) {}\n",
                    t("Dấu thời gian", "Timestamp"),
                    ts.time,
                    ts.tsa,
                    if ts.valid { "✓" } else { "✗" }
                ));
            }
            out.push_str(&format!(
                "  {}: {:?} / {}: {:?} / {}: {}\n",
                t("Phạm vi", "Coverage"),
                s.coverage,
                t("Thay đổi sau khi ký", "Changes after signing"),
                s.modification,
                t("Tin cậy", "Trusted"),
                if s.trusted {
                    t("có", "yes")
                } else {
                    t("không", "no")
                }
            ));
            for e in &s.errors {
                out.push_str(&format!("  ✗ {}\n", f(e)));
            }
            for w in &s.warnings {
                out.push_str(&format!("  • {}\n", f(w)));
            }
        }
        out
    }
}

fn screaming<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
