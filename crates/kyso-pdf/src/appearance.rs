//! Visible signature appearances as Nghị định 30/2020/NĐ-CP, Phụ lục I, asks:
//!
//! * **Leader** ([`Style::Leader`]): the title (chức vụ) on top, the blue
//!   handwritten-signature image (transparent PNG) in the middle, the full
//!   name below, then the agency and the signing time (ISO 8601, `+07:00`) in
//!   small type. With a seal image, the red seal is drawn at its real size
//!   (from the PNG's pHYs) over about the left third of the signature image.
//! * **Copy** ([`Style::Copy`], sao y / sao lục / trích sao, attachments): no
//!   image; the form of the copy (`title`, e.g. "SAO Y"), the agency, the
//!   copy's number (`number`, e.g. "Số: 05/SY-UBND") and the signing time,
//!   each on its line in Times-style (Liberation Serif) 10 pt, regular,
//!   upright, black, at the top right of page 1.
//! * **Invisible** ([`Style::Invisible`]): a zero-size widget.
//!
//! Text uses Liberation Serif (metric-compatible with Times New Roman),
//! embedded as a subset with a ToUnicode map, so Vietnamese renders and
//! extracts correctly in every viewer.
//!
//! Automatic placement, when no rectangle is given: the leader block sits at
//! the bottom right of the chosen page (last page by default), 20 mm from the
//! right edge and 20 mm above the bottom edge of the crop box; the copy block
//! sits at the top right of page 1, 15 mm from the right edge and 3 mm below
//! the top, inside the top margin, so that it does not cover the document's
//! header (a page rendered with it: `docs/screenshots/copy-sao-y.png`).
//! Document systems that know where their signature block is pass a
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
    /// The agency seal at issuance, a signature of its own placed over the
    /// left third of the leader's signature image: the seal PNG at its real
    /// size, or, without one, a round red seal drawn as vectors (double ring,
    /// the agency's name around the top, a star) [`DEFAULT_SEAL_MM`] across.
    Seal,
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
    /// The document's number and symbol as shown on a copy
    /// ([`Style::Copy`]), e.g. "Số: 05/SY-UBND"; the other styles ignore it.
    pub number: Option<String>,
}

/// Seal size assumed when the PNG does not say its resolution, and of the
/// drawn seal: 36 mm, a common round seal.
pub const DEFAULT_SEAL_MM: f64 = 36.0;
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
    /// A line drawn in red with the text matrix `m` (text along a circle).
    RedText {
        line: usize,
        m: [f64; 6],
    },
    /// Path operators, as written (the drawn seal's rings and star).
    Path(String),
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
        Style::Seal => seal_layout(&fonts, a, seal_img.as_ref())?,
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
            Op::Path(ops) => content.push_str(ops),
            Op::RedText { line, m } => {
                let l: &Line = &lines[*line];
                let font = if l.bold {
                    &mut fonts.bold
                } else {
                    &mut fonts.regular
                };
                let codes = font
                    .encode(&l.text)
                    .map_err(|e| Error::Appearance(e.to_string()))?;
                let hex: String = codes.iter().map(|b| format!("{b:02X}")).collect();
                let m: Vec<String> = m.iter().map(|v| num(*v)).collect();
                content.push_str(&format!(
                    "BT {SEAL_RED} rg /{} {} Tf {} Tm <{hex}> Tj ET\n",
                    if l.bold { "F2" } else { "F1" },
                    num(l.size),
                    m.join(" ")
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

/// The red of the drawn seal (DeviceRGB).
const SEAL_RED: &str = "0.86 0.08 0.1";

/// The seal alone: the PNG at its real size, or a drawn round seal with the
/// agency's name (else the signer's) around the top.
fn seal_layout(
    fonts: &Fonts<'_>,
    a: &Appearance,
    seal: Option<&DecodedImage>,
) -> Result<(Vec<Line>, Layout)> {
    if let Some(img) = seal {
        let (w, h) = img
            .size_mm()
            .map_or((DEFAULT_SEAL_MM, DEFAULT_SEAL_MM), |(w, h)| {
                (f64::from(w), f64::from(h))
            });
        let (w, h) = (w * MM, h * MM);
        let ops = vec![Op::Image {
            which: Which::Seal,
            x: 0.0,
            y: 0.0,
            w,
            h,
        }];
        return Ok((
            Vec::new(),
            Layout {
                width: w,
                height: h,
                ops,
            },
        ));
    }
    let d = DEFAULT_SEAL_MM * MM;
    let c = d / 2.0;
    let outer = c - 1.5;
    let inner = outer * 0.64;
    let mut path = format!("q {SEAL_RED} RG {SEAL_RED} rg 2 w\n");
    path.push_str(&circle(c, c, outer));
    path.push_str("S 0.9 w\n");
    path.push_str(&circle(c, c, inner));
    path.push_str("S\n");
    // A five-pointed star in the middle.
    let (ro, ri) = (inner * 0.5, inner * 0.2);
    for i in 0..10 {
        let r = if i % 2 == 0 { ro } else { ri };
        let t = std::f64::consts::FRAC_PI_2 + f64::from(i) * std::f64::consts::PI / 5.0;
        path.push_str(&format!(
            "{} {} {}\n",
            num(c + r * t.cos()),
            num(c + r * t.sin()),
            if i == 0 { "m" } else { "l" }
        ));
    }
    path.push_str("f Q\n");
    let mut ops = vec![Op::Path(path)];
    // The name around the top, each glyph on the circle between the rings.
    let name = a
        .agency
        .clone()
        .unwrap_or_else(|| a.signer_name.clone())
        .to_uppercase();
    let mut size = 9.0_f64;
    let radius = |size: f64| (outer + inner) / 2.0 - size * 0.35;
    let chars: Vec<String> = name.chars().map(String::from).collect();
    let widths = |size: f64| -> Result<Vec<f64>> {
        chars
            .iter()
            .map(|t| {
                fonts.width(&Line {
                    text: t.clone(),
                    bold: true,
                    size,
                })
            })
            .collect()
    };
    let mut w = widths(size)?;
    // At most 300° of the circle: smaller type for long names.
    let max_arc = 300.0_f64.to_radians();
    let total = |w: &[f64], size: f64| w.iter().sum::<f64>() / radius(size);
    while total(&w, size) > max_arc && size > 4.0 {
        size -= 0.5;
        w = widths(size)?;
    }
    let rho = radius(size);
    let mut theta = std::f64::consts::FRAC_PI_2 + total(&w, size) / 2.0;
    let mut lines = Vec::new();
    for (t, cw) in chars.iter().zip(&w) {
        let mid = theta - cw / rho / 2.0;
        let (up_x, up_y) = (mid.cos(), mid.sin());
        let (tx, ty) = (mid.sin(), -mid.cos());
        let px = c + rho * up_x - cw / 2.0 * tx;
        let py = c + rho * up_y - cw / 2.0 * ty;
        if !t.trim().is_empty() {
            lines.push(Line {
                text: t.clone(),
                bold: true,
                size,
            });
            ops.push(Op::RedText {
                line: lines.len() - 1,
                m: [tx, ty, up_x, up_y, px, py],
            });
        }
        theta -= cw / rho;
    }
    Ok((
        lines,
        Layout {
            width: d,
            height: d,
            ops,
        },
    ))
}

/// A circle as four Bézier curves (path construction only).
fn circle(cx: f64, cy: f64, r: f64) -> String {
    let k = r * 0.552_284_75;
    format!(
        "{} {} m {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c\n",
        num(cx + r),
        num(cy),
        num(cx + r),
        num(cy + k),
        num(cx + k),
        num(cy + r),
        num(cx),
        num(cy + r),
        num(cx - k),
        num(cy + r),
        num(cx - r),
        num(cy + k),
        num(cx - r),
        num(cy),
        num(cx - r),
        num(cy - k),
        num(cx - k),
        num(cy - r),
        num(cx),
        num(cy - r),
        num(cx + k),
        num(cy - r),
        num(cx + r),
        num(cy - k),
        num(cx + r),
        num(cy)
    )
}

/// The copy block (Nghị định 30/2020, Phụ lục I, bản sao điện tử): the
/// form of the copy (`title`), the agency, the copy's number, the signing
/// time; 10 pt regular, black.
fn copy_layout(fonts: &Fonts<'_>, a: &Appearance, when: &str) -> Result<(Vec<Line>, Layout)> {
    let lines: Vec<Line> = [a.title.as_deref(), a.agency.as_deref(), a.number.as_deref()]
        .into_iter()
        .flatten()
        .filter(|t| !t.trim().is_empty())
        .chain(std::iter::once(when))
        .map(|t| Line {
            text: t.to_string(),
            bold: false,
            size: 10.0,
        })
        .collect();
    // Four lines of 10 pt in 11.5 pt steps: 48 pt (17 mm) with the padding,
    // so the block stays in the top margin (20 to 25 mm in Nghị định 30).
    let (pad, step) = (1.0, 11.5);
    let widest = lines
        .iter()
        .map(|l| fonts.width(l))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .fold(0.0, f64::max);
    let height = lines.len() as f64 * step + 2.0 * pad;
    let mut ops = Vec::new();
    let mut y = height - pad;
    for (i, _) in lines.iter().enumerate() {
        y -= step;
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
            let y1 = crop[3] - 3.0 * MM;
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

/// Where the agency seal goes on a signed document (Nghị định 30/2020,
/// Phụ lục I: the red seal at its real size covering about the left third of
/// the leader's signature image): `(1-based page, [x, y, width, height])`
/// for [`crate::sign::SignOptions`], or `None` when no signature has a
/// visible widget.
///
/// The last signed field with a visible widget is the leader's. Its
/// signature image is found in its appearance stream as Kyso draws it (the
/// layout's `cm` then `/Sig Do`); for an appearance made by another tool,
/// or on a rotated page, the whole widget stands in for the image. The seal
/// is `seal_png`'s real size, else [`DEFAULT_SEAL_MM`]; its right edge at a
/// third of the image's width, centred on the image's height.
pub fn seal_placement<S: crate::source::Source>(
    doc: &crate::document::Document<S>,
    seal_png: Option<&[u8]>,
) -> Result<Option<(usize, [f64; 4])>> {
    let (sw, sh) = match seal_png {
        Some(b) => {
            let img = load_png(b, "seal image")?;
            img.size_mm()
                .map_or((DEFAULT_SEAL_MM, DEFAULT_SEAL_MM), |(w, h)| {
                    (f64::from(w), f64::from(h))
                })
        }
        None => (DEFAULT_SEAL_MM, DEFAULT_SEAL_MM),
    };
    let (sw, sh) = (sw * MM, sh * MM);
    let pages = doc.pages()?;
    let fields = crate::verify::revision::signature_fields(doc)?;
    for field in fields.iter().rev().filter(|f| f.value.is_some()) {
        for w in &field.widgets {
            let Object::Dict(wd) = doc.get(*w)? else {
                continue;
            };
            let Some(Object::Array(r)) = wd.get("Rect").map(|o| doc.resolve(o)).transpose()? else {
                continue;
            };
            let v: Vec<f64> = r
                .iter()
                .filter_map(|o| doc.resolve(o).ok().and_then(|o| o.as_f64()))
                .collect();
            let [a, b, c, d] = v[..] else { continue };
            let rect = [a.min(c), b.min(d), a.max(c), b.max(d)];
            if rect[2] - rect[0] <= 0.0 || rect[3] - rect[1] <= 0.0 {
                continue;
            }
            let page_no = wd
                .get("P")
                .and_then(Object::as_ref)
                .and_then(|p| pages.iter().position(|pg| pg.obj == p))
                .or_else(|| {
                    pages.iter().position(|pg| {
                        matches!(pg.dict.get("Annots").map(|a| doc.resolve(a)),
                            Some(Ok(Object::Array(items))) if items.iter().any(|i| i.as_ref() == Some(*w)))
                    })
                })
                .map_or(pages.len(), |i| i + 1);
            let rotated = pages
                .get(page_no - 1)
                .is_some_and(|p| p.rotate.rem_euclid(360) != 0);
            let image = if rotated {
                None
            } else {
                signature_image_in(doc, &wd, rect)
            };
            let [x0, y0, x1, y1] = image.unwrap_or(rect);
            let right = x0 + (x1 - x0) / 3.0;
            let mid = (y0 + y1) / 2.0;
            return Ok(Some((page_no, [right - sw, mid - sh / 2.0, sw, sh])));
        }
    }
    Ok(None)
}

/// The signature image's box on the page, read from a widget appearance
/// drawn by [`build`]: `q s 0 0 s ox oy cm` around the layout, then
/// `q w 0 0 h x y cm /Sig Do Q`, in a form whose `/BBox` fills `rect`.
fn signature_image_in<S: crate::source::Source>(
    doc: &crate::document::Document<S>,
    widget: &Dict,
    rect: [f64; 4],
) -> Option<[f64; 4]> {
    let ap = doc.resolve(widget.get("AP")?).ok()?;
    let n = doc.resolve(ap.as_dict()?.get("N")?).ok()?;
    let Object::Stream(form) = n else { return None };
    if form.dict.get("Matrix").is_some() {
        return None;
    }
    let bytes = doc.decode_stream(&form).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let cm = |line: &str| -> Option<[f64; 6]> {
        let head = line.trim().strip_prefix("q ")?;
        let head = head.split(" cm").next()?;
        let v: Vec<f64> = head
            .split_whitespace()
            .map(str::parse)
            .collect::<std::result::Result<_, _>>()
            .ok()?;
        v.try_into().ok()
    };
    let mut lines = text.lines();
    let outer = cm(lines.next()?)?;
    let inner = cm(lines.find(|l| l.contains("/Sig Do"))?)?;
    let (s, ox, oy) = (outer[0], outer[4], outer[5]);
    let (w, h, x, y) = (inner[0], inner[3], inner[4], inner[5]);
    let bx = rect[0] + ox + s * x;
    let by = rect[1] + oy + s * y;
    Some([bx, by, bx + s * w, by + s * h])
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
