//! Hand-built PDFs for unit tests: every cross-reference form and the
//! `/AcroForm` and `/Annots` shapes signing must handle; and, with the
//! `test-support` feature (dev-dependencies only), the small documents of
//! other crates' tests ([`pages`]). Tests with files from real producers live in
//! the CLI's integration tests.

use crate::filter::deflate;

/// Cross-reference form of a generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Xref {
    /// Classic table.
    Table,
    /// Cross-reference stream, non-stream objects packed in an object stream.
    Stream,
    /// Hybrid: a table for in-file objects plus `/XRefStm` for packed ones.
    Hybrid,
}

/// Builds a PDF from `(number, body)` objects; bodies holding `stream` stay
/// in the file, others go to an object stream in `Stream`/`Hybrid` mode.
pub fn build(objects: &[(u32, String)], root: u32, xref: Xref) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let max = objects.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let mut offsets: Vec<(u32, u64)> = Vec::new();
    let (inline, packed): (Vec<_>, Vec<_>) = objects
        .iter()
        .partition(|(_, b)| xref == Xref::Table || b.contains("stream"));
    for (n, body) in &inline {
        offsets.push((*n, out.len() as u64));
        out.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let mut in_stream: Vec<(u32, u32, u32)> = Vec::new(); // (num, stream, index)
    if !packed.is_empty() {
        let stm = max + 1;
        let mut header = String::new();
        let mut data = String::new();
        for (i, (n, body)) in packed.iter().enumerate() {
            header.push_str(&format!("{n} {} ", data.len()));
            data.push_str(body);
            data.push('\n');
            in_stream.push((*n, stm, i as u32));
        }
        let raw = format!("{header}{data}");
        let z = deflate(raw.as_bytes());
        offsets.push((stm, out.len() as u64));
        out.extend_from_slice(
            format!(
                "{stm} 0 obj\n<< /Type /ObjStm /N {} /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
                packed.len(),
                header.len(),
                z.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&z);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    }
    let size = max + 3;
    match xref {
        Xref::Table => {
            let xref_at = out.len();
            offsets.sort();
            out.extend_from_slice(
                format!("xref\n0 {}\n0000000000 65535 f\r\n", max + 1).as_bytes(),
            );
            for n in 1..=max {
                match offsets.iter().find(|(m, _)| *m == n) {
                    Some((_, o)) => {
                        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes())
                    }
                    None => out.extend_from_slice(b"0000000000 00001 f\r\n"),
                }
            }
            out.extend_from_slice(
                format!(
                    "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
                    max + 1
                )
                .as_bytes(),
            );
        }
        Xref::Stream | Xref::Hybrid => {
            let xs = max + 2;
            let xs_at = out.len() as u64;
            let mut rows = Vec::new();
            for n in 0..size {
                let row: [u8; 7] = if let Some((_, o)) = offsets.iter().find(|(m, _)| *m == n) {
                    let o = (*o as u32).to_be_bytes();
                    [1, o[0], o[1], o[2], o[3], 0, 0]
                } else if let Some((_, s, i)) = in_stream.iter().find(|(m, _, _)| *m == n) {
                    let s = s.to_be_bytes();
                    [2, s[0], s[1], s[2], s[3], 0, *i as u8]
                } else if n == xs {
                    let o = (xs_at as u32).to_be_bytes();
                    [1, o[0], o[1], o[2], o[3], 0, 0]
                } else {
                    [0, 0, 0, 0, 0, 0xff, 0xff]
                };
                if xref == Xref::Hybrid && row[0] != 2 {
                    rows.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0]); // the table covers these
                } else {
                    rows.extend_from_slice(&row);
                }
            }
            let z = deflate(&rows);
            out.extend_from_slice(
                format!(
                    "{xs} 0 obj\n<< /Type /XRef /Size {size} /W [1 4 2] /Root {root} 0 R /Filter /FlateDecode /Length {} >>\nstream\n",
                    z.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&z);
            out.extend_from_slice(b"\nendstream\nendobj\n");
            if xref == Xref::Stream {
                out.extend_from_slice(format!("startxref\n{xs_at}\n%%EOF\n").as_bytes());
            } else {
                let table_at = out.len();
                out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
                for n in 1..size {
                    match offsets.iter().find(|(m, _)| *m == n) {
                        Some((_, o)) => {
                            out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes())
                        }
                        None if n == xs => {
                            out.extend_from_slice(format!("{xs_at:010} 00000 n\r\n").as_bytes())
                        }
                        None => out.extend_from_slice(b"0000000000 00001 f\r\n"),
                    }
                }
                out.extend_from_slice(
                    format!(
                        "trailer\n<< /Size {size} /Root {root} 0 R /XRefStm {xs_at} >>\nstartxref\n{table_at}\n%%EOF\n"
                    )
                    .as_bytes(),
                );
            }
        }
    }
    out
}

/// Where the first page keeps its annotations, and whether a form exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// No `/AcroForm`, no `/Annots`.
    Bare,
    /// `/AcroForm` and `/Annots` inline in catalog and page.
    Inline,
    /// `/AcroForm`, its `/Fields` and the page's `/Annots` as indirect objects.
    Indirect,
}

/// A two-page A4 document with a content stream on each page.
pub fn with_shape(xref: Xref, shape: Shape) -> Vec<u8> {
    let content = "BT /F1 12 Tf 72 720 Td (Kyso test) Tj ET";
    let mut objs: Vec<(u32, String)> = vec![
        (2, "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>".into()),
        (5, format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len())),
        (6, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into()),
        (4, "<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /Font << /F1 6 0 R >> >> >>".into()),
    ];
    match shape {
        Shape::Bare => {
            objs.push((1, "<< /Type /Catalog /Pages 2 0 R >>".into()));
            objs.push((3, "<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /Font << /F1 6 0 R >> >> >>".into()));
        }
        Shape::Inline => {
            objs.push((1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) >> >>".into()));
            objs.push((3, "<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Annots [7 0 R] /Resources << /Font << /F1 6 0 R >> >> >>".into()));
            objs.push((7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Name) /Rect [72 600 272 620] /P 3 0 R >>".into()));
        }
        Shape::Indirect => {
            objs.push((
                1,
                "<< /Type /Catalog /Pages 2 0 R /AcroForm 8 0 R >>".into(),
            ));
            objs.push((3, "<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Annots 10 0 R /Resources << /Font << /F1 6 0 R >> >> >>".into()));
            objs.push((7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Signature1) /Rect [72 600 272 620] /P 3 0 R >>".into()));
            objs.push((8, "<< /Fields 9 0 R /DA (/Helv 0 Tf 0 g) >>".into()));
            objs.push((9, "[7 0 R]".into()));
            objs.push((10, "[7 0 R]".into()));
        }
    }
    objs.sort_by_key(|(n, _)| *n);
    build(&objs, 1, xref)
}

/// The bare two-page document.
pub fn simple(xref: Xref) -> Vec<u8> {
    with_shape(xref, Shape::Bare)
}

/// An A4 document with one page for each content stream of `contents`
/// (Helvetica as `/F1`; a classic cross-reference table).
pub fn pages(contents: &[String]) -> Vec<u8> {
    let mut objs: Vec<(u32, String)> = vec![
        (1, "<< /Type /Catalog /Pages 2 0 R >>".into()),
        (
            3,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
        ),
    ];
    let mut kids = Vec::new();
    for (i, content) in (0u32..).zip(contents) {
        let stream = 4 + 2 * i;
        objs.push((
            stream,
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            ),
        ));
        objs.push((
            stream + 1,
            format!(
                "<< /Type /Page /Parent 2 0 R /Contents {stream} 0 R /Resources << /Font << /F1 3 0 R >> >> >>"
            ),
        ));
        kids.push(format!("{} 0 R", stream + 1));
    }
    objs.push((
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} /MediaBox [0 0 595 842] >>",
            kids.join(" "),
            contents.len()
        ),
    ));
    objs.sort_by_key(|(n, _)| *n);
    build(&objs, 1, Xref::Table)
}

/// A content stream for [`pages`]: one line of `text` near the top, 18 pt.
pub fn text_line(text: &str) -> String {
    format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET")
}
