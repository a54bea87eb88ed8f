//! Visible signature appearances as Nghị định 30/2020/NĐ-CP, Phụ lục I, asks:
//!
//! * **Leader** ([`Style::Leader`]): the title (chức vụ) on top, the blue
//!   handwritten-signature image (transparent PNG) in the middle, the full
//!   name below, then the agency and the signing time (ISO 8601, `+07:00`) in
//!   small type. With a seal image, the red seal is drawn at its real size
//!   (from the PNG's pHYs) over about the left third of the signature image.
//! * **Copy** ([`Style::Copy`], sao y / sao lục / trích sao, attachments): no
//!   image; the agency and the signing time in Times-style 10 pt, upright,
//!   black, at the top right of page 1.
//! * **Invisible** ([`Style::Invisible`]): a zero-size widget.
//!
//! Text uses Liberation Serif (metric-compatible with Times New Roman),
//! embedded as a subset with a ToUnicode map, so Vietnamese renders and
//! extracts correctly in every viewer.
//!
//! Automatic placement, when no rectangle is given: the leader block sits at
//! the bottom right of the chosen page (last page by default), 20 mm from the
//! right edge and 20 mm above the bottom edge of the crop box; the copy block
//! sits at the top right of page 1, 15 mm from the right edge and 10 mm below
//! the top. Document systems that know where their signature block is pass a
//! rectangle instead.

pub mod font;
pub mod image;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::filter::deflate;
use crate::object::{Dict, ObjRef, Object, Stream, StreamData};
use crate::write::{ObjectSink, Update};
use font::{FontSubset, FontSubsetter};
use image::{ColorKind, DecodedImage, ImageLimits, decode_png};

/// Which Nghị định 30/2020 layout to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A leader's signature block (optionally with the agency seal).
    Leader,
    /// The agency's signature on a copy or attachment: text only, top right of page 1.
    Copy,
    /// No visible appearance.
    Invisible,
}

/// What the appearance shows.
#[derive(Debug, Clone)]
pub struct Appearance {
    /// The layout.
    pub style: Style,
    /// The handwritten-signature PNG (blue, transparent background).
    pub signature_image: Option<Vec<u8>>,
    /// The agency seal PNG (red, transparent background, real size in pHYs).
    pub seal_image: Option<Vec<u8>>,
    /// The signer's title (chức vụ), e.g. "CHỦ TỊCH".
    pub title: Option<String>,
    /// The signer's full name.
    pub signer_name: String,
    /// The agency (cơ quan, tổ chức) name.
    pub agency: Option<String>,
}

/// Seal size assumed when the PNG does not say its resolution: 36 mm, a
/// common round seal.
const DEFAULT_SEAL_MM: f64 = 36.0;
const MM: f64 = 72.0 / 25.4;

/// The time in Vietnam (UTC+7), the zone of every date Kyso writes.
pub fn vietnam_time(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::macros::offset!(+7))
}

/// Formats a signing time as ISO 8601 in Vietnam time, e.g. `2026-03-05T14:30:00+07:00`.
pub fn iso_time_vn(t: OffsetDateTime) -> String {
    let f =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+07:00");
    vietnam_time(t).format(&f).unwrap_or_default()
}

struct Line {
    text: String,
    bold: bool,
    size: f64,
}

/// Measured pieces of a layout, before it is placed.
struct Layout {
    width: f64,
    height: f64,
    ops: Vec<Op>,
}

enum Op {
    Text {
        line: usize,
        x: f64,
        y: f64,
    },
    Image {
        which: Which,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
}

#[derive(Clone, Copy)]
enum Which {
    Signature,
    Seal,
}

/// Builds the appearance objects in `update`; the caller places the widget.
pub(crate) struct Built {
    /// The `/AP /N` form XObject.
    pub form: ObjRef,
    /// Width and height of the form's box, in points.
    pub size: (f64, f64),
}

struct Fonts<'a> {
    regular: FontSubsetter<'a>,
    bold: FontSubsetter<'a>,
}

impl Fonts<'_> {
    fn width(&self, l: &Line) -> Result<f64> {
        let f = if l.bold { &self.bold } else { &self.regular };
        f.text_width(&l.text, l.size as f32)
            .map(f64::from)
            .map_err(|e| Error::Appearance(e.to_string()))
    }
}

fn load_png(bytes: &[u8], what: &str) -> Result<DecodedImage> {
    decode_png(bytes, ImageLimits::default()).map_err(|e| Error::Appearance(format!("{what}: {e}")))
}

/// Lays out and writes the appearance. `target` is the rectangle size the
/// caller wants (None: the natural size of the layout).
pub(crate) fn build(
    update: &mut Update,
    a: &Appearance,
    signing_time: OffsetDateTime,
    target: Option<(f64, f64)>,
    rotate: i64,
) -> Result<Built> {
    let mut fonts = Fonts {
        regular: FontSubsetter::new(font::LIBERATION_SERIF_REGULAR)
            .map_err(|e| Error::Appearance(e.to_string()))?,
        bold: FontSubsetter::new(font::LIBERATION_SERIF_BOLD)
            .map_err(|e| Error::Appearance(e.to_string()))?,
    };
    let when = iso_time_vn(signing_time);
    let sig_img = a
        .signature_image
        .as_deref()
        .map(|b| load_png(b, "signature image"))
        .transpose()?;
    let seal_img = a
        .seal_image
        .as_deref()
        .map(|b| load_png(b, "seal image"))
        .transpose()?;
    let (lines, layout) = match a.style {
        Style::Copy => copy_layout(&fonts, a, &when)?,
        _ => leader_layout(
            &fonts,
            a,
            &when,
            sig_img.as_ref(),
            seal_img.as_ref(),
            target,
        )?,
    };
    let (w, h) = target.unwrap_or((layout.width, layout.height));
    // Scale the natural layout down (never up) into a smaller target box.
    let scale = (w / layout.width).min(h / layout.height).min(1.0);
    let (ox, oy) = (
        (w - layout.width * scale) / 2.0,
        (h - layout.height * scale) / 2.0,
    );

    let mut content = String::new();
    let mut xobjects = Dict::new();
    content.push_str(&format!(
        "q {} 0 0 {} {} {} cm\n",
        num(scale),
        num(scale),
        num(ox),
        num(oy)
    ));
    for op in &layout.ops {
        match op {
            Op::Image { which, x, y, w, h } => {
                let (img, name) = match which {
                    Which::Signature => (sig_img.as_ref(), "Sig"),
                    Which::Seal => (seal_img.as_ref(), "Seal"),
                };
                let Some(img) = img else { continue };
                if xobjects.get(name).is_none() {
                    let r = image_xobject(update, img);
                    xobjects.set(name, r);
                }
                content.push_str(&format!(
                    "q {} 0 0 {} {} {} cm /{name} Do Q\n",
                    num(*w),
                    num(*h),
                    num(*x),
                    num(*y)
                ));
            }
            Op::Text { line, x, y } => {
                let l: &Line = &lines[*line];
                let (font, res) = if l.bold {
                    (&mut fonts.bold, "F2")
                } else {
                    (&mut fonts.regular, "F1")
                };
                let codes = font
                    .encode(&l.text)
                    .map_err(|e| Error::Appearance(e.to_string()))?;
                let hex: String = codes.iter().map(|b| format!("{b:02X}")).collect();
                content.push_str(&format!(
                    "BT 0 0 0 rg /{res} {} Tf {} {} Td <{hex}> Tj ET\n",
                    num(l.size),
                    num(*x),
                    num(*y)
                ));
            }
        }
    }
    content.push_str("Q\n");
    let mut font_dict = Dict::new();
    let uses = |bold: bool| lines.iter().any(|l| l.bold == bold);
    let (use_regular, use_bold) = (uses(false), uses(true));
    if use_regular {
        let sub = fonts
            .regular
            .finish()
            .map_err(|e| Error::Appearance(e.to_string()))?;
        font_dict.set("F1", font_objects(update, &sub));
    }
    if use_bold {
        let sub = fonts
            .bold
            .finish()
            .map_err(|e| Error::Appearance(e.to_string()))?;
        font_dict.set("F2", font_objects(update, &sub));
    }
    let mut resources = Dict::new();
    if !font_dict.is_empty() {
        resources.set("Font", font_dict);
    }
    if !xobjects.is_empty() {
        resources.set("XObject", xobjects);
    }
    let mut form = Dict::from_pairs([
        ("Type", Object::name("XObject")),
        ("Subtype", Object::name("Form")),
        ("BBox", rect_obj([0.0, 0.0, w, h])),
        ("Resources", Object::Dict(resources)),
        ("Filter", Object::name("FlateDecode")),
    ]);
    if let Some(m) = counter_rotation(rotate) {
        form.set(
            "Matrix",
            Object::Array(m.iter().map(|v| Object::Real(*v)).collect()),
        );
    }
    let form = update.add(Object::Stream(Stream {
        dict: form,
        data: StreamData::Bytes(deflate(content.as_bytes())),
    }));
    Ok(Built { form, size: (w, h) })
}

fn leader_layout(
    fonts: &Fonts<'_>,
    a: &Appearance,
    when: &str,
    sig: Option<&DecodedImage>,
    seal: Option<&DecodedImage>,
    target: Option<(f64, f64)>,
) -> Result<(Vec<Line>, Layout)> {
    let mut lines = Vec::new();
    if let Some(t) = &a.title {
        lines.push(Line {
            text: t.clone(),
            bold: true,
            size: 11.0,
        });
    }
    let title_count = lines.len();
    lines.push(Line {
        text: a.signer_name.clone(),
        bold: true,
        size: 11.0,
    });
    if let Some(ag) = &a.agency {
        lines.push(Line {
            text: ag.clone(),
            bold: false,
            size: 7.5,
        });
    }
    lines.push(Line {
        text: when.to_string(),
        bold: false,
        size: 7.5,
    });

    let gap = 3.0;
    let text_h: f64 = lines.iter().map(|l| l.size * 1.2).sum::<f64>() + gap * lines.len() as f64;
    let widest = lines
        .iter()
        .map(|l| fonts.width(l))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .fold(0.0, f64::max);
    // Signature image: 60 mm wide by default, keeping its aspect ratio, and
    // shrunk so the whole block fits a caller-given box.
    let (mut iw, mut ih) = match sig {
        Some(img) => {
            let iw = 60.0 * MM;
            (iw, iw * f64::from(img.height) / f64::from(img.width))
        }
        None => (0.0, 0.0),
    };
    if let Some((tw, th)) = target {
        let avail_h = (th - text_h - 2.0 * gap).max(10.0);
        if ih > avail_h {
            let k = avail_h / ih;
            iw *= k;
            ih *= k;
        }
        if iw > tw {
            let k = tw / iw;
            iw *= k;
            ih *= k;
        }
    }
    let seal_size = seal.map(|s| {
        let (w, h) = s
            .size_mm()
            .map_or((DEFAULT_SEAL_MM, DEFAULT_SEAL_MM), |(w, h)| {
                (f64::from(w), f64::from(h))
            });
        (w * MM, h * MM)
    });
    let column = widest.max(iw).max(40.0);
    // The seal covers the left third of the signature image, so it sticks out
    // to the left of the image by (seal width - iw/3).
    let img_left_in_column = (column - iw) / 2.0;
    let left_pad = seal_size.map_or(0.0, |(sw, _)| (sw - iw / 3.0 - img_left_in_column).max(0.0));
    let width = left_pad + column;
    let block_h = text_h + ih + 2.0 * gap;
    let height = seal_size.map_or(block_h, |(_, sh)| block_h.max(sh));
    let mut ops = Vec::new();
    let center = |l: &Line| -> Result<f64> { Ok(left_pad + (column - fonts.width(l)?) / 2.0) };
    // Top to bottom: title, image, name, agency/time.
    let mut y = height - (height - block_h) / 2.0;
    for (i, l) in lines.iter().enumerate() {
        if i == title_count {
            let img_y = y - gap - ih;
            if sig.is_some() {
                ops.push(Op::Image {
                    which: Which::Signature,
                    x: left_pad + img_left_in_column,
                    y: img_y,
                    w: iw,
                    h: ih,
                });
            }
            if let Some((sw, sh)) = seal_size {
                let seal_right = left_pad + img_left_in_column + iw / 3.0;
                let mid = if sig.is_some() {
                    img_y + ih / 2.0
                } else {
                    height / 2.0
                };
                ops.push(Op::Image {
                    which: Which::Seal,
                    x: seal_right - sw,
                    y: mid - sh / 2.0,
                    w: sw,
                    h: sh,
                });
            }
            y = img_y - gap;
        }
        y -= l.size * 1.2;
        ops.push(Op::Text {
            line: i,
            x: center(l)?,
            y: y + l.size * 0.25,
        });
        y -= gap;
    }
    Ok((lines, Layout { width, height, ops }))
}

fn copy_layout(fonts: &Fonts<'_>, a: &Appearance, when: &str) -> Result<(Vec<Line>, Layout)> {
    let mut lines = Vec::new();
    if let Some(ag) = &a.agency {
        lines.push(Line {
            text: ag.clone(),
            bold: false,
            size: 10.0,
        });
    }
    lines.push(Line {
        text: when.to_string(),
        bold: false,
        size: 10.0,
    });
    let pad = 2.0;
    let widest = lines
        .iter()
        .map(|l| fonts.width(l))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .fold(0.0, f64::max);
    let height = lines.len() as f64 * 12.0 + 2.0 * pad;
    let mut ops = Vec::new();
    let mut y = height - pad;
    for (i, _) in lines.iter().enumerate() {
        y -= 12.0;
        ops.push(Op::Text {
            line: i,
            x: pad,
            y: y + 2.5,
        });
    }
    Ok((
        lines,
        Layout {
            width: widest + 2.0 * pad,
            height,
            ops,
        },
    ))
}

/// The form matrix that keeps the appearance upright on a page displayed
/// rotated by `rotate` degrees clockwise (the viewer rotates annotations
/// with the page).
fn counter_rotation(rotate: i64) -> Option<[f64; 6]> {
    match rotate.rem_euclid(360) {
        90 => Some([0.0, 1.0, -1.0, 0.0, 0.0, 0.0]),
        180 => Some([-1.0, 0.0, 0.0, -1.0, 0.0, 0.0]),
        270 => Some([0.0, -1.0, 1.0, 0.0, 0.0, 0.0]),
        _ => None,
    }
}

/// Whether the page's rotation swaps width and height on screen.
pub(crate) fn swaps_axes(rotate: i64) -> bool {
    matches!(rotate.rem_euclid(360), 90 | 270)
}

/// The widget rectangle `[llx lly urx ury]` in default user space for
/// automatic placement: computed as the reader sees the page (after
/// `/Rotate`), then mapped back.
pub(crate) fn auto_rect(style: Style, crop: [f64; 4], size: (f64, f64), rotate: i64) -> [f64; 4] {
    let [x0, y0, x1, y1] = crop;
    let rot = rotate.rem_euclid(360);
    let shown = if swaps_axes(rot) {
        [0.0, 0.0, y1 - y0, x1 - x0]
    } else {
        [0.0, 0.0, x1 - x0, y1 - y0]
    };
    let [u0, v0, u1, v1] = upright_rect(style, shown, size);
    // displayed (u, v) -> user (x, y)
    let map = |u: f64, v: f64| match rot {
        90 => (x1 - v, y0 + u),
        180 => (x1 - u, y1 - v),
        270 => (x0 + v, y1 - u),
        _ => (x0 + u, y0 + v),
    };
    let (ax, ay) = map(u0, v0);
    let (bx, by) = map(u1, v1);
    [ax.min(bx), ay.min(by), ax.max(bx), ay.max(by)]
}

fn upright_rect(style: Style, crop: [f64; 4], size: (f64, f64)) -> [f64; 4] {
    let (w, h) = size;
    match style {
        Style::Copy => {
            let x1 = crop[2] - 15.0 * MM;
            let y1 = crop[3] - 10.0 * MM;
            [x1 - w, y1 - h, x1, y1]
        }
        _ => {
            let x1 = crop[2] - 20.0 * MM;
            let y0 = crop[1] + 20.0 * MM;
            [x1 - w, y0, x1, y0 + h]
        }
    }
}

pub(crate) fn image_xobject(update: &mut impl ObjectSink, img: &DecodedImage) -> ObjRef {
    let smask = img.alpha.as_ref().map(|alpha| {
        update.add_object(Object::Stream(Stream {
            dict: Dict::from_pairs([
                ("Type", Object::name("XObject")),
                ("Subtype", Object::name("Image")),
                ("Width", Object::Int(i64::from(img.width))),
                ("Height", Object::Int(i64::from(img.height))),
                ("ColorSpace", Object::name("DeviceGray")),
                ("BitsPerComponent", Object::Int(8)),
                ("Filter", Object::name("FlateDecode")),
            ]),
            data: StreamData::Bytes(deflate(alpha)),
        }))
    });
    let mut d = Dict::from_pairs([
        ("Type", Object::name("XObject")),
        ("Subtype", Object::name("Image")),
        ("Width", Object::Int(i64::from(img.width))),
        ("Height", Object::Int(i64::from(img.height))),
        (
            "ColorSpace",
            Object::name(match img.color {
                ColorKind::Gray => "DeviceGray",
                _ => "DeviceRGB",
            }),
        ),
        ("BitsPerComponent", Object::Int(8)),
        ("Filter", Object::name("FlateDecode")),
    ]);
    if let Some(m) = smask {
        d.set("SMask", m);
    }
    update.add_object(Object::Stream(Stream {
        dict: d,
        data: StreamData::Bytes(deflate(&img.pixels)),
    }))
}

pub(crate) fn font_objects(update: &mut impl ObjectSink, sub: &FontSubset) -> ObjRef {
    let m = &sub.metrics;
    let file = update.add_object(Object::Stream(Stream {
        dict: Dict::from_pairs([
            ("Length1", Object::Int(sub.font_file2.len() as i64)),
            ("Filter", Object::name("FlateDecode")),
        ]),
        data: StreamData::Bytes(deflate(&sub.font_file2)),
    }));
    let descriptor = update.add_object(Object::Dict(Dict::from_pairs([
        ("Type", Object::name("FontDescriptor")),
        ("FontName", Object::name(&sub.base_font)),
        ("Flags", Object::Int(i64::from(m.flags))),
        (
            "FontBBox",
            Object::Array(m.bbox.iter().map(|v| Object::Int(i64::from(*v))).collect()),
        ),
        ("ItalicAngle", Object::Real(f64::from(m.italic_angle))),
        ("Ascent", Object::Real(f64::from(m.ascent))),
        ("Descent", Object::Real(f64::from(m.descent))),
        ("CapHeight", Object::Real(f64::from(m.cap_height))),
        ("StemV", Object::Real(f64::from(m.stem_v))),
        ("FontFile2", Object::Ref(file)),
    ])));
    let mut widths = Vec::new();
    for (cid, w) in &sub.widths {
        widths.push(Object::Int(i64::from(*cid)));
        widths.push(Object::Array(vec![Object::Int(i64::from(*w))]));
    }
    let cid_font = update.add_object(Object::Dict(Dict::from_pairs([
        ("Type", Object::name("Font")),
        ("Subtype", Object::name("CIDFontType2")),
        ("BaseFont", Object::name(&sub.base_font)),
        (
            "CIDSystemInfo",
            Object::Dict(Dict::from_pairs([
                ("Registry", crate::object::PdfString::text("Adobe").into()),
                (
                    "Ordering",
                    crate::object::PdfString::text("Identity").into(),
                ),
                ("Supplement", Object::Int(0)),
            ])),
        ),
        ("FontDescriptor", Object::Ref(descriptor)),
        ("DW", Object::Int(1000)),
        ("W", Object::Array(widths)),
        ("CIDToGIDMap", Object::name("Identity")),
    ])));
    let to_unicode = update.add_object(Object::Stream(Stream {
        dict: Dict::from_pairs([("Filter", Object::name("FlateDecode"))]),
        data: StreamData::Bytes(deflate(&sub.to_unicode)),
    }));
    update.add_object(Object::Dict(Dict::from_pairs([
        ("Type", Object::name("Font")),
        ("Subtype", Object::name("Type0")),
        ("BaseFont", Object::name(&sub.base_font)),
        ("Encoding", Object::name("Identity-H")),
        (
            "DescendantFonts",
            Object::Array(vec![Object::Ref(cid_font)]),
        ),
        ("ToUnicode", Object::Ref(to_unicode)),
    ])))
}

/// A rectangle as a PDF array.
pub(crate) fn rect_obj(r: [f64; 4]) -> Object {
    Object::Array(r.iter().map(|v| Object::Real(*v)).collect())
}

fn num(v: f64) -> String {
    let mut out = Vec::new();
    crate::object::write::real(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_time_is_in_vietnam_time() {
        let t = time::macros::datetime!(2026-03-05 07:30:00 UTC);
        assert_eq!(
            iso_time_vn(t),
            "2026-03-05T14:30:00+07:00",
            "UTC 07:30 is 14:30 in Hà Nội"
        );
    }

    #[test]
    fn auto_placement_stays_on_the_page() {
        let a4 = [0.0, 0.0, 595.0, 842.0];
        let r = auto_rect(Style::Leader, a4, (200.0, 120.0), 0);
        assert!(
            r[0] >= 0.0 && r[2] <= 595.0 && r[1] >= 0.0 && r[3] <= 842.0,
            "inside the page: {r:?}"
        );
        let c = auto_rect(Style::Copy, a4, (150.0, 30.0), 0);
        assert!(
            c[3] > 800.0 && c[2] > 500.0,
            "copy style sits top right: {c:?}"
        );
    }

    #[test]
    fn rotated_pages_place_in_displayed_coordinates() {
        let a4 = [0.0, 0.0, 595.0, 842.0];
        // /Rotate 90 shows the page as landscape (842 wide); its shown top
        // right corner is the user-space top left (small x, large y).
        let c = auto_rect(Style::Copy, a4, (150.0, 30.0), 90);
        assert!(
            (c[2] - c[0] - 30.0).abs() < 1e-6 && (c[3] - c[1] - 150.0).abs() < 1e-6,
            "width and height swap in user space: {c:?}"
        );
        assert!(
            c[0] < 100.0 && c[3] > 780.0,
            "shown top right of a page rotated 90 degrees: {c:?}"
        );
        let r = auto_rect(Style::Leader, a4, (200.0, 120.0), 270);
        assert!(
            r[0] >= 0.0 && r[2] <= 595.0 && r[1] >= 0.0 && r[3] <= 842.0,
            "inside the page: {r:?}"
        );
        assert_eq!(
            counter_rotation(90),
            Some([0.0, 1.0, -1.0, 0.0, 0.0, 0.0]),
            "content turned back 90 degrees counter-clockwise"
        );
        assert_eq!(counter_rotation(0), None, "upright pages need no matrix");
    }
}
