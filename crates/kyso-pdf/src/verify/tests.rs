//! Verifier tests (DESIGN.md §6): one test per attack class of the external
//! conformance corpus (`shared/vectors/MANIFEST.md`), each with its fixture
//! generated here: a test PKI made with the x509-cert builder, documents from
//! [`crate::testpdf`], signatures from [`crate::sign`], incremental updates
//! from [`crate::write::Update`] or written by hand where an attacker would.
//!
//! ECDSA P-384 and RSA-PSS signatures, which Kyso's signer cannot make, are
//! covered by the CLI integration tests with pyHanko/openssl-made signatures.

use std::io::Cursor;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfos};
use der::{Any, Decode, Encode};
use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile as CertProfile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

use super::report::{Coverage, Indication, Modification, Report, SignatureReport, SubIndication};
use super::{Original, Profile, VerifyOptions, verify};
use crate::document::Document;
use crate::object::{Dict, ObjRef, Object, PdfString, Stream, StreamData};
use crate::sign::{SignOptions, prepare, sign};
use crate::signer::{SignatureAlgorithm, Signer, SoftwareKey};
use crate::testpdf::{self, Shape, Xref};
use crate::write::Update;

// ---------------------------------------------------------------------------
// Test PKI
// ---------------------------------------------------------------------------

/// A certification authority: its key, name and certificate.
struct Ca {
    key: SigningKey,
    name: Name,
    cert: Certificate,
}

/// A signer: key, certificate, and the CA that issued it.
struct Pki {
    root: Ca,
    key: SoftwareKey,
    cert: Certificate,
}

fn one_year() -> Validity {
    Validity::from_now(Duration::from_secs(3600 * 24 * 365)).expect("validity")
}

fn validity(from: OffsetDateTime, to: OffsetDateTime) -> Validity {
    Validity {
        not_before: Time::try_from(SystemTime::from(from)).expect("notBefore"),
        not_after: Time::try_from(SystemTime::from(to)).expect("notAfter"),
    }
}

fn name(dn: &str) -> Name {
    Name::from_str(dn).expect("distinguished name")
}

/// A self-signed P-256 root.
fn root_ca(cn: &str) -> Ca {
    let key = SigningKey::random(&mut rand_core::OsRng);
    let name = name(&format!("CN={cn},O=Kyso,C=VN"));
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).expect("spki");
    let cert = CertificateBuilder::new(
        CertProfile::Root,
        SerialNumber::from(1u32),
        one_year(),
        name.clone(),
        spki,
        &key,
    )
    .expect("root builder")
    .build::<p256::ecdsa::DerSignature>()
    .expect("root certificate");
    Ca { key, name, cert }
}

impl Ca {
    /// A certificate for `spki`, signed by this CA.
    fn issue(
        &self,
        profile: CertProfile,
        serial: u32,
        validity: Validity,
        subject: &str,
        spki: SubjectPublicKeyInfoOwned,
    ) -> Certificate {
        CertificateBuilder::new(
            profile,
            SerialNumber::from(serial),
            validity,
            name(subject),
            spki,
            &self.key,
        )
        .expect("builder")
        .build::<p256::ecdsa::DerSignature>()
        .expect("certificate")
    }

    fn leaf_profile(&self) -> CertProfile {
        CertProfile::Leaf {
            issuer: self.name.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        }
    }

    /// A P-256 document-signing leaf valid over `validity`.
    fn leaf(&self, serial: u32, validity: Validity) -> (SoftwareKey, Certificate) {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).expect("spki");
        let cert = self.issue(
            self.leaf_profile(),
            serial,
            validity,
            "CN=Nguyen Van An,O=UBND tinh Ha Giang,C=VN",
            spki,
        );
        (SoftwareKey::P256(key), cert)
    }

    /// An intermediate CA under this one.
    fn sub_ca(&self, cn: &str) -> Ca {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).expect("spki");
        let dn = format!("CN={cn},O=Kyso,C=VN");
        let cert = self.issue(
            CertProfile::SubCA {
                issuer: self.name.clone(),
                path_len_constraint: Some(0),
            },
            10,
            one_year(),
            &dn,
            spki,
        );
        Ca {
            key,
            name: name(&dn),
            cert,
        }
    }
}

/// Root → P-256 leaf, both valid for a year from now.
fn pki() -> Pki {
    let root = root_ca("Kyso Verify Root");
    let (key, cert) = root.leaf(2, one_year());
    Pki { root, key, cert }
}

/// One RSA-2048 key for every RSA test: generating it is slow.
fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("RSA key"))
}

// ---------------------------------------------------------------------------
// Signing and verifying
// ---------------------------------------------------------------------------

fn when() -> OffsetDateTime {
    time::macros::datetime!(2026-03-05 07:30:00 UTC)
}

fn sign_opts(signer: &str) -> SignOptions {
    let mut o = SignOptions::invisible(signer, when());
    o.reason = Some("Approved".into());
    o
}

fn sign_as(
    input: &[u8],
    key: &SoftwareKey,
    cert: &Certificate,
    chain: &[Certificate],
    opts: &SignOptions,
) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    sign(input, &mut out, key, cert, chain, None, opts).expect("signs");
    out.into_inner()
}

/// `input` signed by the test PKI's leaf, the root in the CMS.
fn signed(input: &[u8], p: &Pki) -> Vec<u8> {
    sign_as(
        input,
        &p.key,
        &p.cert,
        std::slice::from_ref(&p.root.cert),
        &sign_opts("An"),
    )
}

fn vopts(profile: Profile, trust: &[Certificate]) -> VerifyOptions {
    VerifyOptions {
        profile,
        trust: trust.to_vec(),
        original: None,
        now: OffsetDateTime::now_utc(),
    }
}

/// A source read piece by piece, never borrowed whole: the path `kyso
/// verify` takes for a file, where the gateway's uploads are in memory.
#[derive(Clone, Copy)]
struct Streamed<'a>(&'a [u8]);

impl crate::Source for Streamed<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read_at(offset, buf)
    }
}

/// The verdict on `pdf`, which must be the same whether the verifier
/// borrows the bytes or reads them.
fn run(pdf: &[u8], profile: Profile, trust: &[Certificate]) -> Report {
    let opts = vopts(profile, trust);
    let borrowed = verify(pdf, &opts);
    let streamed = verify(Streamed(pdf), &opts);
    assert_eq!(
        borrowed.to_json(),
        streamed.to_json(),
        "the report on bytes in memory and on the same bytes read"
    );
    borrowed
}

/// Profile A with the test root as the trust anchor.
fn strict(pdf: &[u8], p: &Pki) -> Report {
    run(pdf, Profile::Strict, std::slice::from_ref(&p.root.cert))
}

/// Profile B with the test root as the trust anchor.
fn multi(pdf: &[u8], p: &Pki) -> Report {
    run(pdf, Profile::Multi, std::slice::from_ref(&p.root.cert))
}

fn codes(s: &SignatureReport) -> Vec<&'static str> {
    s.errors.iter().map(|e| e.code).collect()
}

fn sig<'a>(r: &'a Report, i: usize, why: &str) -> &'a SignatureReport {
    r.signatures
        .get(i)
        .unwrap_or_else(|| panic!("{why}: signature {i} is missing from\n{}", r.to_json()))
}

/// The document and its signature `i` end in `ind` / `sub`, and the
/// signature's errors carry one of `code` (when given).
#[track_caller]
fn assert_verdict(
    r: &Report,
    i: usize,
    ind: Indication,
    sub: Option<SubIndication>,
    code: &[&str],
    why: &str,
) {
    let s = sig(r, i, why);
    let json = r.to_json();
    assert_eq!(s.indication, ind, "{why}: signature {i} indication\n{json}");
    assert!(
        r.indication >= ind,
        "{why}: the document is at best as good as its worst signature\n{json}"
    );
    if sub.is_some() || ind == Indication::TotalPassed {
        assert_eq!(
            s.sub_indication, sub,
            "{why}: signature {i} sub-indication\n{json}"
        );
    }
    if !code.is_empty() {
        assert!(
            codes(s).iter().any(|c| code.contains(c)),
            "{why}: signature {i} must report one of {code:?}, got {:?}\n{json}",
            codes(s)
        );
    }
}

/// A later revision was judged a modification, in both profiles.
#[track_caller]
fn expect_modified(pdf: &[u8], p: &Pki, code: &[&str], why: &str) {
    for (profile, r) in [("strict", strict(pdf, p)), ("multi", multi(pdf, p))] {
        let why = format!("{why} ({profile})");
        assert_verdict(
            &r,
            0,
            Indication::TotalFailed,
            Some(SubIndication::FormatFailure),
            code,
            &why,
        );
        assert_eq!(
            r.indication,
            Indication::TotalFailed,
            "{why}: integrity or modification problems are TOTAL_FAILED, never INDETERMINATE"
        );
        assert_eq!(
            sig(&r, 0, &why).modification,
            Modification::Modified,
            "{why}: the signed revision was modified afterwards"
        );
    }
}

/// The document and every signature pass: verified, trusted, no errors.
#[track_caller]
fn expect_passed(r: &Report, why: &str) {
    assert_eq!(
        r.indication,
        Indication::TotalPassed,
        "{why}\n{}",
        r.to_json()
    );
    for (i, s) in r.signatures.iter().enumerate() {
        assert_eq!(
            s.indication,
            Indication::TotalPassed,
            "{why}: signature {i}\n{}",
            r.to_json()
        );
        assert!(
            s.errors.is_empty(),
            "{why}: a passing signature has no errors\n{}",
            r.to_json()
        );
        assert!(s.trusted, "{why}: the chain reached the anchor");
    }
}

// ---------------------------------------------------------------------------
// Byte helpers and fixture surgery
// ---------------------------------------------------------------------------

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn stream(data: &[u8]) -> Object {
    Object::Stream(Stream {
        dict: Dict::new(),
        data: StreamData::Bytes(data.to_vec()),
    })
}

/// `pdf` plus one incremental update built with [`Update`].
fn append(pdf: &[u8], build: impl FnOnce(&Document<&[u8]>, &mut Update)) -> Vec<u8> {
    let doc = Document::open(pdf).expect("the file opens strictly before the update");
    let mut up = Update::new(&doc);
    build(&doc, &mut up);
    let ser = up.serialize(&doc).expect("the update serialises");
    let mut out = pdf.to_vec();
    out.extend_from_slice(&ser.bytes);
    Document::open(&out[..]).expect("the updated file still opens strictly");
    out
}

/// `pdf` plus a hand-written classic-table update (for a table-xref file):
/// `objects` written and listed, `entries` listed at the offsets given
/// (wherever they point).
fn raw_table_update(pdf: &[u8], objects: &[(u32, String)], entries: &[(u32, u64)]) -> Vec<u8> {
    let doc = Document::open(pdf).expect("opens");
    let root = doc
        .trailer()
        .get("Root")
        .and_then(Object::as_ref)
        .expect("/Root");
    let mut out = pdf.to_vec();
    let mut all = entries.to_vec();
    for (n, body) in objects {
        all.push((*n, out.len() as u64));
        out.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    all.sort_unstable();
    let size = all
        .iter()
        .map(|(n, _)| n + 1)
        .max()
        .unwrap_or(0)
        .max(doc.next_object_number());
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    for (n, off) in &all {
        out.extend_from_slice(format!("{n} 1\n{off:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {size} /Root {} {} R /Prev {} >>\nstartxref\n{xref_at}\n%%EOF\n",
            root.num,
            root.gen_,
            doc.startxref()
        )
        .as_bytes(),
    );
    out
}

/// Inserts `hidden` into the last revision just before its cross-reference
/// section and fixes `startxref`, so the bytes are inside the revision but
/// listed nowhere.
fn insert_before_last_xref(pdf: &[u8], hidden: &[u8]) -> Vec<u8> {
    let sx = rfind(pdf, b"startxref").expect("startxref");
    let tail = std::str::from_utf8(&pdf[sx + 9..]).expect("ASCII tail");
    let xref_at: usize = tail
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("startxref value");
    let mut out = pdf[..xref_at].to_vec();
    out.extend_from_slice(hidden);
    out.extend_from_slice(&pdf[xref_at..sx]);
    out.extend_from_slice(format!("startxref\n{}\n%%EOF\n", xref_at + hidden.len()).as_bytes());
    out
}

/// The signature dictionaries' references, in field order.
fn signature_refs(pdf: &[u8]) -> Vec<ObjRef> {
    let doc = Document::open(pdf).expect("opens");
    super::revision::signature_fields(&doc)
        .expect("form")
        .into_iter()
        .filter_map(|f| f.value_ref)
        .collect()
}

/// The DER CMS of the first signature.
fn first_cms(pdf: &[u8]) -> Vec<u8> {
    let doc = Document::open(pdf).expect("opens");
    let fields = super::revision::signature_fields(&doc).expect("form");
    let v = fields
        .iter()
        .find_map(|f| f.value.clone())
        .expect("a signed field");
    let Some(Object::String(c)) = v.get("Contents") else {
        panic!("the signature has no /Contents string")
    };
    super::der_prefix(&c.bytes)
        .expect("a DER CMS at the start of /Contents")
        .to_vec()
}

/// Flips the lowest bit of the last byte of the SignerInfo's signature value
/// where it sits, hex-encoded, inside `/Contents`.
fn flip_signature_bit(pdf: &[u8]) -> Vec<u8> {
    let ci = ContentInfo::from_der(&first_cms(pdf)).expect("ContentInfo");
    let sd: SignedData = ci.content.decode_as().expect("SignedData");
    let si = sd.signer_infos.0.get(0).expect("a SignerInfo");
    let needle = hex_upper(si.signature.as_bytes());
    let at = find(pdf, needle.as_bytes()).expect("the signature value, hex, in the file");
    let pos = at + needle.len() - 2;
    let byte = u8::from_str_radix(std::str::from_utf8(&pdf[pos..pos + 2]).expect("hex"), 16)
        .expect("hex byte");
    let mut out = pdf.to_vec();
    out[pos..pos + 2].copy_from_slice(format!("{:02X}", byte ^ 1).as_bytes());
    out
}

/// A two-page document (like `testpdf::simple`) with `extra` objects
/// written into the same revision after the real ones.
fn with_extra_objects(extra: &[(u32, String)]) -> Vec<u8> {
    let content = "BT /F1 12 Tf 72 720 Td (Kyso test) Tj ET";
    let page =
        "<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /Font << /F1 6 0 R >> >> >>";
    let mut objs: Vec<(u32, String)> = vec![
        (1, "<< /Type /Catalog /Pages 2 0 R >>".into()),
        (
            2,
            "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>".into(),
        ),
        (3, page.into()),
        (4, page.into()),
        (5, content_body(content)),
        (
            6,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
        ),
    ];
    objs.extend(extra.iter().cloned());
    testpdf::build(&objs, 1, Xref::Table)
}

fn content_body(content: &str) -> String {
    format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

const EVIL: &str = "BT /F1 24 Tf 72 720 Td (PAY 1000000000 VND TO MALLORY) Tj ET";

/// A signature prepared but not finished (its `/Contents` still zeros),
/// with the positions an attacker edits.
struct Forged {
    pdf: Vec<u8>,
    /// `[...]` of `/ByteRange`.
    byte_range: std::ops::Range<usize>,
    /// `<...>` of `/Contents`.
    contents: std::ops::Range<usize>,
    /// The honest `/ByteRange`.
    honest: [usize; 4],
}

fn forge(input: &[u8], p: &Pki) -> Forged {
    let mut out = Cursor::new(Vec::new());
    let prepared = prepare(input, &mut out, &p.cert, &sign_opts("An")).expect("prepares");
    let pdf = out.into_inner();
    let br = prepared.byte_range().map(|v| v as usize);
    let key = rfind(&pdf[..br[1]], b"/ByteRange [").expect("/ByteRange") + "/ByteRange ".len();
    let end = key + find(&pdf[key..], b"]").expect("]") + 1;
    assert_eq!(pdf[br[1]], b'<', "the gap starts at '<'");
    assert_eq!(pdf[br[2] - 1], b'>', "the gap ends at '>'");
    Forged {
        pdf,
        byte_range: key..end,
        contents: br[1]..br[2],
        honest: br,
    }
}

impl Forged {
    /// Rewrites the `/ByteRange` value in place (same length, space padded).
    fn set_byte_range(&mut self, text: &str) {
        assert!(
            text.len() <= self.byte_range.len(),
            "the forged /ByteRange fits the placeholder"
        );
        let mut t = text.as_bytes().to_vec();
        t.resize(self.byte_range.len(), b' ');
        self.pdf[self.byte_range.clone()].copy_from_slice(&t);
    }

    /// Writes `hex` into the `/Contents` placeholder, zero padded.
    fn set_contents_hex(&mut self, hex: &[u8]) {
        let inner = self.contents.start + 1..self.contents.end - 1;
        assert!(hex.len() <= inner.len(), "the CMS fits the placeholder");
        let mut h = hex.to_vec();
        h.resize(inner.len(), b'0');
        self.pdf[inner].copy_from_slice(&h);
    }

    /// The digest of `ranges` (start, length), clamped to the file.
    fn digest(&self, ranges: &[(usize, usize)]) -> [u8; 32] {
        let mut h = Sha256::new();
        for &(start, len) in ranges {
            let s = start.min(self.pdf.len());
            let e = start.saturating_add(len).min(self.pdf.len());
            h.update(&self.pdf[s..e]);
        }
        h.finalize().into()
    }

    /// A genuine CMS signature by `p` over `digest`.
    fn cms(digest: &[u8], p: &Pki) -> Vec<u8> {
        let attrs = crate::cms::signed_attributes(digest, &p.cert).expect("attributes");
        let tbs = crate::cms::to_be_signed(&attrs).expect("DER");
        let value = p.key.sign(&tbs).expect("signs");
        crate::cms::assemble(
            attrs,
            &p.cert,
            std::slice::from_ref(&p.root.cert),
            SignatureAlgorithm::EcdsaP256Sha256,
            &value,
            None,
        )
        .expect("CMS")
    }

    /// Signs the bytes of `ranges` for real and embeds the CMS.
    fn sign_over(&mut self, ranges: &[(usize, usize)], p: &Pki) {
        let cms = Self::cms(&self.digest(ranges), p);
        self.set_contents_hex(hex_upper(&cms).as_bytes());
    }

    /// Signs what the honest `/ByteRange` covers.
    fn sign_honestly(&mut self, p: &Pki) {
        let [_, b, c, d] = self.honest;
        self.sign_over(&[(0, b), (c, d)], p);
    }
}

// ---------------------------------------------------------------------------
// Passing signatures: every xref form, RSA, intermediates, trust
// ---------------------------------------------------------------------------

#[test]
fn every_xref_form_and_form_shape_signed_verifies_total_passed() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        for shape in [Shape::Bare, Shape::Inline, Shape::Indirect] {
            let what = format!("{xref:?}/{shape:?}");
            let pdf = signed(&testpdf::with_shape(xref, shape), &p);
            for r in [strict(&pdf, &p), multi(&pdf, &p)] {
                expect_passed(&r, &what);
                assert_eq!(r.signatures.len(), 1, "{what}: one signature");
                assert_eq!(r.revisions, 2, "{what}: the original plus the signature");
                let s = &r.signatures[0];
                assert_eq!(s.revision, Some(1), "{what}: it closes the second revision");
                assert_eq!(
                    s.coverage,
                    Coverage::WholeFile,
                    "{what}: nothing follows the signature"
                );
                assert_eq!(
                    s.modification,
                    Modification::None,
                    "{what}: no later revision"
                );
                assert_eq!(s.byte_range.len(), 4, "{what}: [0 b c d]");
                assert_eq!(s.byte_range[0], 0, "{what}: the range starts at byte 0");
                assert_eq!(
                    (s.byte_range[2] + s.byte_range[3]) as usize,
                    pdf.len(),
                    "{what}: the range reaches the end of the file"
                );
                assert_eq!(s.chain.len(), 2, "{what}: leaf and root make the chain");
                assert_eq!(s.sub_filter, "ETSI.CAdES.detached", "{what}: PAdES");
            }
        }
    }
}

#[test]
fn forged_fixture_signed_honestly_passes() {
    // The `Forged` machinery below produces genuine signatures: untouched,
    // it verifies, so every attack built on it fails for its own reason.
    let p = pki();
    let mut f = forge(&testpdf::simple(Xref::Table), &p);
    f.sign_honestly(&p);
    expect_passed(
        &strict(&f.pdf, &p),
        "a prepared signature finished by hand over the honest byte range",
    );
}

#[test]
fn rsa_signer_verifies_total_passed() {
    let p = pki();
    let key = rsa_key();
    let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key()).expect("RSA spki");
    let cert = p.root.issue(
        p.root.leaf_profile(),
        20,
        one_year(),
        "CN=Tran Thi Binh,O=So Noi vu,C=VN",
        spki,
    );
    let signer = SoftwareKey::Rsa(Box::new(key.clone()));
    for xref in [Xref::Table, Xref::Stream] {
        let pdf = sign_as(
            &testpdf::simple(xref),
            &signer,
            &cert,
            std::slice::from_ref(&p.root.cert),
            &sign_opts("Binh"),
        );
        let r = strict(&pdf, &p);
        expect_passed(
            &r,
            &format!("{xref:?}: RSA PKCS#1 v1.5 signer under a P-256 root"),
        );
        let bad = flip_signature_bit(&pdf);
        assert_verdict(
            &strict(&bad, &p),
            0,
            Indication::TotalFailed,
            Some(SubIndication::SigCryptoFailure),
            &["signature_invalid"],
            "one flipped bit in an RSA signature value",
        );
    }
}

#[test]
fn trust_anchor_decides_between_passed_and_no_chain() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let r = run(&pdf, Profile::Strict, &[]);
    assert_verdict(
        &r,
        0,
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
        &["no_chain"],
        "a correct signature without any trust anchor",
    );
    assert!(!r.signatures[0].trusted, "no anchor, no trust");
    let other = root_ca("Some Other Root");
    assert_verdict(
        &run(&pdf, Profile::Strict, std::slice::from_ref(&other.cert)),
        0,
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
        &["no_chain"],
        "a correct signature under a root that is not the anchor",
    );
    expect_passed(&strict(&pdf, &p), "the same file with the right anchor");
}

#[test]
fn untrusted_self_signed_signer_is_no_certificate_chain_found() {
    let p = pki();
    let own = root_ca("Self Signed Mallory");
    let key = SoftwareKey::P256(own.key.clone());
    let pdf = sign_as(
        &testpdf::simple(Xref::Table),
        &key,
        &own.cert,
        &[],
        &sign_opts("Mallory"),
    );
    assert_verdict(
        &strict(&pdf, &p),
        0,
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
        &["no_chain"],
        "a self-signed signer the verifier does not trust",
    );
    let r = run(&pdf, Profile::Strict, &[]);
    assert_verdict(
        &r,
        0,
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
        &["no_chain"],
        "a self-signed signer and no anchors at all",
    );
}

#[test]
fn intermediate_in_cms_or_added_by_dss_builds_the_chain() {
    let root = root_ca("Kyso Verify Root");
    let sub = root.sub_ca("Kyso Issuing CA");
    let (key, cert) = sub.leaf(3, one_year());
    let trust = std::slice::from_ref(&root.cert);
    let input = testpdf::simple(Xref::Table);

    let with = sign_as(
        &input,
        &key,
        &cert,
        std::slice::from_ref(&sub.cert),
        &sign_opts("An"),
    );
    let r = run(&with, Profile::Strict, trust);
    assert_verdict(
        &r,
        0,
        Indication::TotalPassed,
        None,
        &[],
        "leaf → intermediate (in the CMS) → anchor",
    );
    assert_eq!(
        r.signatures[0].chain.len(),
        3,
        "the chain holds leaf, intermediate and anchor"
    );

    let without = sign_as(&input, &key, &cert, &[], &sign_opts("An"));
    assert_verdict(
        &run(&without, Profile::Strict, trust),
        0,
        Indication::Indeterminate,
        Some(SubIndication::NoCertificateChainFound),
        &["no_chain"],
        "the intermediate is nowhere: no path to the anchor",
    );

    let ltv = add_dss(&without, &[&sub.cert]);
    let r = run(&ltv, Profile::Strict, trust);
    assert_verdict(
        &r,
        0,
        Indication::TotalPassed,
        None,
        &[],
        "the intermediate supplied later by a DSS-only revision",
    );
    assert_eq!(
        r.signatures[0].modification,
        Modification::LtvOnly,
        "a DSS revision is long-term validation data"
    );
}

// ---------------------------------------------------------------------------
// Certificates and time
// ---------------------------------------------------------------------------

#[test]
fn expired_signer_certificate_without_timestamp_is_out_of_bounds_no_poe() {
    let root = root_ca("Kyso Verify Root");
    let (key, cert) = root.leaf(
        4,
        validity(
            time::macros::datetime!(2020-01-01 00:00 UTC),
            time::macros::datetime!(2021-01-01 00:00 UTC),
        ),
    );
    let pdf = sign_as(
        &testpdf::simple(Xref::Table),
        &key,
        &cert,
        std::slice::from_ref(&root.cert),
        &sign_opts("An"),
    );
    let r = run(&pdf, Profile::Strict, std::slice::from_ref(&root.cert));
    // ETSI EN 319 102-1: a signer certificate expired at the validation time,
    // with no proof of existence before expiry, is INDETERMINATE.
    assert_verdict(
        &r,
        0,
        Indication::Indeterminate,
        Some(SubIndication::OutOfBoundsNoPoe),
        &["certificate_expired"],
        "an expired signer certificate and no signature timestamp",
    );
    assert!(
        r.signatures[0].timestamps.is_empty(),
        "no timestamp could give a proof of existence"
    );
}

#[test]
fn not_yet_valid_signer_certificate_is_not_accepted() {
    let root = root_ca("Kyso Verify Root");
    let (key, cert) = root.leaf(
        5,
        validity(
            time::macros::datetime!(2040-01-01 00:00 UTC),
            time::macros::datetime!(2041-01-01 00:00 UTC),
        ),
    );
    let pdf = sign_as(
        &testpdf::simple(Xref::Table),
        &key,
        &cert,
        std::slice::from_ref(&root.cert),
        &sign_opts("An"),
    );
    let r = run(&pdf, Profile::Strict, std::slice::from_ref(&root.cert));
    let s = sig(&r, 0, "not yet valid");
    assert_ne!(
        s.indication,
        Indication::TotalPassed,
        "a certificate not valid at the validation time cannot pass\n{}",
        r.to_json()
    );
    assert!(
        codes(s).contains(&"certificate_not_yet_valid"),
        "the reason is reported\n{}",
        r.to_json()
    );
}

// ---------------------------------------------------------------------------
// /Contents
// ---------------------------------------------------------------------------

#[test]
fn zeroed_contents_placeholder_is_format_failure() {
    let p = pki();
    let f = forge(&testpdf::simple(Xref::Table), &p);
    assert_verdict(
        &strict(&f.pdf, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        &["cms_invalid"],
        "prepared but never finished: /Contents is all zeros",
    );
}

#[test]
fn empty_contents_is_format_failure() {
    let p = pki();
    let mut f = forge(&testpdf::simple(Xref::Table), &p);
    // `<>` then spaces where the placeholder was; the byte range follows it.
    let lt = f.contents.start;
    let mut blank = b"<>".to_vec();
    blank.resize(f.contents.len(), b' ');
    let range = f.contents.clone();
    f.pdf[range].copy_from_slice(&blank);
    let len = f.pdf.len();
    f.set_byte_range(&format!("[0 {lt} {} {}]", lt + 2, len - lt - 2));
    assert_verdict(
        &strict(&f.pdf, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        &["cms_invalid"],
        "an empty /Contents <> holds no CMS",
    );
}

#[test]
fn garbage_contents_is_format_failure() {
    let p = pki();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", b"DEADBEEF".repeat(64)),
        ("a DER INTEGER, not a SEQUENCE", b"020105".to_vec()),
        (
            "a DER SEQUENCE that is no ContentInfo",
            b"3003020105".to_vec(),
        ),
        ("a truncated CMS", {
            let mut ok = forge(&testpdf::simple(Xref::Table), &p);
            ok.sign_honestly(&p);
            let cms = first_cms(&ok.pdf);
            hex_upper(&cms[..cms.len() / 2]).into_bytes()
        }),
    ];
    for (what, hex) in cases {
        let mut f = forge(&testpdf::simple(Xref::Table), &p);
        f.set_contents_hex(&hex);
        assert_verdict(
            &strict(&f.pdf, &p),
            0,
            Indication::TotalFailed,
            Some(SubIndication::FormatFailure),
            &["cms_invalid"],
            &format!("garbage /Contents: {what}"),
        );
    }
}

#[test]
fn literal_string_contents_is_format_failure() {
    let p = pki();
    let mut f = forge(&testpdf::simple(Xref::Table), &p);
    f.sign_honestly(&p);
    let (lt, gt) = (f.contents.start, f.contents.end - 1);
    f.pdf[lt] = b'(';
    f.pdf[gt] = b')';
    assert_verdict(
        &strict(&f.pdf, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        &["contents_invalid"],
        "/Contents must be a hex string",
    );
}

#[test]
fn cms_with_two_signer_infos_is_format_failure() {
    let p = pki();
    let mut f = forge(&testpdf::simple(Xref::Table), &p);
    let [_, b, c, d] = f.honest;
    let digest = f.digest(&[(0, b), (c, d)]);
    // ECDSA is randomised: two signings give two distinct SignerInfos.
    let one = ContentInfo::from_der(&Forged::cms(&digest, &p)).expect("ContentInfo");
    let two = ContentInfo::from_der(&Forged::cms(&digest, &p)).expect("ContentInfo");
    let mut sd: SignedData = one.content.decode_as().expect("SignedData");
    let sd2: SignedData = two.content.decode_as().expect("SignedData");
    let infos = vec![
        sd.signer_infos.0.get(0).expect("si").clone(),
        sd2.signer_infos.0.get(0).expect("si").clone(),
    ];
    sd.signer_infos = SignerInfos::try_from(infos).expect("two signer infos");
    let ci = ContentInfo {
        content_type: one.content_type,
        content: Any::encode_from(&sd).expect("SignedData DER"),
    };
    f.set_contents_hex(hex_upper(&ci.to_der().expect("DER")).as_bytes());
    assert_verdict(
        &strict(&f.pdf, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        &["signer_info_count"],
        "a CMS with two SignerInfos",
    );
}

// ---------------------------------------------------------------------------
// /ByteRange
// ---------------------------------------------------------------------------

#[test]
fn byte_range_anomalies_are_total_failed() {
    let p = pki();
    let input = testpdf::simple(Xref::Table);
    let base = forge(&input, &p);
    let [_, b, c, d] = base.honest;
    let len = base.pdf.len();
    // (what, /ByteRange text, ranges actually signed, expected finding)
    type Case = (&'static str, String, Vec<(usize, usize)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "/ByteRange null",
            "null".into(),
            vec![(0, b), (c, d)],
            "byte_range_invalid",
        ),
        (
            "/ByteRange with two numbers",
            format!("[0 {b}]"),
            vec![(0, b), (c, d)],
            "byte_range_invalid",
        ),
        (
            "/ByteRange with six numbers",
            format!("[0 {b} {c} {d} 0 0]"),
            vec![(0, b), (c, d)],
            "byte_range_invalid",
        ),
        (
            "/ByteRange with a negative number",
            format!("[0 {b} {c} -{d}]"),
            vec![(0, b), (c, d)],
            "byte_range_invalid",
        ),
        (
            "/ByteRange not starting at 0",
            format!("[1 {} {c} {d}]", b - 1),
            vec![(1, b - 1), (c, d)],
            "byte_range_invalid",
        ),
        (
            "overlapping ranges (c < b)",
            format!("[0 {b} {} {}]", b - 20, len - (b - 20)),
            vec![(0, b), (b - 20, len - (b - 20))],
            "byte_range_invalid",
        ),
        (
            "a range past the end of the file",
            format!("[0 {b} {c} {}]", d + 10),
            vec![(0, b), (c, d)],
            "byte_range_invalid",
        ),
        (
            "non-standard [0 10 20 30], signed over exactly those bytes",
            "[0 10 20 30]".into(),
            vec![(0, 10), (20, 30)],
            "gap_not_contents",
        ),
        (
            "a gap one byte larger than /Contents, before it",
            format!("[0 {} {c} {d}]", b - 1),
            vec![(0, b - 1), (c, d)],
            "gap_not_contents",
        ),
        (
            "a gap one byte larger than /Contents, after it",
            format!("[0 {b} {} {}]", c + 1, d - 1),
            vec![(0, b), (c + 1, d - 1)],
            "gap_not_contents",
        ),
        (
            "a gap smaller than /Contents",
            format!("[0 {} {} {}]", b + 2, c - 2, d + 2),
            vec![(0, b + 2), (c - 2, d + 2)],
            "gap_not_contents",
        ),
        (
            "the tail of the revision not covered (c + d < end of revision)",
            format!("[0 {b} {c} {}]", d - 40),
            vec![(0, b), (c, d - 40)],
            "coverage_not_revision",
        ),
    ];
    for (what, text, ranges, code) in cases {
        let mut f = forge(&input, &p);
        f.set_byte_range(&text);
        f.sign_over(&ranges, &p);
        assert_verdict(
            &strict(&f.pdf, &p),
            0,
            Indication::TotalFailed,
            Some(SubIndication::FormatFailure),
            &[code],
            what,
        );
    }
}

#[test]
fn missing_byte_range_is_total_failed() {
    let p = pki();
    let mut f = forge(&testpdf::simple(Xref::Table), &p);
    let key = f.byte_range.start - "/ByteRange ".len();
    assert_eq!(&f.pdf[key..key + 10], b"/ByteRange", "found the key");
    // Same length: the dictionary keeps its layout, just without /ByteRange.
    f.pdf[key..key + 10].copy_from_slice(b"/ByteRangX");
    f.sign_honestly(&p);
    assert_verdict(
        &strict(&f.pdf, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::FormatFailure),
        &["byte_range_invalid"],
        "a signature dictionary without /ByteRange",
    );
}

// ---------------------------------------------------------------------------
// Integrity of the signed bytes and of the signature value
// ---------------------------------------------------------------------------

#[test]
fn flipped_byte_in_signed_content_is_hash_failure() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let br = strict(&pdf, &p).signatures[0].byte_range.clone();
    let (b, c) = (br[1] as usize, br[2] as usize);

    // Range 1: the page text, far before /Contents.
    let at = find(&pdf, b"(Kyso test)").expect("page text") + 6;
    assert!(at < b, "the flipped byte is in the first range");
    let mut one = pdf.clone();
    one[at] = b'T';
    assert_verdict(
        &strict(&one, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::HashFailure),
        &["digest_mismatch"],
        "one byte of the page content changed (first range)",
    );

    // Range 2: the /M date after /Contents.
    let m = c + find(&pdf[c..], b"(D:2026").expect("/M after /Contents") + 3;
    let mut two = pdf.clone();
    two[m + 3] = b'7';
    assert_verdict(
        &strict(&two, &p),
        0,
        Indication::TotalFailed,
        Some(SubIndication::HashFailure),
        &["digest_mismatch"],
        "one byte of the signing time changed (second range)",
    );
}

#[test]
fn flipped_bit_in_signature_value_is_sig_crypto_failure() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        let pdf = signed(&testpdf::simple(xref), &p);
        let bad = flip_signature_bit(&pdf);
        assert_eq!(bad.len(), pdf.len(), "only one hex digit changed");
        assert_verdict(
            &strict(&bad, &p),
            0,
            Indication::TotalFailed,
            Some(SubIndication::SigCryptoFailure),
            &["signature_invalid"],
            &format!("{xref:?}: one flipped bit in the ECDSA signature value"),
        );
    }
}

#[test]
fn byte_flip_anywhere_outside_the_gap_never_passes() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let br = strict(&pdf, &p).signatures[0].byte_range.clone();
    let (b, c) = (br[1] as usize, br[2] as usize);
    let positions = (0..b).step_by(37).chain((c..pdf.len()).step_by(7));
    for at in positions {
        let mut bad = pdf.clone();
        bad[at] ^= 0x01;
        let r = strict(&bad, &p);
        assert!(
            matches!(
                r.indication,
                Indication::TotalFailed | Indication::NoSignatureFound
            ),
            "byte {at} ({:?}) flipped: every signed byte counts\n{}",
            pdf[at] as char,
            r.to_json()
        );
    }
}

// ---------------------------------------------------------------------------
// Bytes after %%EOF
// ---------------------------------------------------------------------------

#[test]
fn trailing_bytes_after_eof_are_total_failed() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    for tail in [&b"garbage\n"[..], b"%comment", b"%%EOF\n", b"0"] {
        let mut bad = pdf.clone();
        bad.extend_from_slice(tail);
        let what = format!("{:?} appended after %%EOF", String::from_utf8_lossy(tail));
        for r in [strict(&bad, &p), multi(&bad, &p)] {
            assert_verdict(
                &r,
                0,
                Indication::TotalFailed,
                Some(SubIndication::FormatFailure),
                &["bytes_after_eof"],
                &what,
            );
            assert!(
                r.errors.iter().any(|e| e.code == "bytes_after_eof"),
                "{what}: the file-level finding too\n{}",
                r.to_json()
            );
            assert_eq!(
                r.signatures[0].modification,
                Modification::Modified,
                "{what}: trailing bytes modify the signed document"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Incremental updates after signing
// ---------------------------------------------------------------------------

#[test]
fn incremental_update_replacing_page_content_is_modified() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        let pdf = signed(&testpdf::simple(xref), &p);
        // The page dictionary pointing at a new content stream.
        let swapped = append(&pdf, |doc, up| {
            let page = doc.pages().expect("pages").remove(0);
            let evil = up.add(stream(EVIL.as_bytes()));
            let mut d = page.dict.clone();
            d.set("Contents", evil);
            up.put(page.obj, d);
        });
        expect_modified(
            &swapped,
            &p,
            &["modified_after_signing"],
            &format!("{xref:?}: page 1 points at a new content stream"),
        );
        // The content stream itself rewritten under its own number.
        let rewritten = append(&pdf, |doc, up| {
            let page = doc.pages().expect("pages").remove(0);
            let r = page
                .dict
                .get("Contents")
                .and_then(Object::as_ref)
                .expect("content ref");
            up.put(r, stream(EVIL.as_bytes()));
        });
        expect_modified(
            &rewritten,
            &p,
            &["modified_after_signing"],
            &format!("{xref:?}: the page's content stream rewritten"),
        );
    }
}

#[test]
fn object_without_xref_entry_in_later_revision_is_hidden_object() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let ltv = add_dss(&pdf, &[&p.root.cert]);
    expect_passed(&strict(&ltv, &p), "control: the DSS revision alone passes");
    let last_dss = Document::open(&ltv[..])
        .expect("opens")
        .catalog()
        .expect("catalog")
        .1
        .get("DSS")
        .and_then(Object::as_ref)
        .expect("DSS ref");
    let cases = [
        (
            "an unlisted new object",
            format!("\n99 0 obj\n{}\nendobj\n", content_body(EVIL)),
        ),
        (
            "a second, unlisted copy of a listed object",
            format!("\n{} 0 obj\n<< /Certs [] >>\nendobj\n", last_dss.num),
        ),
    ];
    for (what, hidden) in cases {
        let bad = insert_before_last_xref(&ltv, hidden.as_bytes());
        Document::open(&bad[..]).expect("the doctored file still opens strictly");
        expect_modified(&bad, &p, &["hidden_object"], what);
    }
}

#[test]
fn xref_entry_pointing_into_signed_revision_is_xref_outside_revision() {
    // Shadow "replace" via the cross-reference table: the signed revision
    // carries a second, unlisted `5 0 obj`; a later xref re-points object 5
    // at it without writing a single object.
    let p = pki();
    let input = with_extra_objects(&[(5, content_body(EVIL))]);
    let first = find(&input, b"\n5 0 obj").expect("object 5") + 1;
    let shadow = first + 1 + find(&input[first + 1..], b"\n5 0 obj").expect("shadow 5") + 1;
    let pdf = signed(&input, &p);
    expect_passed(
        &strict(&pdf, &p),
        "control: an unreferenced object inside the signed revision is signed content",
    );
    let bad = raw_table_update(&pdf, &[], &[(5, shadow as u64)]);
    let doc = Document::open(&bad[..]).expect("the attack file opens strictly");
    let page = doc.pages().expect("pages").remove(0);
    let shown = doc
        .resolve(page.dict.get("Contents").expect("contents"))
        .expect("content stream");
    let Object::Stream(s) = shown else {
        panic!("content is a stream")
    };
    assert_eq!(
        doc.decode_stream(&s).expect("decodes"),
        EVIL.as_bytes(),
        "the attack works: a reader now shows the shadow content"
    );
    expect_modified(
        &bad,
        &p,
        &["xref_outside_revision"],
        "object 5 re-pointed into the signed revision",
    );
}

#[test]
fn reference_swap_to_hidden_content_is_modified() {
    let p = pki();
    let input = with_extra_objects(&[(11, content_body(EVIL))]);
    let pdf = signed(&input, &p);
    expect_passed(
        &strict(&pdf, &p),
        "control: the hidden object is part of the signed revision",
    );
    let bad = append(&pdf, |doc, up| {
        let page = doc.pages().expect("pages").remove(0);
        let mut d = page.dict.clone();
        d.set("Contents", ObjRef::new(11, 0));
        up.put(page.obj, d);
    });
    expect_modified(
        &bad,
        &p,
        &["modified_after_signing"],
        "page 1 re-pointed at content hidden in the signed revision",
    );
}

#[test]
fn byte_identical_rewrite_of_content_or_font_is_modified() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream] {
        let pdf = signed(&testpdf::simple(xref), &p);
        let doc = Document::open(&pdf[..]).expect("opens");
        let page = doc.pages().expect("pages").remove(0);
        let content = page
            .dict
            .get("Contents")
            .and_then(Object::as_ref)
            .expect("content ref");
        let font = ObjRef::new(6, 0);
        for (what, r) in [("content stream", content), ("font", font)] {
            let bad = append(&pdf, |doc, up| {
                let o = match doc.get(r).expect("object") {
                    Object::Stream(s) => Object::Stream(Stream {
                        data: StreamData::Bytes(doc.raw_stream_data(&s).expect("data")),
                        dict: s.dict,
                    }),
                    other => other,
                };
                up.put(r, o);
            });
            let after = Document::open(&bad[..]).expect("opens");
            assert_eq!(
                after.get(r).ok().map(|o| o.as_dict().cloned()),
                doc.get(r).ok().map(|o| o.as_dict().cloned()),
                "{xref:?}: the {what} is rewritten unchanged"
            );
            expect_modified(
                &bad,
                &p,
                &["modified_after_signing", "rewritten_unchanged"],
                &format!("{xref:?}: byte-identical rewrite of the {what}"),
            );
        }
    }
}

#[test]
fn byte_identical_rewrite_of_page_dictionary_is_modified() {
    // DESIGN.md §6: "Anything else, including ... byte-identical rewrites,
    // is a modification." A page may gain a new signature's widget (profile
    // B); rewriting it unchanged is not that, with or without /Annots.
    let p = pki();
    for shape in [Shape::Bare, Shape::Inline, Shape::Indirect] {
        let pdf = signed(&testpdf::with_shape(Xref::Table, shape), &p);
        for page_index in [0, 1] {
            let bad = append(&pdf, |doc, up| {
                let page = doc.pages().expect("pages").remove(page_index);
                up.put(page.obj, page.dict.clone());
            });
            expect_modified(
                &bad,
                &p,
                &["modified_after_signing", "rewritten_unchanged"],
                &format!(
                    "{shape:?}: byte-identical rewrite of page {}",
                    page_index + 1
                ),
            );
        }
    }
}

#[test]
fn byte_identical_rewrite_of_form_and_annots_objects_is_modified() {
    // Same rule for the objects a signature is allowed to grow: rewriting
    // them unchanged is not growing them.
    let p = pki();
    let pdf = signed(&testpdf::with_shape(Xref::Table, Shape::Indirect), &p);
    let cases = [
        ("the /AcroForm dictionary", ObjRef::new(8, 0)),
        ("the /Fields array", ObjRef::new(9, 0)),
        ("page 1's /Annots array", ObjRef::new(10, 0)),
        ("the catalog", ObjRef::new(1, 0)),
    ];
    for (what, r) in cases {
        let bad = append(&pdf, |doc, up| {
            up.put(r, doc.get(r).expect("object"));
        });
        expect_modified(
            &bad,
            &p,
            &["modified_after_signing", "rewritten_unchanged"],
            &format!("byte-identical rewrite of {what}"),
        );
    }
}

#[test]
fn page_added_after_signing_is_modified() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let bad = append(&pdf, |doc, up| {
        let (_, cat) = doc.catalog().expect("catalog");
        let pages_ref = cat.get("Pages").and_then(Object::as_ref).expect("/Pages");
        let mut pages = doc.resolve_dict(&pages_ref.into(), "pages").expect("pages");
        let content = up.add(stream(EVIL.as_bytes()));
        let page = up.add(Dict::from_pairs([
            ("Type", Object::name("Page")),
            ("Parent", pages_ref.into()),
            ("Contents", content.into()),
        ]));
        let Some(Object::Array(mut kids)) = pages.get("Kids").cloned() else {
            panic!("/Kids")
        };
        kids.push(page.into());
        pages.set("Kids", Object::Array(kids));
        pages.set("Count", Object::Int(3));
        up.put(pages_ref, pages);
    });
    assert_eq!(
        Document::open(&bad[..])
            .expect("opens")
            .pages()
            .expect("pages")
            .len(),
        3,
        "the attack added a page"
    );
    expect_modified(&bad, &p, &["modified_after_signing"], "a page added");
}

#[test]
fn page_removed_after_signing_is_modified() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let bad = append(&pdf, |doc, up| {
        let (_, cat) = doc.catalog().expect("catalog");
        let pages_ref = cat.get("Pages").and_then(Object::as_ref).expect("/Pages");
        let mut pages = doc.resolve_dict(&pages_ref.into(), "pages").expect("pages");
        let last = doc.pages().expect("pages").pop().expect("a page");
        pages.set("Kids", Object::Array(vec![last.obj.into()]));
        pages.set("Count", Object::Int(1));
        up.put(pages_ref, pages);
    });
    assert_eq!(
        Document::open(&bad[..])
            .expect("opens")
            .pages()
            .expect("pages")
            .len(),
        1,
        "the attack removed a page"
    );
    expect_modified(&bad, &p, &["modified_after_signing"], "a page removed");
}

#[test]
fn content_stream_appended_to_indirect_contents_array_is_modified() {
    // Page 1's /Contents is an indirect array; the attacker only appends a
    // new content stream to it, so the array merely "grows".
    let p = pki();
    let page = |contents: &str| {
        format!(
            "<< /Type /Page /Parent 2 0 R /Contents {contents} /Resources << /Font << /F1 6 0 R >> >> >>"
        )
    };
    let objs: Vec<(u32, String)> = vec![
        (1, "<< /Type /Catalog /Pages 2 0 R >>".into()),
        (
            2,
            "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>".into(),
        ),
        (3, page("7 0 R")),
        (4, page("5 0 R")),
        (5, content_body("BT /F1 12 Tf 72 720 Td (Kyso test) Tj ET")),
        (
            6,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
        ),
        (7, "[5 0 R]".into()),
    ];
    let pdf = signed(&testpdf::build(&objs, 1, Xref::Table), &p);
    expect_passed(&strict(&pdf, &p), "control: the signed file passes");
    let bad = append(&pdf, |_, up| {
        let evil = up.add(stream(EVIL.as_bytes()));
        up.put(
            ObjRef::new(7, 0),
            Object::Array(vec![ObjRef::new(5, 0).into(), evil.into()]),
        );
    });
    expect_modified(
        &bad,
        &p,
        &["modified_after_signing", "unexplained_object"],
        "a content stream appended to page 1's /Contents array",
    );
}

/// Adds an annotation of `subtype` to page `page_index` of `pdf`, as a new
/// object or (`direct`) as a dictionary written straight into `/Annots`.
fn add_annotation(pdf: &[u8], page_index: usize, subtype: &str, direct: bool) -> Vec<u8> {
    append(pdf, |doc, up| {
        let page = doc.pages().expect("pages").remove(page_index);
        let dict = Dict::from_pairs([
            ("Type", Object::name("Annot")),
            ("Subtype", Object::name(subtype)),
            (
                "Rect",
                Object::Array(vec![
                    Object::Int(72),
                    Object::Int(600),
                    Object::Int(300),
                    Object::Int(640),
                ]),
            ),
            ("Contents", PdfString::text("Not approved after all").into()),
            ("P", page.obj.into()),
        ]);
        let annot: Object = if direct {
            dict.into()
        } else {
            up.add(dict).into()
        };
        let mut d = page.dict.clone();
        match d.get("Annots").cloned() {
            Some(Object::Ref(r)) => {
                let Object::Array(mut a) = doc.get(r).expect("annots") else {
                    panic!("/Annots array")
                };
                a.push(annot);
                up.put(r, Object::Array(a));
            }
            Some(Object::Array(mut a)) => {
                a.push(annot);
                d.set("Annots", Object::Array(a));
                up.put(page.obj, d);
            }
            _ => {
                d.set("Annots", Object::Array(vec![annot]));
                up.put(page.obj, d);
            }
        }
    })
}

#[test]
fn annotation_added_after_signing_is_total_failed_in_both_profiles() {
    let p = pki();
    for shape in [Shape::Bare, Shape::Inline, Shape::Indirect] {
        let pdf = signed(&testpdf::with_shape(Xref::Table, shape), &p);
        let cases = [
            ("a /Text note on the signed page", 1, "Text", false),
            ("a /FreeText annotation on page 1", 0, "FreeText", false),
            (
                "a /Text note written directly into /Annots",
                1,
                "Text",
                true,
            ),
        ];
        for (what, page, subtype, direct) in cases {
            let bad = add_annotation(&pdf, page, subtype, direct);
            expect_modified(
                &bad,
                &p,
                &["unexplained_object", "modified_after_signing"],
                &format!("{shape:?}: {what}"),
            );
        }
    }
}

#[test]
fn form_filled_after_signing_is_total_failed_in_both_profiles() {
    let p = pki();
    for shape in [Shape::Inline, Shape::Indirect] {
        let pdf = signed(&testpdf::with_shape(Xref::Table, shape), &p);
        let bad = append(&pdf, |doc, up| {
            let r = ObjRef::new(7, 0);
            let mut field = doc.resolve_dict(&r.into(), "text field").expect("field");
            assert_eq!(field.get_name("FT"), Some(&b"Tx"[..]), "a text field");
            field.set("V", PdfString::text("1 000 000 000 VND"));
            up.put(r, field);
        });
        expect_modified(
            &bad,
            &p,
            &["modified_after_signing"],
            &format!("{shape:?}: the text field's /V set after signing"),
        );
    }
}

#[test]
fn signature_reason_rewritten_is_signature_changed() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &p);
    let sig_ref = signature_refs(&pdf)[0];
    let bad = append(&pdf, |doc, up| {
        let mut d = doc.resolve_dict(&sig_ref.into(), "sig").expect("sig dict");
        d.set("Reason", PdfString::text("Rejected"));
        up.put(sig_ref, d);
    });
    expect_modified(
        &bad,
        &p,
        &["signature_changed"],
        "/Reason of the signature dictionary rewritten",
    );
}

#[test]
fn second_signature_fails_strict_and_passes_multi() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        for shape in [Shape::Bare, Shape::Inline, Shape::Indirect] {
            let what = format!("{xref:?}/{shape:?}");
            let once = signed(&testpdf::with_shape(xref, shape), &p);
            let twice = sign_as(
                &once,
                &p.key,
                &p.cert,
                std::slice::from_ref(&p.root.cert),
                &sign_opts("Binh"),
            );

            let r = strict(&twice, &p);
            assert_eq!(r.signatures.len(), 2, "{what}: two signatures");
            assert_verdict(
                &r,
                0,
                Indication::TotalFailed,
                Some(SubIndication::FormatFailure),
                &["signature_added"],
                &format!("{what}: profile A allows no further signature"),
            );
            assert_verdict(
                &r,
                1,
                Indication::TotalPassed,
                None,
                &[],
                &format!("{what}: the last signature itself is intact"),
            );
            assert_eq!(
                r.indication,
                Indication::TotalFailed,
                "{what}: the document takes its worst signature's verdict"
            );

            let r = multi(&twice, &p);
            expect_passed(&r, &format!("{what}: profile B allows a second signer"));
            assert_eq!(
                r.signatures[0].modification,
                Modification::SignaturesAdded,
                "{what}: the first signature was followed by a signature"
            );
            assert_eq!(
                r.signatures[0].coverage,
                Coverage::Revision,
                "{what}: the first signature covers its own revision"
            );
            assert_eq!(
                r.signatures[1].modification,
                Modification::None,
                "{what}: nothing follows the second"
            );
            assert_eq!(
                r.signatures[1].coverage,
                Coverage::WholeFile,
                "{what}: the second covers the file"
            );
        }
    }
}

/// `pdf` plus a revision adding `/DSS << /Certs [...] >>` to the catalog.
fn add_dss(pdf: &[u8], certs: &[&Certificate]) -> Vec<u8> {
    append(pdf, |doc, up| {
        let (root, mut cat) = doc.catalog().expect("catalog");
        let refs: Vec<Object> = certs
            .iter()
            .map(|c| up.add(stream(&c.to_der().expect("DER"))).into())
            .collect();
        let dss = up.add(Dict::from_pairs([("Certs", Object::Array(refs))]));
        cat.set("DSS", dss);
        up.put(root, cat);
    })
}

#[test]
fn dss_only_update_keeps_signature_total_passed() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        for shape in [Shape::Bare, Shape::Indirect] {
            let what = format!("{xref:?}/{shape:?}");
            let pdf = signed(&testpdf::with_shape(xref, shape), &p);
            let ltv = add_dss(&pdf, &[&p.root.cert]);
            for r in [strict(&ltv, &p), multi(&ltv, &p)] {
                expect_passed(&r, &format!("{what}: a DSS-only revision"));
                assert_eq!(
                    r.signatures[0].modification,
                    Modification::LtvOnly,
                    "{what}: the later revision only adds validation data"
                );
                assert_eq!(
                    r.signatures[0].coverage,
                    Coverage::Revision,
                    "{what}: the signature covers its revision, not the file"
                );
                assert_eq!(r.revisions, 3, "{what}: original, signature, DSS");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Unsigned and unreadable input
// ---------------------------------------------------------------------------

#[test]
fn unsigned_document_is_no_signature_found() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        for shape in [Shape::Bare, Shape::Inline, Shape::Indirect] {
            let r = strict(&testpdf::with_shape(xref, shape), &p);
            assert_eq!(
                r.indication,
                Indication::NoSignatureFound,
                "{xref:?}/{shape:?}: an unsigned file is reported as such\n{}",
                r.to_json()
            );
            assert!(r.signatures.is_empty(), "{xref:?}/{shape:?}: no signatures");
            assert_eq!(
                r.sub_indication, None,
                "{xref:?}/{shape:?}: no reason needed"
            );
        }
    }
}

#[test]
fn unreadable_input_fails_closed_without_panicking() {
    let p = pki();
    let good = testpdf::simple(Xref::Table);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty input", Vec::new()),
        ("not a PDF", b"hello, world\n".repeat(20)),
        ("a PDF header and nothing else", b"%PDF-1.7\n".to_vec()),
        ("truncated to 60%", good[..good.len() * 6 / 10].to_vec()),
        ("the final %%EOF cut off", good[..good.len() - 6].to_vec()),
        ("startxref pointing nowhere", {
            let at = rfind(&good, b"startxref\n").expect("startxref") + 10;
            [&good[..at], b"9", &good[at..]].concat()
        }),
    ];
    for (what, input) in cases {
        let r = strict(&input, &p);
        assert_eq!(
            r.indication,
            Indication::TotalFailed,
            "{what}: fail closed\n{}",
            r.to_json()
        );
        assert_eq!(
            r.sub_indication,
            Some(SubIndication::FormatFailure),
            "{what}: a format failure"
        );
        assert!(
            !r.errors.is_empty(),
            "{what}: the reason is reported\n{}",
            r.to_json()
        );
    }
}

#[test]
fn truncated_signed_file_never_passes() {
    let p = pki();
    let pdf = signed(&testpdf::simple(Xref::Stream), &p);
    for cut in (0..pdf.len()).step_by(101).chain(pdf.len() - 40..pdf.len()) {
        let r = strict(&pdf[..cut], &p);
        assert!(
            matches!(
                r.indication,
                Indication::TotalFailed | Indication::NoSignatureFound
            ),
            "cut at {cut} of {}: a truncated file never passes\n{}",
            pdf.len(),
            r.to_json()
        );
    }
}

// ---------------------------------------------------------------------------
// --original: the signed revision is the issued document
// ---------------------------------------------------------------------------

fn original_of(b: &[u8]) -> Original {
    Original {
        len: b.len() as u64,
        sha256: sha256(b),
    }
}

fn with_original(pdf: &[u8], p: &Pki, o: Original) -> Report {
    let mut opts = vopts(Profile::Strict, std::slice::from_ref(&p.root.cert));
    opts.original = Some(o);
    verify(pdf, &opts)
}

#[test]
fn original_matches_the_issued_document() {
    let p = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        let issued = testpdf::simple(xref);
        let pdf = signed(&issued, &p);
        expect_passed(
            &with_original(&pdf, &p, original_of(&issued)),
            &format!("{xref:?}: signed directly on the issued bytes"),
        );
    }
}

/// The one pass that serves every prefix digest: states at offsets on,
/// just before and just after the 256 KiB chunk boundaries, at 0 and at the
/// end, equal hashing each prefix on its own; offsets past the end are left
/// out; the file's digest is the report's `sha256`.
#[test]
fn one_pass_gives_every_prefix_digest() {
    let data: Vec<u8> = (0..700_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let chunk = 256 * 1024u64;
    let offsets = [
        0,
        1,
        chunk - 1,
        chunk,
        chunk + 1,
        2 * chunk,
        699_999,
        700_000,
        700_001,
    ];
    let p = super::Prefixes::hash(&data[..], offsets.into_iter()).expect("reads");
    for o in offsets {
        match p.at.get(&o) {
            Some(h) if o <= 700_000 => assert_eq!(
                h.clone().finalize()[..],
                sha256(&data[..o as usize])[..],
                "prefix of {o} bytes"
            ),
            None if o > 700_000 => {}
            other => panic!(
                "offset {o}: {}",
                if other.is_some() { "kept" } else { "missing" }
            ),
        }
    }
    assert_eq!(p.file, sha256(&data));
    let pk = pki();
    let pdf = signed(&testpdf::simple(Xref::Table), &pk);
    let r = verify(
        &pdf[..],
        &vopts(Profile::Strict, std::slice::from_ref(&pk.root.cert)),
    );
    assert_eq!(
        r.sha256,
        super::hex(&sha256(&pdf)),
        "the report names the file it judged"
    );
}

#[test]
fn a_different_original_is_not_issued_document() {
    let p = pki();
    let issued = testpdf::simple(Xref::Table);
    let pdf = signed(&issued, &p);

    let mut changed = issued.clone();
    let at = find(&changed, b"(Kyso test)").expect("text") + 1;
    changed[at] = b'k';
    let longer = [&issued[..], b"\n"].concat();
    let shorter = issued[..issued.len() - 1].to_vec();
    let cases = [
        ("one byte different", original_of(&changed)),
        ("one byte longer", original_of(&longer)),
        ("one byte shorter", original_of(&shorter)),
        (
            "the right length, another hash",
            Original {
                len: issued.len() as u64,
                sha256: [0; 32],
            },
        ),
        ("the signed file itself", original_of(&pdf)),
    ];
    for (what, o) in cases {
        assert_verdict(
            &with_original(&pdf, &p, o),
            0,
            Indication::TotalFailed,
            None,
            &["not_issued_document"],
            &format!("--original: {what}"),
        );
    }
}

#[test]
fn a_revision_slipped_between_issue_and_signature_is_not_issued_document() {
    let p = pki();
    let issued = testpdf::simple(Xref::Table);
    let tampered = append(&issued, |doc, up| {
        let page = doc.pages().expect("pages").remove(0);
        let evil = up.add(stream(EVIL.as_bytes()));
        let mut d = page.dict.clone();
        d.set("Contents", evil);
        up.put(page.obj, d);
    });
    let pdf = signed(&tampered, &p);
    expect_passed(
        &strict(&pdf, &p),
        "without --original the signature over the tampered file is valid",
    );
    assert_verdict(
        &with_original(&pdf, &p, original_of(&issued)),
        0,
        Indication::TotalFailed,
        None,
        &["not_issued_document"],
        "the leader signed a changed copy of the issued document",
    );
}

/// Certificate signatures found valid are remembered; nothing else may pass
/// for one: another issuer key, or the same certificate with another
/// signature, is still checked and refused.
#[test]
fn remembered_certificate_signatures_are_bound_to_the_bytes_and_the_key() {
    use super::crypto::verify_certificate;
    let p = pki();
    let impostor = root_ca("Kyso Verify Root");
    for round in ["first", "remembered"] {
        assert!(
            verify_certificate(&p.cert, &p.root.cert).is_ok(),
            "{round}: the leaf is signed by its root"
        );
        assert!(
            verify_certificate(&p.cert, &impostor.cert).is_err(),
            "{round}: a root with the same name and another key did not sign it"
        );
    }
    let mut forged = p.cert.clone();
    let mut sig = forged.signature.raw_bytes().to_vec();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    forged.signature = der::asn1::BitString::from_bytes(&sig).expect("bit string");
    assert!(
        verify_certificate(&forged, &p.root.cert).is_err(),
        "the same certificate with a changed signature"
    );
    let mut altered = p.cert.clone();
    altered.tbs_certificate.serial_number = SerialNumber::from(99u32);
    assert!(
        verify_certificate(&altered, &p.root.cert).is_err(),
        "the same signature over changed contents"
    );
}
