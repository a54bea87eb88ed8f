//! `kyso sign` on documents from real producers, judged by independent validators.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use kyso_pdf::{Document, ReadOptions};

use crate::support::*;

/// Signs `input` visibly with the P-256 test signer and has every validator judge it.
fn signs_and_validates(input: &str, existing_signatures: usize) {
    signs_and_validates_as(input, existing_signatures, "p256");
}

fn signs_and_validates_as(input: &str, existing_signatures: usize, pki: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fx(input);
    let out = dir.path().join("signed.pdf");
    sign(
        &src,
        &out,
        pki,
        &[
            "--signature-image",
            fx("images/signature.png").to_str().expect("utf-8"),
            "--seal-image",
            fx("images/seal.png").to_str().expect("utf-8"),
            "--title",
            "CHỦ TỊCH",
            "--reason",
            "Phê duyệt văn bản",
        ],
    );
    let original = std::fs::read(&src).expect("input");
    let signed = std::fs::read(&out).expect("output");
    assert_eq!(
        &signed[..original.len()],
        &original[..],
        "{input}: the original bytes are kept as they are"
    );
    let before = Document::open_with(original, ReadOptions::lenient()).expect("input opens");
    let after = Document::open(signed).expect("the signed file opens under strict rules");
    assert_eq!(
        after.xref_kind(),
        before.xref_kind(),
        "{input}: same cross-reference kind as the input"
    );
    let n = existing_signatures + 1;
    assert_pyhanko_trusts(&out, n, &[]);
    assert_pdfsig_trusts(&out, n);
    assert_qpdf_ok(&out);
    assert_openssl_verifies(&out, &format!("pki/{pki}/root.pem"));
}

#[test]
fn reportlab_document_with_vietnamese_text() {
    signs_and_validates("pdf/reportlab-vi.pdf", 0);
}

#[test]
fn libreoffice_document() {
    signs_and_validates("pdf/libreoffice-vi.pdf", 0);
}

#[test]
fn qpdf_object_streams_and_xref_stream() {
    signs_and_validates("pdf/qpdf-objstm.pdf", 0);
}

#[test]
fn linearized_document() {
    signs_and_validates("pdf/qpdf-linearized.pdf", 0);
}

#[test]
fn ghostscript_document() {
    signs_and_validates("pdf/gs.pdf", 0);
}

#[test]
fn document_already_signed_by_pyhanko_keeps_its_signature() {
    // A second signer, as when the clerk signs after the leader. (poppler
    // 22.12's pdfsig reports "Unknown issue with Certificate" for a second
    // signature by the same certificate in one file, even when pyHanko made
    // both; that is a peer quirk, so this test uses another signer.)
    signs_and_validates_as("pdf/pyhanko-signed.pdf", 1, "rsa");
}

#[test]
fn rsa_signer_invisible_on_a_chosen_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("rsa.pdf");
    sign(
        &fx("pdf/multipage-100.pdf"),
        &out,
        "rsa",
        &["--invisible", "--page", "50"],
    );
    assert_pyhanko_trusts(&out, 1, &[]);
    assert_pdfsig_trusts(&out, 1);
    assert_qpdf_ok(&out);
    assert_openssl_verifies(&out, "pki/rsa/root.pem");
}

#[test]
fn copy_style_and_explicit_rectangle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("copy.pdf");
    sign(
        &fx("pdf/reportlab-vi.pdf"),
        &copy,
        "p256",
        &[
            "--style",
            "copy",
            "--agency",
            "Văn phòng UBND tỉnh Hà Giang",
        ],
    );
    assert_pyhanko_trusts(&copy, 1, &[]);
    let placed = dir.path().join("placed.pdf");
    sign(
        &fx("pdf/reportlab-vi.pdf"),
        &placed,
        "p256",
        &["--page", "1", "--rect", "300,100,220,120"],
    );
    assert_pyhanko_trusts(&placed, 1, &[]);
    assert_qpdf_ok(&placed);
}

/// A one-request-at-a-time RFC 3161 server on loopback that answers with
/// `openssl ts -reply`, an implementation independent of ours.
fn openssl_tsa() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/tsa", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let body = loop {
            let n = conn.read(&mut chunk).expect("read");
            assert!(n > 0, "client closed early");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                assert!(
                    head.contains("content-type: application/timestamp-query"),
                    "RFC 3161 content type: {head}"
                );
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("content-length");
                while buf.len() < end + 4 + len {
                    let n = conn.read(&mut chunk).expect("read");
                    buf.extend_from_slice(&chunk[..n]);
                }
                break buf[end + 4..end + 4 + len].to_vec();
            }
        };
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("q.tsq"), body).expect("write");
        let o = run(Command::new("openssl")
            .current_dir(dir.path())
            .args([
                "ts",
                "-reply",
                "-queryfile",
                "q.tsq",
                "-out",
                "r.tsr",
                "-config",
            ])
            .arg(fx("pki/tsa/tsa.cnf")));
        assert!(
            o.status.success(),
            "openssl ts -reply: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let reply = std::fs::read(dir.path().join("r.tsr")).expect("reply");
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reply.len()
        );
        conn.write_all(head.as_bytes()).expect("write");
        conn.write_all(&reply).expect("write");
    });
    (url, handle)
}

#[test]
fn timestamped_signature_is_pades_b_t() {
    let (url, server) = openssl_tsa();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bt.pdf");
    let o = run(kyso()
        .arg("sign")
        .arg(fx("pdf/reportlab-vi.pdf"))
        .arg("--out")
        .arg(&out)
        .arg("--key")
        .arg(fx("pki/p256/signer.key"))
        .arg("--cert")
        .arg(fx("pki/p256/signer.pem"))
        .arg("--chain")
        .arg(fx("pki/p256/chain.pem"))
        .args(["--invisible", "--tsa", &url]));
    server.join().expect("the TSA thread answered");
    assert!(
        o.status.success(),
        "kyso sign --tsa: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("B-T"),
        "reported as B-T"
    );
    let pretty = pyhanko_validate(&out, &["--pretty-print"]).join("\n");
    assert!(
        pretty.to_lowercase().contains("timestamp"),
        "pyHanko reports the signature timestamp: {pretty}"
    );
    assert_pyhanko_trusts(&out, 1, &[]);
    assert_pdfsig_trusts(&out, 1);
}

#[test]
fn a_tsa_that_is_down_fails_cleanly() {
    // A port nobody listens on: bind, learn the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x.pdf");
    let o = run(kyso()
        .arg("sign")
        .arg(fx("pdf/reportlab-vi.pdf"))
        .arg("--out")
        .arg(&out)
        .arg("--key")
        .arg(fx("pki/p256/signer.key"))
        .arg("--cert")
        .arg(fx("pki/p256/signer.pem"))
        .args(["--invisible", "--tsa", &format!("http://127.0.0.1:{port}/")]));
    assert!(!o.status.success(), "no token, no signature");
    assert_one_clear_line(&o.stderr);
    assert!(
        files_in(dir.path()).is_empty(),
        "nothing left behind: {:?}",
        files_in(dir.path())
    );
}

fn assert_one_clear_line(stderr: &[u8]) {
    let err = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {err}");
    assert!(
        lines[0].starts_with("kyso: lỗi: ") && lines[0].contains(" | error: "),
        "Vietnamese then English: {err}"
    );
}

#[test]
fn bad_inputs_give_one_line_and_no_file() {
    let cases: Vec<(&str, Vec<String>, u8)> = vec![
        (
            "encrypted",
            vec![fx("pdf/qpdf-encrypted.pdf").display().to_string()],
            1,
        ),
        (
            "truncated",
            vec![fx("pdf/bad/truncated.pdf").display().to_string()],
            1,
        ),
        (
            "not a PDF",
            vec![fx("pdf/bad/not-a-pdf.pdf").display().to_string()],
            1,
        ),
        (
            "empty",
            vec![fx("pdf/bad/empty.pdf").display().to_string()],
            1,
        ),
        (
            "garbage",
            vec![fx("pdf/bad/garbage.pdf").display().to_string()],
            1,
        ),
        ("missing input", vec!["/nonexistent/in.pdf".into()], 2),
        (
            "page out of range",
            vec![
                fx("pdf/reportlab-vi.pdf").display().to_string(),
                "--page".into(),
                "99".into(),
            ],
            1,
        ),
    ];
    for (what, args, code) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out.pdf");
        let o = run(kyso()
            .arg("sign")
            .args(&args)
            .arg("--out")
            .arg(&out)
            .arg("--key")
            .arg(fx("pki/p256/signer.key"))
            .arg("--cert")
            .arg(fx("pki/p256/signer.pem")));
        assert_eq!(
            o.status.code(),
            Some(i32::from(code)),
            "{what}: exit code; stderr {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_one_clear_line(&o.stderr);
        assert!(
            files_in(dir.path()).is_empty(),
            "{what}: no output and no temp file: {:?}",
            files_in(dir.path())
        );
    }
    // A key that does not belong to the certificate.
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(kyso()
        .arg("sign")
        .arg(fx("pdf/reportlab-vi.pdf"))
        .arg("--out")
        .arg(dir.path().join("out.pdf"))
        .arg("--key")
        .arg(fx("pki/other/mismatch.key"))
        .arg("--cert")
        .arg(fx("pki/p256/signer.pem")));
    assert_eq!(o.status.code(), Some(1), "key mismatch");
    assert_one_clear_line(&o.stderr);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not match"),
        "says what is wrong"
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "no file after a key mismatch"
    );
}

#[test]
fn appearance_renders_in_pdfium() {
    use pdfium_render::prelude::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("visible.pdf");
    let agency = "Ủy ban nhân dân xã Thử Nghiệm";
    sign(
        &fx("pdf/reportlab-vi.pdf"),
        &out,
        "p256",
        &[
            "--page",
            "1",
            "--rect",
            "300,80,240,150",
            "--signature-image",
            fx("images/signature.png").to_str().expect("utf-8"),
            "--seal-image",
            fx("images/seal.png").to_str().expect("utf-8"),
            "--title",
            "CHỦ TỊCH",
            "--name",
            "Nguyễn Văn An",
            "--agency",
            agency,
        ],
    );
    let doc = pdfium()
        .load_pdf_from_file(&out, None)
        .expect("pdfium opens the signed file");
    let mut page = doc.pages().get(0).expect("page 1");
    let scale = 2.0f32;
    let (w, h) = (page.width().value, page.height().value);
    let img = page
        .render_with_config(
            &PdfRenderConfig::new()
                .scale_page_by_factor(scale)
                .render_form_data(true)
                .render_annotations(true),
        )
        .expect("renders")
        .as_image()
        .expect("image")
        .to_rgba8();
    assert_eq!(
        img.width(),
        (w * scale).round() as u32,
        "rendered at the requested scale"
    );
    // The widget rectangle 300,80 240x150 in PDF points, y up; pixels have y down.
    let (x0, x1) = ((300.0 * scale) as u32, ((300.0 + 240.0) * scale) as u32);
    let (y0, y1) = (((h - 230.0) * scale) as u32, ((h - 80.0) * scale) as u32);
    let is_blue = |p: &image::Rgba<u8>| p[2] > 110 && p[0] < 90 && p[1] < 120;
    let is_red = |p: &image::Rgba<u8>| p[0] > 150 && p[1] < 90 && p[2] < 90;
    let mut blue_x = Vec::new();
    let mut red_x = Vec::new();
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            if is_blue(p) {
                blue_x.push(x);
            }
            if is_red(p) {
                red_x.push(x);
            }
        }
    }
    assert!(
        blue_x.len() > 300,
        "the blue signature image is drawn in the widget ({} px)",
        blue_x.len()
    );
    assert!(
        red_x.len() > 300,
        "the red seal is drawn in the widget ({} px)",
        red_x.len()
    );
    let (bmin, bmax) = (
        *blue_x.iter().min().expect("blue"),
        *blue_x.iter().max().expect("blue"),
    );
    let third = bmin + (bmax - bmin) / 3;
    assert!(
        red_x.iter().any(|x| (bmin..=third).contains(x)),
        "the seal overlaps the left third of the signature image"
    );
    assert!(
        red_x.iter().all(|x| *x <= third + (bmax - bmin) / 10),
        "the seal stays on the left, not over the rest of the signature"
    );
    // Text of the appearance, extracted by pdfium once the widget is flattened.
    page.flatten().expect("flatten");
    let text = page.text().expect("text").all();
    for needle in [agency, "Nguyễn Văn An", "CHỦ TỊCH", "+07:00"] {
        assert!(
            text.contains(needle),
            "pdfium extracts '{needle}' from the appearance: {text}"
        );
    }
}

#[test]
fn pdfium_reads_a_signed_object_stream_document() {
    // A guard that our incremental updates never break rendering.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("objstm.pdf");
    sign(&fx("pdf/qpdf-objstm.pdf"), &out, "p256", &[]);
    let doc = pdfium().load_pdf_from_file(&out, None).expect("opens");
    assert_eq!(doc.pages().len(), 2, "both pages are there");
    let text = doc
        .pages()
        .get(0)
        .expect("page")
        .text()
        .expect("text")
        .all();
    assert!(
        text.contains("Ủy ban nhân dân"),
        "the original Vietnamese text is intact: {text}"
    );
}
