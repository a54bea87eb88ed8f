//! Signing tests over hand-built PDFs of every cross-reference form and
//! form/annotation shape. Each result is re-read strictly and its byte range,
//! digest and signature value are checked independently of the signer.

use std::io::Cursor;
use std::str::FromStr;
use std::time::Duration;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use super::*;
use crate::object::Object;
use crate::signer::SoftwareKey;
use crate::testpdf::{self, Shape, Xref};

struct Pki {
    key: SoftwareKey,
    cert: Certificate,
    root: Certificate,
}

fn pki() -> Pki {
    let root_key = SigningKey::random(&mut rand_core::OsRng);
    let root_name = Name::from_str("CN=Kyso Unit Root,O=Kyso,C=VN").expect("name");
    let validity = Validity::from_now(Duration::from_secs(3600 * 24 * 365)).expect("validity");
    let root_spki = SubjectPublicKeyInfoOwned::from_key(*root_key.verifying_key()).expect("spki");
    let root = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::from(1u32),
        validity,
        root_name.clone(),
        root_spki,
        &root_key,
    )
    .expect("builder")
    .build::<p256::ecdsa::DerSignature>()
    .expect("root");
    let leaf_key = SigningKey::random(&mut rand_core::OsRng);
    let leaf_spki = SubjectPublicKeyInfoOwned::from_key(*leaf_key.verifying_key()).expect("spki");
    let cert = CertificateBuilder::new(
        Profile::Leaf {
            issuer: root_name,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        SerialNumber::from(2u32),
        validity,
        Name::from_str("CN=Nguyen Van An,O=UBND tinh Ha Giang,C=VN").expect("name"),
        leaf_spki,
        &root_key,
    )
    .expect("builder")
    .build::<p256::ecdsa::DerSignature>()
    .expect("leaf");
    let pem = leaf_key.to_pkcs8_pem(Default::default()).expect("pem");
    Pki {
        key: SoftwareKey::from_pem(&pem).expect("key"),
        cert,
        root,
    }
}

fn when() -> OffsetDateTime {
    time::macros::datetime!(2026-03-05 07:30:00 UTC)
}

fn sign_bytes(input: &[u8], pki: &Pki, opts: &SignOptions) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    sign(
        input,
        &mut out,
        &pki.key,
        &pki.cert,
        std::slice::from_ref(&pki.root),
        None,
        opts,
    )?;
    Ok(out.into_inner())
}

/// Independent check of one signature: the byte range covers everything but
/// the `/Contents` string, the CMS digest matches, the signature verifies.
fn check_signature(pdf: &[u8], sig_dict: &Dict, cert: &Certificate) {
    let Some(Object::Array(br)) = sig_dict.get("ByteRange") else {
        panic!("no /ByteRange")
    };
    let br: Vec<usize> = br
        .iter()
        .map(|o| o.as_f64().expect("number") as usize)
        .collect();
    assert_eq!(br[0], 0, "the range starts at the first byte");
    assert_eq!(pdf[br[1]], b'<', "the gap starts at the /Contents string");
    assert_eq!(
        pdf[br[2] - 1],
        b'>',
        "the gap ends with the /Contents string"
    );
    let mut h = Sha256::new();
    h.update(&pdf[..br[1]]);
    h.update(&pdf[br[2]..br[2] + br[3]]);
    let digest = h.finalize();
    let Some(Object::String(contents)) = sig_dict.get("Contents") else {
        panic!("no /Contents")
    };
    let ci = ContentInfo::from_der(&contents.bytes[..der_len(&contents.bytes)])
        .expect("CMS ContentInfo");
    let sd: SignedData = ci.content.decode_as().expect("SignedData");
    assert_eq!(sd.signer_infos.0.len(), 1, "exactly one SignerInfo");
    let si = sd.signer_infos.0.get(0).expect("signer info");
    let attrs = si.signed_attrs.as_ref().expect("signed attributes");
    let md = attrs
        .iter()
        .find(|a| a.oid == crate::cms::MESSAGE_DIGEST)
        .expect("message-digest attribute");
    let md: der::asn1::OctetString = md
        .values
        .get(0)
        .expect("value")
        .decode_as()
        .expect("octets");
    assert_eq!(
        md.as_bytes(),
        &digest[..],
        "the CMS digest is SHA-256 over the byte range"
    );
    assert!(
        attrs
            .iter()
            .any(|a| a.oid == crate::cms::SIGNING_CERTIFICATE_V2),
        "PAdES requires signing-certificate-v2"
    );
    crate::signer::verify(cert, &attrs.to_der().expect("DER"), si.signature.as_bytes())
        .expect("the signature value verifies over the signed attributes");
}

fn der_len(b: &[u8]) -> usize {
    // SEQUENCE with long-form length; the rest of /Contents is zero padding.
    let n = (b[1] & 0x7f) as usize;
    if b[1] & 0x80 == 0 {
        return 2 + b[1] as usize;
    }
    let len = b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | *x as usize);
    2 + n + len
}

fn signature_dicts(pdf: &[u8]) -> Vec<(String, Dict)> {
    let doc = Document::open(pdf.to_vec()).expect("the signed file opens strictly");
    let (_, catalog) = doc.catalog().expect("catalog");
    let af = doc
        .resolve_dict(catalog.get("AcroForm").expect("AcroForm"), "acroform")
        .expect("dict");
    assert_eq!(
        af.get_int("SigFlags"),
        Some(3),
        "SignaturesExist | AppendOnly"
    );
    let Object::Array(fields) = doc
        .resolve(af.get("Fields").expect("Fields"))
        .expect("array")
    else {
        panic!("/Fields is not an array")
    };
    let mut out = Vec::new();
    for f in fields {
        let d = doc.resolve_dict(&f, "field").expect("field");
        if d.get_name("FT") == Some(b"Sig") {
            let Some(Object::String(t)) = d.get("T") else {
                panic!("field without name")
            };
            let v = doc
                .resolve_dict(d.get("V").expect("V"), "sig")
                .expect("sig dict");
            out.push((t.to_text(), v));
        }
    }
    out
}

#[test]
fn signs_every_xref_form_and_form_shape() {
    let pki = pki();
    for xref in [Xref::Table, Xref::Stream, Xref::Hybrid] {
        for shape in [Shape::Bare, Shape::Inline, Shape::Indirect] {
            let input = testpdf::with_shape(xref, shape);
            let before = Document::open(input.clone()).expect("fixture opens");
            let fields_before = signature_dicts_count(&before);
            let out =
                sign_bytes(&input, &pki, &SignOptions::invisible("An", when())).expect("signs");
            assert_eq!(
                &out[..input.len()],
                &input[..],
                "{xref:?}/{shape:?}: original bytes untouched"
            );
            let doc = Document::open(out.clone()).expect("result opens strictly");
            assert_eq!(
                doc.xref_kind(),
                before.xref_kind(),
                "{xref:?}/{shape:?}: same xref kind"
            );
            assert_eq!(
                doc.pages().expect("pages").len(),
                2,
                "{xref:?}/{shape:?}: pages kept"
            );
            let sigs = signature_dicts(&out);
            assert_eq!(sigs.len(), 1, "{xref:?}/{shape:?}: one signature field");
            assert_eq!(
                count_fields(&doc),
                fields_before + 1,
                "{xref:?}/{shape:?}: existing fields kept"
            );
            let (name, dict) = &sigs[0];
            let expected = if shape == Shape::Indirect {
                "Signature2"
            } else {
                "Signature1"
            };
            assert_eq!(name, expected, "{xref:?}/{shape:?}: a unique field name");
            assert_eq!(
                dict.get_name("SubFilter"),
                Some(&b"ETSI.CAdES.detached"[..]),
                "PAdES subfilter"
            );
            assert_eq!(
                dict.get_name("Filter"),
                Some(&b"Adobe.PPKLite"[..]),
                "handler"
            );
            let Some(Object::String(m)) = dict.get("M") else {
                panic!("no /M")
            };
            assert_eq!(
                m.to_text(),
                "D:20260305143000+07'00'",
                "signing time in Vietnam time"
            );
            check_signature(&out, dict, &pki.cert);
            // the widget is on the last page (default for a leader/invisible signature)
            let last = doc.pages().expect("pages").pop().expect("a page");
            let annots = doc
                .resolve(last.dict.get("Annots").expect("annots"))
                .expect("annots");
            let Object::Array(annots) = annots else {
                panic!("/Annots not an array")
            };
            assert!(
                !annots.is_empty(),
                "{xref:?}/{shape:?}: widget added to the page"
            );
        }
    }
}

fn signature_dicts_count<S: Source>(doc: &Document<S>) -> usize {
    count_fields(doc)
}

fn count_fields<S: Source>(doc: &Document<S>) -> usize {
    let (_, catalog) = doc.catalog().expect("catalog");
    let Some(af) = catalog.get("AcroForm") else {
        return 0;
    };
    let af = doc.resolve_dict(af, "af").expect("dict");
    match doc
        .resolve(af.get("Fields").unwrap_or(&Object::Null))
        .expect("fields")
    {
        Object::Array(a) => a.len(),
        _ => 0,
    }
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let pki = pki();
    let once = sign_bytes(
        &testpdf::simple(Xref::Table),
        &pki,
        &SignOptions::invisible("An", when()),
    )
    .expect("first");
    let twice = sign_bytes(&once, &pki, &SignOptions::invisible("Binh", when())).expect("second");
    let sigs = signature_dicts(&twice);
    assert_eq!(sigs.len(), 2, "two signature fields");
    // The first signature covers exactly the first revision.
    let Some(Object::Array(br)) = sigs[0].1.get("ByteRange") else {
        panic!("no range")
    };
    let end = br[2].as_f64().expect("n") as usize + br[3].as_f64().expect("n") as usize;
    assert_eq!(
        end,
        once.len(),
        "the first signature covers its own revision"
    );
    check_signature(&twice, &sigs[0].1, &pki.cert);
    check_signature(&twice, &sigs[1].1, &pki.cert);
}

fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: 11811,
            yppu: 11811,
            unit: png::Unit::Meter,
        }));
        let mut wr = enc.write_header().expect("header");
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                // transparent border, coloured centre
                let inside = x > w / 4 && x < 3 * w / 4 && y > h / 4 && y < 3 * h / 4;
                data.extend_from_slice(if inside { &rgba } else { &[0, 0, 0, 0] });
            }
        }
        wr.write_image_data(&data).expect("pixels");
    }
    out
}

#[test]
fn visible_leader_appearance_embeds_images_and_a_vietnamese_font() {
    let pki = pki();
    let mut opts = SignOptions::invisible("Nguyễn Văn An", when());
    opts.appearance = Appearance {
        style: Style::Leader,
        signature_image: Some(png(60, 24, [0, 40, 160, 255])),
        seal_image: Some(png(40, 40, [220, 0, 0, 255])),
        title: Some("CHỦ TỊCH".into()),
        signer_name: "Nguyễn Văn An".into(),
        agency: Some("Ủy ban nhân dân tỉnh Hà Giang".into()),
        number: None,
    };
    opts.reason = Some("Phê duyệt".into());
    let out = sign_bytes(&testpdf::simple(Xref::Stream), &pki, &opts).expect("signs visibly");
    let doc = Document::open(out.clone()).expect("opens");
    let last = doc.pages().expect("pages").pop().expect("page");
    let Object::Array(annots) = doc
        .resolve(last.dict.get("Annots").expect("annots"))
        .expect("a")
    else {
        panic!("annots")
    };
    let widget = doc.resolve_dict(&annots[0], "widget").expect("widget");
    let Some(Object::Array(rect)) = widget.get("Rect") else {
        panic!("rect")
    };
    let r: Vec<f64> = rect.iter().map(|o| o.as_f64().expect("n")).collect();
    assert!(
        r[2] - r[0] > 50.0 && r[3] - r[1] > 50.0,
        "a visible rectangle: {r:?}"
    );
    assert!(r[2] <= 595.0 && r[0] >= 0.0, "inside the A4 page: {r:?}");
    let ap = doc
        .resolve_dict(widget.get("AP").expect("AP"), "ap")
        .expect("ap");
    let Object::Stream(form) = doc.resolve(ap.get("N").expect("N")).expect("form") else {
        panic!("form")
    };
    let content = doc.decode_stream(&form).expect("decodes");
    let content = String::from_utf8_lossy(&content);
    assert!(
        content.contains("/Sig Do") && content.contains("/Seal Do"),
        "both images drawn: {content}"
    );
    assert!(content.contains("Tj"), "text drawn");
    let res = doc
        .resolve_dict(form.dict.get("Resources").expect("res"), "res")
        .expect("res");
    let fonts = doc
        .resolve_dict(res.get("Font").expect("fonts"), "fonts")
        .expect("fonts");
    let f2 = doc
        .resolve_dict(fonts.get("F2").expect("bold font"), "font")
        .expect("font");
    assert_eq!(
        f2.get_name("Subtype"),
        Some(&b"Type0"[..]),
        "a composite font for Vietnamese"
    );
    assert!(f2.get("ToUnicode").is_some(), "text stays extractable");
    let sig = &signature_dicts(&out)[0].1;
    let Some(Object::String(reason)) = sig.get("Reason") else {
        panic!("reason")
    };
    assert_eq!(
        reason.to_text(),
        "Phê duyệt",
        "Vietnamese reason as a UTF-16 text string"
    );
    check_signature(&out, sig, &pki.cert);
}

#[test]
fn copy_style_goes_top_right_of_page_one() {
    let pki = pki();
    let mut opts = SignOptions::invisible("Văn thư", when());
    opts.appearance.style = Style::Copy;
    opts.appearance.title = Some("SAO Y".into());
    opts.appearance.agency = Some("Sở Nội vụ tỉnh Hà Giang".into());
    opts.appearance.number = Some("Số: 05/SY-SNV".into());
    let out = sign_bytes(&testpdf::simple(Xref::Table), &pki, &opts).expect("signs");
    let doc = Document::open(out).expect("opens");
    let first = &doc.pages().expect("pages")[0];
    let Some(Object::Array(annots)) = first.dict.get("Annots") else {
        panic!("widget on page 1")
    };
    let widget = doc.resolve_dict(&annots[0], "w").expect("widget");
    let Some(Object::Array(rect)) = widget.get("Rect") else {
        panic!("rect")
    };
    let r: Vec<f64> = rect.iter().map(|o| o.as_f64().expect("n")).collect();
    assert!(r[3] > 780.0 && r[2] > 500.0, "top right of A4: {r:?}");
    // Text only, black, regular 10 pt: the form, agency, number and time.
    let ap = doc
        .resolve_dict(widget.get("AP").expect("AP"), "ap")
        .expect("ap");
    let Object::Stream(form) = doc.resolve(ap.get("N").expect("N")).expect("form") else {
        panic!("form")
    };
    let content = doc.decode_stream(&form).expect("decodes");
    let content = String::from_utf8_lossy(&content);
    assert!(!content.contains(" Do"), "no image: {content}");
    let shows: Vec<&str> = content.lines().filter(|l| l.contains("Tj")).collect();
    assert_eq!(shows.len(), 4, "four lines: {content}");
    assert!(
        shows.iter().all(|l| l.starts_with("BT 0 0 0 rg /F1 10 Tf")),
        "black, regular, 10 pt: {content}"
    );
    let res = doc
        .resolve_dict(form.dict.get("Resources").expect("res"), "res")
        .expect("res");
    assert!(res.get("XObject").is_none(), "no image resource");
}

#[test]
fn explicit_page_and_rect_are_honoured() {
    let pki = pki();
    let mut opts = SignOptions::invisible("An", when());
    opts.appearance.style = Style::Leader;
    opts.page = Some(1);
    opts.rect = Some([100.0, 100.0, 200.0, 80.0]);
    let out = sign_bytes(&testpdf::simple(Xref::Table), &pki, &opts).expect("signs");
    let doc = Document::open(out).expect("opens");
    let first = &doc.pages().expect("pages")[0];
    let Some(Object::Array(annots)) = first.dict.get("Annots") else {
        panic!("widget on page 1")
    };
    let widget = doc.resolve_dict(&annots[0], "w").expect("widget");
    let Some(Object::Array(rect)) = widget.get("Rect") else {
        panic!("rect")
    };
    let r: Vec<f64> = rect.iter().map(|o| o.as_f64().expect("n")).collect();
    assert_eq!(
        r,
        vec![100.0, 100.0, 300.0, 180.0],
        "x,y,w,h becomes llx,lly,urx,ury"
    );
}

#[test]
fn bad_inputs_fail_with_a_classified_error() {
    let pki = pki();
    let opts = SignOptions::invisible("An", when());
    let good = testpdf::simple(Xref::Table);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty_file"),
        ("not a pdf", b"hello, world".repeat(10), "not_pdf"),
        (
            "truncated",
            good[..good.len() * 6 / 10].to_vec(),
            "truncated",
        ),
        ("encrypted", encrypted(), "encrypted"),
    ];
    for (what, input, code) in cases {
        let err = sign_bytes(&input, &pki, &opts).expect_err(what);
        assert_eq!(err.code(), code, "{what}: {err}");
    }
    let mut far = opts.clone();
    far.page = Some(9);
    let err = sign_bytes(&good, &pki, &far).expect_err("page 9 of 2");
    assert!(
        matches!(
            err,
            Error::PageOutOfRange {
                requested: 9,
                count: 2
            }
        ),
        "{err}"
    );
    let mut tiny = opts.clone();
    tiny.contents_reserve = Some(100);
    let err = sign_bytes(&good, &pki, &tiny).expect_err("100 bytes cannot hold a CMS");
    assert_eq!(err.code(), "signature_too_large", "{err}");
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused() {
    let a = pki();
    let b = pki();
    let mut out = Cursor::new(Vec::new());
    let err = sign(
        &testpdf::simple(Xref::Table),
        &mut out,
        &b.key,
        &a.cert,
        &[],
        None,
        &SignOptions::invisible("An", when()),
    )
    .expect_err("b's key with a's certificate");
    assert_eq!(
        err.code(),
        "crypto",
        "the signature value does not verify: {err}"
    );
    assert!(
        a.key.check_matches(&b.cert).is_err(),
        "check_matches sees the mismatch up front"
    );
    assert!(
        a.key.check_matches(&a.cert).is_ok(),
        "and accepts the right pair"
    );
}

fn encrypted() -> Vec<u8> {
    let mut pdf = testpdf::simple(Xref::Table);
    let s = String::from_utf8_lossy(&pdf).into_owned();
    let patched = s.replacen(
        "/Root 1 0 R >>",
        "/Root 1 0 R /Encrypt << /Filter /Standard /V 4 >> >>",
        1,
    );
    pdf = patched.into_bytes();
    pdf
}

#[test]
fn wrong_xref_offsets_are_repaired_for_signing() {
    let pki = pki();
    let good = testpdf::simple(Xref::Table);
    // Insert bytes after the header: every xref offset is now 5 bytes off.
    let mut broken = good[..15].to_vec();
    broken.extend_from_slice(b"%junk\n");
    broken.extend_from_slice(&good[15..]);
    assert!(
        Document::open(broken.clone()).is_err(),
        "strict reading refuses wrong offsets"
    );
    let out = sign_bytes(&broken, &pki, &SignOptions::invisible("An", when()))
        .expect("lenient signing repairs");
    let doc = Document::open(out.clone()).expect("the result has a complete, correct xref");
    assert_eq!(
        doc.pages().expect("pages").len(),
        2,
        "pages survive the repair"
    );
    check_signature(&out, &signature_dicts(&out)[0].1, &pki.cert);
}

#[test]
fn a_missing_final_newline_is_tolerated() {
    let pki = pki();
    let mut pdf = testpdf::simple(Xref::Table);
    while pdf.last() == Some(&b'\n') {
        pdf.pop();
    }
    let out = sign_bytes(&pdf, &pki, &SignOptions::invisible("An", when())).expect("signs");
    check_signature(&out, &signature_dicts(&out)[0].1, &pki.cert);
}

#[test]
fn two_phase_signing_with_an_external_key() {
    let pki = pki();
    let input = testpdf::simple(Xref::Stream);
    let mut out = Cursor::new(Vec::new());
    let prepared = prepare(
        &input,
        &mut out,
        &pki.cert,
        &SignOptions::invisible("An", when()),
    )
    .expect("prepares");
    // The "device" sees only the signed attributes; it returns raw r‖s.
    let der_sig = crate::signer::Signer::sign(&pki.key, prepared.to_be_signed()).expect("signs");
    let raw = p256::ecdsa::Signature::from_der(&der_sig)
        .expect("der")
        .to_bytes();
    prepared
        .finish(&mut out, &raw, &[], None)
        .expect("finishes with a raw ECDSA value");
    let out = out.into_inner();
    check_signature(&out, &signature_dicts(&out)[0].1, &pki.cert);
}

#[test]
fn async_signers_sign_too() {
    struct Remote(SoftwareKey);
    impl AsyncSigner for Remote {
        fn algorithm(&self) -> SignatureAlgorithm {
            SignatureAlgorithm::EcdsaP256Sha256
        }
        fn sign(&self, data: &[u8]) -> impl std::future::Future<Output = Result<Vec<u8>>> + Send {
            let r = crate::signer::Signer::sign(&self.0, data);
            async move { r }
        }
    }
    let pki = pki();
    let remote = Remote(pki.key);
    let input = testpdf::simple(Xref::Table);
    let mut out = Cursor::new(Vec::new());
    let opts = SignOptions::invisible("An", when());
    let fut = sign_async(&input[..], &mut out, &remote, &pki.cert, &[], None, &opts);
    let signed = block_on(fut).expect("signs");
    assert!(!signed.timestamped, "no TSA given");
    let out = out.into_inner();
    check_signature(&out, &signature_dicts(&out)[0].1, &pki.cert);
}

/// A minimal executor: enough for futures that are ready or wake themselves.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Noop;
    impl Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = Waker::from(std::sync::Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn fractional_page_boxes_survive_rewriting_so_the_original_check_passes() {
    // LibreOffice writes A4 as 595.303937007874 x 841.889763779528; the page
    // we rewrite to add the widget must equal it exactly, or the verifier's
    // --original check (rightly) sees a changed page.
    let objs: Vec<(u32, String)> = vec![
        (1, "<< /Type /Catalog /Pages 2 0 R >>".into()),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into()),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.303937007874 841.889763779528] /Contents 4 0 R >>".into()),
        (4, "<< /Length 0 >>\nstream\n\nendstream".into()),
    ];
    let issued = testpdf::build(&objs, 1, Xref::Table);
    let pki = pki();
    let signed = sign_bytes(&issued, &pki, &SignOptions::invisible("An", when())).expect("signs");
    let original = crate::verify::Original {
        len: issued.len() as u64,
        sha256: Sha256::digest(&issued).into(),
    };
    let opts = crate::verify::VerifyOptions {
        profile: crate::verify::Profile::Strict,
        trust: vec![pki.root.clone()],
        original: Some(original),
        now: time::OffsetDateTime::now_utc(),
    };
    let report = crate::verify::verify(&signed[..], &opts);
    assert_eq!(
        report.indication,
        crate::verify::report::Indication::TotalPassed,
        "our own signing revision is exactly 'the issued document plus a signature': {}",
        report.to_json()
    );
}

#[test]
fn pdf_dates_read_back_as_vietnam_iso_time() {
    let t = time::macros::datetime!(2026-03-05 07:30:00 UTC);
    assert_eq!(
        super::pdf_date_to_iso(&super::pdf_date(t)).as_deref(),
        Some("2026-03-05T14:30:00+07:00"),
        "our own /M round-trips"
    );
    for (pdf, iso) in [
        ("D:20260305073000Z", Some("2026-03-05T14:30:00+07:00")),
        ("D:20260305023000-05'00'", Some("2026-03-05T14:30:00+07:00")),
        ("D:20260305143000+0700", Some("2026-03-05T14:30:00+07:00")),
        ("D:20260305143000", None),
        ("D:2026030514", None),
        ("D:20261305143000Z", None),
        ("not a date", None),
    ] {
        assert_eq!(super::pdf_date_to_iso(pdf).as_deref(), iso, "{pdf}");
    }
}

#[test]
fn the_seal_goes_over_the_left_third_of_the_leaders_signature_image() {
    let pki = pki();
    let mut opts = SignOptions::invisible("Nguyễn Văn An", when());
    opts.appearance = Appearance {
        style: Style::Leader,
        signature_image: Some(png(60, 24, [0, 40, 160, 255])),
        seal_image: None,
        title: Some("CHỦ TỊCH".into()),
        signer_name: "Nguyễn Văn An".into(),
        agency: Some("Ủy ban nhân dân tỉnh Hà Giang".into()),
        number: None,
    };
    let rect = [330.0, 100.0, 220.0, 120.0];
    opts.rect = Some(rect);
    let signed = sign_bytes(&testpdf::simple(Xref::Table), &pki, &opts).expect("signs");
    let doc = Document::open(signed.clone()).expect("opens");
    let (page, [x, y, w, h]) = crate::appearance::seal_placement(&doc, None)
        .expect("reads")
        .expect("a visible signature");
    assert_eq!(page, doc.pages().expect("pages").len(), "the leader's page");
    let mm = 72.0 / 25.4;
    assert!(
        (w - 36.0 * mm).abs() < 1e-6 && (h - 36.0 * mm).abs() < 1e-6,
        "36 mm: {w} x {h}"
    );
    // The image is centred in the block and narrower than it: its left
    // third ends inside the block's left half; the seal is centred on the
    // image, which sits above the name and the time, so above the block's
    // middle (the fallback, the whole block, would be at the middle).
    let right = x + w;
    assert!(
        right > rect[0] && right < rect[0] + rect[2] / 2.0,
        "the seal's right edge in the block's left half: {right}"
    );
    let centre = y + h / 2.0;
    assert!(
        centre > rect[1] + rect[3] / 2.0 && centre < rect[1] + rect[3],
        "centred on the image, above the block's middle: {centre}"
    );

    // Sealed there: a second visible signature, both valid.
    let mut seal = SignOptions::invisible("Ủy ban nhân dân tỉnh Hà Giang", when());
    seal.appearance.style = Style::Seal;
    seal.appearance.agency = Some("Ủy ban nhân dân tỉnh Hà Giang".into());
    seal.page = Some(page);
    seal.rect = Some([x, y, w, h]);
    let sealed = sign_bytes(&signed, &pki, &seal).expect("seals");
    let dicts = signature_dicts(&sealed);
    assert_eq!(dicts.len(), 2);
    for (_, d) in &dicts {
        check_signature(&sealed, d, &pki.cert);
    }
    // An invisible signature has no place for a seal.
    let invisible = sign_bytes(
        &testpdf::simple(Xref::Table),
        &pki,
        &SignOptions::invisible("A", when()),
    )
    .expect("signs");
    let doc = Document::open(invisible).expect("opens");
    assert_eq!(
        crate::appearance::seal_placement(&doc, None).expect("reads"),
        None
    );
}
