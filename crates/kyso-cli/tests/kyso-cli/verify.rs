//! `kyso verify` (DESIGN.md §6, §10) on files signed by pyHanko's Python API
//! (`scripts/fixtures/pyhanko_sign.py`: B-B with P-256, RSA, P-384/SHA-384 and
//! RSA-PSS, B-T, B-LT with CRLs in the DSS, B-LTA, two signers, a revoked
//! signer) and by `kyso sign`; its exit codes, JSON and text reports.

use std::path::Path;
use std::process::Command;

use crate::support::*;

// ------------------------------------------------------------------ running

/// `kyso verify FILE --trust pki/ROOT/root.pem ...`.
fn verify_cmd(file: &Path, roots: &[&str]) -> Command {
    let mut c = kyso();
    c.arg("verify").arg(file);
    for r in roots {
        c.arg("--trust").arg(fx(&format!("pki/{r}/root.pem")));
    }
    c
}

/// What `kyso verify` did: exit code, output and (for JSON) the parsed report.
struct Verdict {
    what: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    json: Json,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\n--- {} -> exit {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }
}

impl Verdict {
    fn indication(&self) -> &str {
        self.json.get("indication").str().unwrap_or("<none>")
    }

    fn sub_indication(&self) -> Option<&str> {
        self.json.get("sub_indication").str()
    }

    /// `signatures[]` entries of the given kind (`signature`, `document_timestamp`).
    fn entries(&self, kind: &str) -> Vec<&Json> {
        self.json
            .get("signatures")
            .arr()
            .iter()
            .filter(|s| s.get("kind").str() == Some(kind))
            .collect()
    }

    fn signatures(&self) -> Vec<&Json> {
        self.entries("signature")
    }

    /// Every finding code, of the file and of each signature.
    fn codes(&self) -> Vec<&str> {
        std::iter::once(&self.json)
            .chain(self.json.get("signatures").arr())
            .flat_map(|x| x.get("errors").arr())
            .filter_map(|f| f.get("code").str())
            .collect()
    }
}

/// Runs `cmd` as it is (text report or usage error).
fn outcome(mut cmd: Command) -> Verdict {
    let what = format!("{cmd:?}");
    let o = run(&mut cmd);
    Verdict {
        what,
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        json: Json::Null,
    }
}

/// Runs `cmd --format json` and parses the report.
fn report(mut cmd: Command) -> Verdict {
    cmd.args(["--format", "json"]);
    let mut v = outcome(cmd);
    v.json = Json::parse(&v.stdout)
        .unwrap_or_else(|e| panic!("--format json prints one JSON document ({e}):{v}"));
    v
}

fn json_report(file: &Path, roots: &[&str], extra: &[&str]) -> Verdict {
    let mut c = verify_cmd(file, roots);
    c.args(extra);
    report(c)
}

// ------------------------------------------------------------------ assertions

/// Exit 0, TOTAL_PASSED, `n` signatures (document timestamps not counted),
/// each one TOTAL_PASSED and trusted.
fn assert_total_passed(v: &Verdict, n: usize, why: &str) {
    assert_eq!(
        v.indication(),
        "TOTAL_PASSED",
        "{why}: the verdict is TOTAL_PASSED{v}"
    );
    assert_eq!(
        v.sub_indication(),
        None,
        "{why}: TOTAL_PASSED has no sub-indication{v}"
    );
    assert_eq!(
        v.code,
        Some(0),
        "{why}: kyso verify exits 0 for TOTAL_PASSED (DESIGN §10){v}"
    );
    let sigs = v.signatures();
    assert_eq!(
        sigs.len(),
        n,
        "{why}: the report lists {n} signature(s) of kind \"signature\"{v}"
    );
    for s in sigs {
        assert_eq!(
            s.get("indication").str(),
            Some("TOTAL_PASSED"),
            "{why}: every signature passes on its own (field {:?}){v}",
            s.get("field").str()
        );
        assert_eq!(
            s.get("trusted").bool(),
            Some(true),
            "{why}: the signer chains to the given trust anchor (field {:?}){v}",
            s.get("field").str()
        );
    }
}

/// Exit 1 with this indication (and sub-indication, when given).
fn assert_verdict(v: &Verdict, indication: &str, sub: Option<&str>, why: &str) {
    assert_eq!(v.indication(), indication, "{why}: indication{v}");
    if sub.is_some() {
        assert_eq!(v.sub_indication(), sub, "{why}: sub-indication{v}");
    }
    assert_eq!(
        v.code,
        Some(1),
        "{why}: kyso verify exits 1 for any verdict but TOTAL_PASSED (DESIGN §10){v}"
    );
}

/// `timestamps[]` of an entry has one of `kind` that is valid.
fn assert_valid_timestamp(v: &Verdict, entry: &Json, kind: &str, why: &str) {
    let ts = entry.get("timestamps").arr();
    assert!(
        ts.iter()
            .any(|t| t.get("kind").str() == Some(kind) && t.get("valid").bool() == Some(true)),
        "{why}: field {:?} reports a valid {kind} timestamp in timestamps[]{v}",
        entry.get("field").str()
    );
}

/// Usage / I/O error: exit 2, nothing on stdout, exactly one line on stderr.
fn assert_usage_error(v: &Verdict, why: &str) {
    assert_eq!(
        v.code,
        Some(2),
        "{why}: usage and I/O errors exit 2 (DESIGN §10){v}"
    );
    assert_eq!(
        v.stderr.lines().count(),
        1,
        "{why}: exactly one line on stderr{v}"
    );
    assert!(
        !v.stderr.trim().is_empty(),
        "{why}: the line says what went wrong{v}"
    );
    assert!(
        v.stdout.trim().is_empty(),
        "{why}: no report is printed when nothing was verified{v}"
    );
}

// ------------------------------------------------------------------ pyHanko B-B

#[test]
fn pyhanko_b_b_p256_passes() {
    let v = json_report(&fx("pdf/pyhanko/b-b-p256.pdf"), &["p256"], &[]);
    assert_total_passed(&v, 1, "pyHanko PAdES B-B, P-256, trusted root");
}

#[test]
fn pyhanko_b_b_rsa_passes() {
    let v = json_report(&fx("pdf/pyhanko/b-b-rsa.pdf"), &["rsa"], &[]);
    assert_total_passed(
        &v,
        1,
        "pyHanko PAdES B-B, RSA PKCS#1 v1.5 (DESIGN §5: RSA must verify)",
    );
}

#[test]
fn pyhanko_b_b_p384_sha384_passes() {
    let v = json_report(&fx("pdf/pyhanko/b-b-p384-sha384.pdf"), &["p384"], &[]);
    assert_total_passed(&v, 1, "pyHanko PAdES B-B, P-384 with SHA-384");
    let digest = v.signatures()[0]
        .get("digest_algorithm")
        .str()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace('-', "");
    assert_eq!(
        digest, "sha384",
        "the CMS digest of this file is SHA-384 and the report says so{v}"
    );
}

#[test]
fn pyhanko_b_b_rsa_pss_passes() {
    let v = json_report(&fx("pdf/pyhanko/b-b-rsapss.pdf"), &["rsa"], &[]);
    assert_total_passed(
        &v,
        1,
        "pyHanko PAdES B-B, RSASSA-PSS SHA-256 (DESIGN §5: RSA PSS must verify)",
    );
}

#[test]
fn pyhanko_cli_visible_signature_passes() {
    let v = json_report(&fx("pdf/pyhanko-signed.pdf"), &["p256"], &[]);
    assert_total_passed(
        &v,
        1,
        "pyHanko CLI PAdES B-B with a visible field on page 2",
    );
}

// ------------------------------------------------------------------ pyHanko B-T, B-LT, B-LTA

#[test]
fn pyhanko_b_t_has_a_valid_signature_timestamp() {
    let v = json_report(&fx("pdf/pyhanko/b-t-p256.pdf"), &["p256"], &[]);
    assert_total_passed(
        &v,
        1,
        "pyHanko PAdES B-T (TSA issued under the trusted p256 root)",
    );
    assert_valid_timestamp(
        &v,
        v.signatures()[0],
        "signature",
        "the signature-time-stamp attribute verifies and its TSA chains to the trusted root",
    );
}

#[test]
fn pyhanko_b_t_timestamp_with_fractional_seconds() {
    // RFC 3161 §2.4.2 allows fractions of a second in genTime
    // (GeneralizedTime "YYYYMMDDhhmmss.25Z"); many TSAs write them.
    let v = json_report(&fx("pdf/pyhanko/b-t-p256-fraction.pdf"), &["p256"], &[]);
    assert_total_passed(&v, 1, "pyHanko PAdES B-T, genTime with a fraction");
    assert_valid_timestamp(
        &v,
        v.signatures()[0],
        "signature",
        "a genTime with fractional seconds is valid DER and valid RFC 3161",
    );
}

#[test]
fn pyhanko_b_lt_with_crls_in_the_dss_passes() {
    let v = json_report(&fx("pdf/pyhanko/b-lt-p256.pdf"), &["p256"], &[]);
    assert_total_passed(
        &v,
        1,
        "pyHanko PAdES B-LT: a DSS revision after the signature is allowed by the strict profile (DESIGN §6)",
    );
    let sig = v.signatures()[0];
    assert_valid_timestamp(
        &v,
        sig,
        "signature",
        "B-LT keeps the B-T signature timestamp",
    );
    assert_eq!(
        sig.get("revocation").get("status").str(),
        Some("good"),
        "the DSS holds the p256 int and root CRLs, which do not list the signer{v}"
    );
}

#[test]
fn pyhanko_b_lta_has_a_valid_document_timestamp() {
    let v = json_report(&fx("pdf/pyhanko/b-lta-p256.pdf"), &["p256"], &[]);
    assert_total_passed(
        &v,
        1,
        "pyHanko PAdES B-LTA: DSS and a document timestamp after the signature are allowed (DESIGN §6)",
    );
    assert_valid_timestamp(
        &v,
        v.signatures()[0],
        "signature",
        "B-LTA keeps the B-T signature timestamp",
    );
    let docts = v.entries("document_timestamp");
    assert_eq!(
        docts.len(),
        1,
        "the document timestamp (field Timestamp1) has its own document_timestamp entry{v}"
    );
    assert_eq!(
        docts[0].get("indication").str(),
        Some("TOTAL_PASSED"),
        "the document timestamp covers the whole file and its TSA is trusted{v}"
    );
    assert_valid_timestamp(
        &v,
        docts[0],
        "document",
        "the RFC 3161 document timestamp verifies",
    );
}

// ------------------------------------------------------------------ two signers, profiles

#[test]
fn pyhanko_two_signers_pass_under_the_multi_profile() {
    let v = json_report(
        &fx("pdf/pyhanko/two-signers.pdf"),
        &["p256", "rsa"],
        &["--profile", "multi"],
    );
    assert_total_passed(
        &v,
        2,
        "profile B allows a revision that only adds a signature field with its value (DESIGN §6)",
    );
    let fields: Vec<_> = v
        .signatures()
        .iter()
        .map(|s| s.get("field").str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        fields,
        ["Sig1", "Sig2"],
        "signatures are listed in revision order{v}"
    );
}

#[test]
fn pyhanko_two_signers_fail_under_the_strict_profile() {
    let v = json_report(&fx("pdf/pyhanko/two-signers.pdf"), &["p256", "rsa"], &[]);
    assert_verdict(
        &v,
        "TOTAL_FAILED",
        None,
        "profile A (default) allows only DSS or a document timestamp after a signature; \
         a second signature is a modification, and modifications are TOTAL_FAILED (DESIGN §6)",
    );
    assert_eq!(
        v.signatures()[0].get("indication").str(),
        Some("TOTAL_FAILED"),
        "it is the first signature (Sig1) that was modified afterwards{v}"
    );
}

// ------------------------------------------------------------------ trust

#[test]
fn without_trust_anchor_the_chain_is_not_found() {
    let v = json_report(&fx("pdf/pyhanko/b-b-p256.pdf"), &[], &[]);
    assert_verdict(
        &v,
        "INDETERMINATE",
        Some("NO_CERTIFICATE_CHAIN_FOUND"),
        "an intact signature with no trust anchor configured cannot be judged",
    );
    assert_eq!(
        v.signatures()[0].get("trusted").bool(),
        Some(false),
        "no trust anchor: not trusted{v}"
    );
}

#[test]
fn with_the_wrong_trust_anchor_the_chain_is_not_found() {
    for (file, wrong) in [
        ("pdf/pyhanko/b-b-p256.pdf", "rsa"),
        ("pdf/pyhanko/b-b-rsa.pdf", "p256"),
        ("pdf/pyhanko/b-b-p384-sha384.pdf", "p256"),
    ] {
        let v = json_report(&fx(file), &[wrong], &[]);
        assert_verdict(
            &v,
            "INDETERMINATE",
            Some("NO_CERTIFICATE_CHAIN_FOUND"),
            &format!("{file} does not chain to the {wrong} root"),
        );
    }
}

#[test]
fn revoked_signer_is_not_passed() {
    let v = json_report(&fx("pdf/pyhanko/revoked.pdf"), &["p256"], &[]);
    assert_ne!(
        v.indication(),
        "TOTAL_PASSED",
        "the DSS CRL lists the signer as revoked{v}"
    );
    let pair = (v.indication(), v.sub_indication().unwrap_or("<none>"));
    assert!(
        matches!(
            pair,
            ("TOTAL_FAILED", "REVOKED") | ("INDETERMINATE", "REVOKED_NO_POE")
        ),
        "revoked yesterday, signed and timestamped today: TOTAL_FAILED/REVOKED, \
         or INDETERMINATE/REVOKED_NO_POE without proof of existence before the revocation; got {pair:?}{v}"
    );
    assert_eq!(v.code, Some(1), "not TOTAL_PASSED: exit 1{v}");
    assert_eq!(
        v.signatures()[0].get("revocation").get("status").str(),
        Some("revoked"),
        "int-revoked.crl in the DSS lists serial 4B59534F1006{v}"
    );
}

// ------------------------------------------------------------------ kyso sign -> kyso verify

fn kyso_signed_round_trip(pki: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = fx("pdf/reportlab-vi.pdf");
    let out = dir.path().join("signed.pdf");
    sign(&input, &out, pki, extra);

    let v = json_report(&out, &[pki], &[]);
    assert_total_passed(&v, 1, &format!("kyso sign ({pki}) then kyso verify"));

    let orig = input.to_str().expect("utf-8 path");
    let v = json_report(&out, &[pki], &["--original", orig]);
    assert_total_passed(
        &v,
        1,
        &format!("--original is the very input that kyso sign ({pki}) signed"),
    );

    let other = fx("pdf/libreoffice-vi.pdf");
    let v = json_report(
        &out,
        &[pki],
        &["--original", other.to_str().expect("utf-8 path")],
    );
    assert_verdict(
        &v,
        "TOTAL_FAILED",
        None,
        "the signed revision is not the issued document given with --original (DESIGN §6)",
    );
    assert!(
        v.codes().contains(&"not_issued_document"),
        "the finding says which check failed: not_issued_document; got {:?}{v}",
        v.codes()
    );
}

#[test]
fn kyso_signed_p256_verifies_with_and_against_the_original() {
    let sig = fx("images/signature.png");
    let seal = fx("images/seal.png");
    kyso_signed_round_trip(
        "p256",
        &[
            "--signature-image",
            sig.to_str().expect("utf-8 path"),
            "--seal-image",
            seal.to_str().expect("utf-8 path"),
        ],
    );
}

#[test]
fn kyso_signed_rsa_verifies_with_and_against_the_original() {
    kyso_signed_round_trip("rsa", &["--invisible"]);
}

// ------------------------------------------------------------------ report formats

#[test]
fn text_report_is_vietnamese_by_default_and_english_on_request() {
    let file = fx("pdf/pyhanko/b-b-p256.pdf");
    let v = outcome(verify_cmd(&file, &["p256"]));
    assert_eq!(v.code, Some(0), "a valid file exits 0 in text mode too{v}");
    let first = v.stdout.lines().next().unwrap_or_default();
    assert!(
        first.contains("HỢP LỆ") && !first.contains("KHÔNG HỢP LỆ"),
        "the default (Vietnamese) verdict line says HỢP LỆ for a valid file{v}"
    );

    let mut c = verify_cmd(&file, &["p256"]);
    c.args(["--lang", "en"]);
    let v = outcome(c);
    assert_eq!(v.code, Some(0), "--lang does not change the exit code{v}");
    let first = v.stdout.lines().next().unwrap_or_default();
    assert!(
        first.contains("VALID") && !first.contains("INVALID"),
        "--lang en: the verdict line says VALID{v}"
    );
    assert!(
        !v.stdout.contains("HỢP LỆ"),
        "--lang en: no Vietnamese verdict{v}"
    );

    // and the opposite verdict, so "VALID" above is not a substring accident
    let bad = fx("pdf/bad/not-a-pdf.pdf");
    let v = outcome(verify_cmd(&bad, &[]));
    assert!(
        v.stdout.contains("KHÔNG HỢP LỆ"),
        "an unreadable file is KHÔNG HỢP LỆ in Vietnamese{v}"
    );
    let mut c = verify_cmd(&bad, &[]);
    c.args(["--lang", "en"]);
    let v = outcome(c);
    assert!(
        v.stdout.contains("INVALID"),
        "an unreadable file is INVALID in English{v}"
    );
}

#[test]
fn json_report_has_the_stable_keys() {
    for (file, roots) in [
        ("pdf/pyhanko/b-b-p256.pdf", &["p256"][..]),
        ("pdf/reportlab-vi.pdf", &[][..]),
        ("pdf/bad/not-a-pdf.pdf", &[][..]),
    ] {
        let v = json_report(&fx(file), roots, &[]);
        for key in ["indication", "sub_indication", "signatures"] {
            assert!(
                v.json.has(key),
                "{file}: the JSON report always has `{key}` (DESIGN §10){v}"
            );
        }
        assert!(
            v.json.get("indication").str().is_some(),
            "{file}: `indication` is a string{v}"
        );
        assert!(
            matches!(v.json.get("signatures"), Json::Arr(_)),
            "{file}: `signatures` is an array{v}"
        );
    }
}

// ------------------------------------------------------------------ exit codes

#[test]
fn missing_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.pdf");
    assert_usage_error(
        &outcome(verify_cmd(&missing, &["p256"])),
        "a file that does not exist",
    );
    let mut c = verify_cmd(&missing, &["p256"]);
    c.args(["--format", "json"]);
    assert_usage_error(&outcome(c), "a file that does not exist, JSON requested");
}

#[test]
fn missing_trust_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = verify_cmd(&fx("pdf/pyhanko/b-b-p256.pdf"), &[]);
    c.arg("--trust").arg(dir.path().join("missing-root.pem"));
    assert_usage_error(&outcome(c), "a --trust file that does not exist");
}

#[test]
fn missing_original_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = verify_cmd(&fx("pdf/pyhanko/b-b-p256.pdf"), &["p256"]);
    c.arg("--original")
        .arg(dir.path().join("missing-issued.pdf"));
    assert_usage_error(&outcome(c), "an --original file that does not exist");
}

#[test]
fn unsigned_pdf_has_no_signature() {
    let v = json_report(&fx("pdf/reportlab-vi.pdf"), &["p256"], &[]);
    assert_verdict(
        &v,
        "NO_SIGNATURE_FOUND",
        None,
        "a readable PDF without a signature field value",
    );
    assert!(
        v.json.get("signatures").arr().is_empty(),
        "no signature: signatures[] is empty{v}"
    );
}

#[test]
fn non_pdf_is_total_failed() {
    for file in [
        "pdf/bad/not-a-pdf.pdf",
        "pdf/bad/garbage.pdf",
        "pdf/bad/empty.pdf",
        "pdf/bad/truncated.pdf",
    ] {
        let v = json_report(&fx(file), &["p256"], &[]);
        assert_verdict(
            &v,
            "TOTAL_FAILED",
            None,
            &format!(
                "{file}: the verifier fails closed, a parser error is a rejection (DESIGN §6)"
            ),
        );
    }
}

// ------------------------------------------------------------------ JSON

/// A JSON value (the test crate has no JSON dependency).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

static NULL: Json = Json::Null;

impl Json {
    /// The member `key` of an object; `Null` when absent or not an object.
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    fn has(&self, key: &str) -> bool {
        matches!(self, Json::Obj(m) if m.iter().any(|(k, _)| k == key))
    }

    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    fn bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => &[],
        }
    }

    fn parse(text: &str) -> Result<Json, String> {
        let mut p = JsonParser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing data at byte {}", p.i));
        }
        Ok(v)
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            None => self.err("unexpected end"),
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return self.err("expected ':'");
                    }
                    members.push((key, self.value()?));
                    self.ws();
                    if self.eat("}") {
                        return Ok(Json::Obj(members));
                    }
                    if !self.eat(",") {
                        return self.err("expected ',' or '}'");
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    if self.eat("]") {
                        return Ok(Json::Arr(items));
                    }
                    if !self.eat(",") {
                        return self.err("expected ',' or ']'");
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') if self.eat("true") => Ok(Json::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Json::Bool(false)),
            Some(b'n') if self.eat("null") => Ok(Json::Null),
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                t.parse::<f64>()
                    .map(Json::Num)
                    .map_err(|e| format!("bad number {t:?}: {e}"))
            }
            Some(_) => self.err("unexpected character"),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match h {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => self.err("bad \\u escape"),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if !self.eat("\"") {
            return self.err("expected a string");
        }
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return self.err("unterminated string");
            };
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("unterminated escape");
                    };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) && self.eat("\\u") {
                                let lo = self.hex4()?;
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            char::from_u32(cp).unwrap_or('\u{FFFD}')
                        }
                        _ => return self.err("bad escape"),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
}

#[test]
fn json_parser_reads_what_serde_json_writes() {
    let j = Json::parse(
        r#"{"a": [1, -2.5e3, true, false, null], "b": "Hợp lệ \"x\" \u00e9\ud83d\ude00", "c": {}}"#,
    )
    .expect("parses");
    assert_eq!(
        j.get("a").arr().len(),
        5,
        "the test's own JSON reader keeps arrays whole"
    );
    assert_eq!(
        j.get("b").str(),
        Some("Hợp lệ \"x\" é😀"),
        "the test's own JSON reader decodes UTF-8, escapes and surrogate pairs"
    );
    assert!(
        j.has("c") && !j.has("d"),
        "the test's own JSON reader tells present keys from absent ones"
    );
    assert!(
        Json::parse("{\"a\": 1} x").is_err(),
        "trailing data is an error"
    );
}
