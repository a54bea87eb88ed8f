//! Official letters generated from text, laid out as Nghị định 30/2020,
//! Phụ lục I sets them: issuing agency and national motto on top, number and
//! place/date, document type and summary, the body, the signer block on the
//! right and the recipients on the left. Used by `kyso serve --demo` and by
//! tests that need realistic Vietnamese documents; text is embedded with the
//! same Liberation Serif subset as signature appearances.

use crate::appearance::font::{self, FontSubsetter};
use crate::error::{Error, Result};
use crate::filter::deflate;
use crate::object::{Dict, Object, Stream, StreamData};
use crate::write::{NewPdf, ObjectSink};

/// What a letter says.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Cơ quan chủ quản, e.g. "ỦY BAN NHÂN DÂN".
    pub parent_agency: String,
    /// Cơ quan ban hành, e.g. "TỈNH HÀ GIANG".
    pub agency: String,
    /// Số, ký hiệu, e.g. "123/QĐ-UBND".
    pub number_symbol: String,
    /// Địa danh, ngày tháng, e.g. "Hà Giang, ngày 5 tháng 3 năm 2026".
    pub place_date: String,
    /// Tên loại, e.g. "QUYẾT ĐỊNH"; empty for a công văn.
    pub doc_type: String,
    /// Trích yếu.
    pub summary: String,
    /// Paragraphs of the body.
    pub body: Vec<String>,
    /// Quyền hạn, chức vụ, e.g. "CHỦ TỊCH".
    pub signer_title: String,
    /// Họ tên người ký.
    pub signer_name: String,
    /// Nơi nhận.
    pub recipients: Vec<String>,
}

/// Page size (A4) and margins (NĐ 30: left 30–35 mm, right 15–20 mm).
const W: f64 = 595.0;
const H: f64 = 842.0;
const LEFT: f64 = 85.0;
const RIGHT: f64 = W - 57.0;

/// A generated letter and where its signature belongs.
#[derive(Debug, Clone)]
pub struct GeneratedLetter {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// The blank space between the signer's title and name, `[x, y, w, h]`
    /// on page 1 (for a visible signature).
    pub signature_rect: [f64; 4],
}

struct Writer<'a> {
    regular: FontSubsetter<'a>,
    bold: FontSubsetter<'a>,
    ops: String,
}

impl Writer<'_> {
    fn width(&self, text: &str, size: f64, bold: bool) -> Result<f64> {
        let f = if bold { &self.bold } else { &self.regular };
        f.text_width(text, size as f32)
            .map(f64::from)
            .map_err(|e| Error::Appearance(e.to_string()))
    }

    fn text(&mut self, text: &str, x: f64, y: f64, size: f64, bold: bool) -> Result<()> {
        let f = if bold {
            &mut self.bold
        } else {
            &mut self.regular
        };
        let codes = f
            .encode(text)
            .map_err(|e| Error::Appearance(e.to_string()))?;
        let hex: String = codes.iter().map(|b| format!("{b:02X}")).collect();
        self.ops.push_str(&format!(
            "BT /{} {size} Tf {x:.2} {y:.2} Td <{hex}> Tj ET\n",
            if bold { "F2" } else { "F1" }
        ));
        Ok(())
    }

    fn centered(
        &mut self,
        text: &str,
        left: f64,
        right: f64,
        y: f64,
        size: f64,
        bold: bool,
    ) -> Result<()> {
        let w = self.width(text, size, bold)?;
        self.text(text, left + (right - left - w) / 2.0, y, size, bold)
    }

    /// Wraps `text` to `width`; returns the lines.
    /// Body paragraphs from `y` down (13 pt, first lines indented), with
    /// `gap` after each; the `y` below them.
    fn paragraphs(&mut self, paras: &[String], mut y: f64, gap: f64) -> Result<f64> {
        for para in paras {
            for (i, line) in self
                .wrap(para, RIGHT - LEFT, 13.0, false, 28.0)?
                .iter()
                .enumerate()
            {
                let x = if i == 0 { LEFT + 28.0 } else { LEFT };
                self.text(line, x, y, 13.0, false)?;
                y -= 18.0;
            }
            y -= gap;
        }
        Ok(y)
    }

    fn wrap(
        &self,
        text: &str,
        width: f64,
        size: f64,
        bold: bool,
        indent: f64,
    ) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        let mut cur = String::new();
        for word in text.split_whitespace() {
            let cand = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            let avail = if lines.is_empty() {
                width - indent
            } else {
                width
            };
            if self.width(&cand, size, bold)? > avail && !cur.is_empty() {
                lines.push(std::mem::replace(&mut cur, word.to_string()));
            } else {
                cur = cand;
            }
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        Ok(lines)
    }
}

/// Lays out and writes a one-page letter.
pub fn letter_pdf(l: &Letter) -> Result<GeneratedLetter> {
    letter_with_annex(l, &[])
}

/// A page of an annex (phụ lục): a heading and paragraphs.
#[derive(Debug, Clone)]
pub struct AnnexPage {
    /// The heading, centred and bold.
    pub heading: String,
    /// The paragraphs, justified left with a first-line indent.
    pub paragraphs: Vec<String>,
}

/// [`letter_pdf`] followed by one page per [`AnnexPage`] (numbered at the
/// foot from 2): meeting documents and reports of several pages. Each must
/// fit on its page.
pub fn letter_with_annex(l: &Letter, annex: &[AnnexPage]) -> Result<GeneratedLetter> {
    let mut w = Writer {
        regular: FontSubsetter::new(font::LIBERATION_SERIF_REGULAR)
            .map_err(|e| Error::Appearance(e.to_string()))?,
        bold: FontSubsetter::new(font::LIBERATION_SERIF_BOLD)
            .map_err(|e| Error::Appearance(e.to_string()))?,
        ops: String::from("0 0 0 rg\n"),
    };
    let mid = 300.0;
    // Header: agency on the left, national motto on the right.
    let mut y = H - 60.0;
    w.centered(&l.parent_agency, LEFT - 20.0, mid - 20.0, y, 12.0, false)?;
    w.centered(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        mid - 20.0,
        RIGHT + 10.0,
        y,
        12.0,
        true,
    )?;
    y -= 15.0;
    w.centered(&l.agency, LEFT - 20.0, mid - 20.0, y, 12.0, true)?;
    w.centered(
        "Độc lập - Tự do - Hạnh phúc",
        mid - 20.0,
        RIGHT + 10.0,
        y,
        13.0,
        true,
    )?;
    let motto = w.width("Độc lập - Tự do - Hạnh phúc", 13.0, true)?;
    let mcx = (mid - 20.0 + RIGHT + 10.0) / 2.0;
    w.ops.push_str(&format!(
        "0.6 w {:.2} {:.2} m {:.2} {:.2} l S\n",
        mcx - motto / 2.0,
        y - 4.0,
        mcx + motto / 2.0,
        y - 4.0
    ));
    y -= 28.0;
    w.centered(
        &format!("Số: {}", l.number_symbol),
        LEFT - 20.0,
        mid - 20.0,
        y,
        13.0,
        false,
    )?;
    w.centered(&l.place_date, mid - 20.0, RIGHT + 10.0, y, 13.0, false)?;
    y -= 40.0;
    if !l.doc_type.is_empty() {
        w.centered(&l.doc_type, LEFT, RIGHT, y, 14.0, true)?;
        y -= 18.0;
    }
    for line in w.wrap(&l.summary, RIGHT - LEFT - 80.0, 13.0, true, 0.0)? {
        w.centered(&line, LEFT, RIGHT, y, 13.0, true)?;
        y -= 17.0;
    }
    y -= 14.0;
    y = w.paragraphs(&l.body, y, 4.0)?;
    // Signer block (right) and recipients (left).
    y -= 16.0;
    let sig_top = y;
    w.centered(&l.signer_title, mid, RIGHT, y, 13.0, true)?;
    let blank_top = y - 10.0;
    y -= 95.0;
    w.centered(&l.signer_name, mid, RIGHT, y, 13.0, true)?;
    let mut ry = sig_top;
    w.text("Nơi nhận:", LEFT, ry, 12.0, true)?;
    for r in &l.recipients {
        ry -= 14.0;
        w.text(&format!("- {r}"), LEFT, ry, 11.0, false)?;
    }
    if y < 40.0 || ry < 40.0 {
        return Err(Error::Appearance(
            "the letter does not fit on one page".into(),
        ));
    }
    let mut contents = vec![std::mem::take(&mut w.ops)];
    for (n, a) in annex.iter().enumerate() {
        w.ops.push_str("0 0 0 rg\n");
        let mut y = H - 70.0;
        for line in w.wrap(&a.heading, RIGHT - LEFT - 40.0, 14.0, true, 0.0)? {
            w.centered(&line, LEFT, RIGHT, y, 14.0, true)?;
            y -= 19.0;
        }
        y -= 12.0;
        y = w.paragraphs(&a.paragraphs, y, 6.0)?;
        if y < 60.0 {
            return Err(Error::Appearance(format!(
                "annex page {} does not fit on one page",
                n + 1
            )));
        }
        w.centered(&format!("{}", n + 2), LEFT, RIGHT, 30.0, 11.0, false)?;
        contents.push(std::mem::take(&mut w.ops));
    }

    let mut pdf = NewPdf::new();
    let f1 = crate::appearance::font_objects(
        &mut pdf,
        &w.regular
            .finish()
            .map_err(|e| Error::Appearance(e.to_string()))?,
    );
    let f2 = crate::appearance::font_objects(
        &mut pdf,
        &w.bold
            .finish()
            .map_err(|e| Error::Appearance(e.to_string()))?,
    );
    let pages = pdf.reserve();
    let mut kids = Vec::with_capacity(contents.len());
    for ops in &contents {
        let content = pdf.add_object(Object::Stream(Stream {
            dict: Dict::from_pairs([("Filter", Object::name("FlateDecode"))]),
            data: StreamData::Bytes(deflate(ops.as_bytes())),
        }));
        let page = pdf.add_object(Object::Dict(Dict::from_pairs([
            ("Type", Object::name("Page")),
            ("Parent", pages.into()),
            ("MediaBox", crate::appearance::rect_obj([0.0, 0.0, W, H])),
            ("Contents", content.into()),
            (
                "Resources",
                Object::Dict(Dict::from_pairs([(
                    "Font",
                    Object::Dict(Dict::from_pairs([("F1", f1.into()), ("F2", f2.into())])),
                )])),
            ),
        ])));
        kids.push(page.into());
    }
    let count = kids.len() as i64;
    pdf.set(
        pages,
        Object::Dict(Dict::from_pairs([
            ("Type", Object::name("Pages")),
            ("Kids", Object::Array(kids)),
            ("Count", Object::Int(count)),
        ])),
    );
    let catalog = pdf.add_object(Object::Dict(Dict::from_pairs([
        ("Type", Object::name("Catalog")),
        ("Pages", pages.into()),
    ])));
    let blank_bottom = y + 16.0;
    Ok(GeneratedLetter {
        pdf: pdf.finish(catalog),
        signature_rect: [
            mid + 10.0,
            blank_bottom,
            RIGHT - mid - 20.0,
            blank_top - blank_bottom,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    fn letter() -> Letter {
        Letter {
            parent_agency: "ỦY BAN NHÂN DÂN".into(),
            agency: "TỈNH HÀ GIANG".into(),
            number_symbol: "123/QĐ-UBND".into(),
            place_date: "Hà Giang, ngày 5 tháng 3 năm 2026".into(),
            doc_type: "QUYẾT ĐỊNH".into(),
            summary: "Về việc phê duyệt kế hoạch chuyển đổi số năm 2026".into(),
            body: vec![
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; ".repeat(3),
            ],
            signer_title: "CHỦ TỊCH".into(),
            signer_name: "Nguyễn Văn An".into(),
            recipients: vec!["Như trên;".into(), "Lưu: VT.".into()],
        }
    }

    #[test]
    fn a_letter_is_a_strictly_readable_pdf_with_a_signature_space() {
        let g = letter_pdf(&letter()).expect("lays out");
        let doc =
            Document::open(g.pdf.clone()).expect("the generated file reads under strict rules");
        assert_eq!(doc.pages().expect("pages").len(), 1, "one page");
        let [x, y, w, h] = g.signature_rect;
        assert!(
            x > 250.0 && w > 100.0 && h > 50.0 && y > 40.0 && y + h < H,
            "a usable blank on the right: {:?}",
            g.signature_rect
        );
    }

    #[test]
    fn an_annex_adds_its_pages_after_the_letter() {
        let annex = [
            AnnexPage {
                heading: "PHỤ LỤC I".into(),
                paragraphs: vec!["Mục tiêu chuyển đổi số năm 2026.".into()],
            },
            AnnexPage {
                heading: "PHỤ LỤC II".into(),
                paragraphs: vec!["Nguồn vốn thực hiện.".into(); 3],
            },
        ];
        let g = letter_with_annex(&letter(), &annex).expect("lays out");
        let doc = Document::open(g.pdf).expect("strictly readable");
        assert_eq!(
            doc.pages().expect("pages").len(),
            3,
            "the letter and two annex pages"
        );
        let long = [AnnexPage {
            heading: "PHỤ LỤC".into(),
            paragraphs: vec!["Một đoạn văn rất dài. ".repeat(400)],
        }];
        assert!(
            letter_with_annex(&letter(), &long).is_err(),
            "an annex page that overflows is an error"
        );
    }

    #[test]
    fn too_long_letters_are_refused() {
        let mut l = letter();
        l.body = vec!["Một đoạn văn rất dài. ".repeat(400)];
        assert!(
            letter_pdf(&l).is_err(),
            "more than a page is an error, not a clipped letter"
        );
    }
}
