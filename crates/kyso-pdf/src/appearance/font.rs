//! TrueType font subsetting for signature appearances (Vietnamese-capable).
//!
//! Signature appearances must show Vietnamese text (names, "Ký bởi", dates) with an embedded
//! font. This module embeds **Liberation Serif** (metric-compatible with Times New Roman, the
//! typeface Nghị định 30/2020/NĐ-CP asks for in administrative documents, and covering every
//! Vietnamese letter) as a subset, in the form PDF calls a *Type 0 font with a CIDFontType2
//! descendant*:
//!
//! 1. [`FontSubsetter::new`] parses a TrueType font (e.g. [`LIBERATION_SERIF_REGULAR`]).
//! 2. [`FontSubsetter::encode`] turns each text run into the bytes of a `Tj` string (two bytes,
//!    big-endian, per glyph) and records the glyphs used; [`FontSubsetter::text_width`] and
//!    [`FontSubsetter::metrics`] serve the layout.
//! 3. [`FontSubsetter::finish`] builds the subset font program and everything the PDF font
//!    objects need ([`FontSubset`]).
//!
//! The codes in the content stream are the glyph ids of the *subset* font, so the PDF objects
//! are (with `N` the subset's objects):
//!
//! ```text
//! << /Type /Font /Subtype /Type0 /BaseFont /{base_font} /Encoding /Identity-H
//!    /DescendantFonts [ CIDFont ] /ToUnicode {to_unicode stream} >>
//! CIDFont: << /Type /Font /Subtype /CIDFontType2 /BaseFont /{base_font}
//!    /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>
//!    /FontDescriptor {descriptor} /DW 1000 /W {FontSubset::w_array()} /CIDToGIDMap /Identity >>
//! descriptor: << /Type /FontDescriptor /FontName /{base_font} /Flags {flags}
//!    /FontBBox [bbox] /ItalicAngle {italic_angle} /Ascent {ascent} /Descent {descent}
//!    /CapHeight {cap_height} /StemV {stem_v} /FontFile2 {font_file2 stream, /Length1 = its length} >>
//! ```
//!
//! Text is shaped one character to one glyph (no kerning, ligatures or mark positioning): all
//! Vietnamese letters exist precomposed, and text is NFC-normalised first so decomposed input
//! uses them too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use ttf_parser::{Face, GlyphId, Tag};
use unicode_normalization::UnicodeNormalization;

/// Liberation Serif Regular 2.1.5 (SIL Open Font License 1.1, see `fonts/LICENSE-LiberationSerif.txt`).
pub const LIBERATION_SERIF_REGULAR: &[u8] =
    include_bytes!("../../fonts/LiberationSerif-Regular.ttf");

/// Liberation Serif Bold 2.1.5 (SIL Open Font License 1.1, see `fonts/LICENSE-LiberationSerif.txt`).
pub const LIBERATION_SERIF_BOLD: &[u8] = include_bytes!("../../fonts/LiberationSerif-Bold.ttf");

/// PDF FontDescriptor flag: all glyphs have the same width.
pub const FLAG_FIXED_PITCH: u32 = 1;
/// PDF FontDescriptor flag: glyphs have serifs.
pub const FLAG_SERIF: u32 = 1 << 1;
/// PDF FontDescriptor flag: the font contains glyphs outside the standard Latin character set.
pub const FLAG_SYMBOLIC: u32 = 1 << 2;
/// PDF FontDescriptor flag: glyphs resemble cursive handwriting.
pub const FLAG_SCRIPT: u32 = 1 << 3;
/// PDF FontDescriptor flag: the font uses the standard Latin character set.
pub const FLAG_NONSYMBOLIC: u32 = 1 << 5;
/// PDF FontDescriptor flag: glyphs are italic or oblique.
pub const FLAG_ITALIC: u32 = 1 << 6;

/// Errors produced while parsing, encoding with or subsetting a font.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FontError {
    /// The data is not a font ttf-parser can read.
    #[error("cannot parse the font: {0}")]
    Parse(String),
    /// The font has no `glyf` table, so it cannot be embedded as a TrueType `/FontFile2`.
    #[error("the font has no TrueType outlines (glyf table); only TrueType fonts can be embedded")]
    NotTrueType,
    /// The font licence flags (OS/2 `fsType`) forbid embedding or subsetting.
    #[error("the font licence (OS/2 fsType) does not allow {0}")]
    EmbeddingNotAllowed(&'static str),
    /// A character of the text has no glyph in the font.
    #[error("the font has no glyph for U+{:04X} ({:?})", u32::from(*.0), .0)]
    MissingGlyph(char),
    /// The subsetter failed to build the subset font.
    #[error("cannot build the font subset: {0}")]
    Subset(String),
}

/// Font-wide metrics for layout and for the PDF `/FontDescriptor`.
///
/// Lengths are in 1000-per-em units (glyph space of PDF fonts): multiply by `size / 1000.0` to
/// get points at a font size of `size`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FontMetrics {
    /// Typographic ascent above the baseline (`/Ascent`), positive.
    pub ascent: f32,
    /// Typographic descent below the baseline (`/Descent`), negative.
    pub descent: f32,
    /// Recommended extra gap between lines; line height is `ascent - descent + line_gap`.
    pub line_gap: f32,
    /// Height of flat capital letters (`/CapHeight`).
    pub cap_height: f32,
    /// Height of flat lowercase letters (`/XHeight`).
    pub x_height: f32,
    /// Font bounding box `[x_min, y_min, x_max, y_max]` (`/FontBBox`), rounded outwards.
    pub bbox: [i32; 4],
    /// Italic angle in degrees counter-clockwise from vertical (`/ItalicAngle`), 0 for upright.
    pub italic_angle: f32,
    /// PDF `/Flags` value, a combination of the `FLAG_*` constants of this module.
    pub flags: u32,
    /// Estimated dominant vertical stem width (`/StemV`), derived from the OS/2 weight class.
    pub stem_v: f32,
}

/// Everything a PDF Type 0 / CIDFontType2 font needs, produced by [`FontSubsetter::finish`].
#[derive(Debug, Clone, PartialEq)]
pub struct FontSubset {
    /// `/BaseFont` and `/FontName`: a six-letter subset tag derived from the glyph set (SHA-256),
    /// `+`, and the font's PostScript name, e.g. `"KQWZBD+LiberationSerif"`.
    pub base_font: String,
    /// The subset TrueType font program, uncompressed (`/FontFile2`; its length is `/Length1`).
    /// Glyph id `n` of this font is CID `n` (`/CIDToGIDMap /Identity`); it has no `cmap` table.
    pub font_file2: Vec<u8>,
    /// `(cid, advance width in 1000-per-em units)` for every CID returned by
    /// [`FontSubsetter::encode`], sorted by CID. See [`FontSubset::w_array`].
    pub widths: Vec<(u16, u16)>,
    /// A complete ToUnicode CMap program mapping every used CID to its text (UTF-16BE), for the
    /// `/ToUnicode` stream of the Type 0 font.
    pub to_unicode: Vec<u8>,
    /// Font-wide metrics for the `/FontDescriptor`.
    pub metrics: FontMetrics,
}

impl FontSubset {
    /// The `/W` array of the CIDFont built from [`Self::widths`], with consecutive CIDs grouped,
    /// e.g. `[1 [722 500 278] 7 [250]]`.
    pub fn w_array(&self) -> String {
        let mut out = String::from("[");
        let mut previous: Option<u16> = None;
        for &(cid, width) in &self.widths {
            match previous {
                Some(p) if p.checked_add(1) == Some(cid) => {
                    let _ = write!(out, " {width}");
                }
                Some(_) => {
                    let _ = write!(out, "] {cid} [{width}");
                }
                None => {
                    let _ = write!(out, "{cid} [{width}");
                }
            }
            previous = Some(cid);
        }
        if previous.is_some() {
            out.push(']');
        }
        out.push(']');
        out
    }
}

/// Collects the glyphs used by the text of a document and builds a subset of a TrueType font.
///
/// Glyphs get subset ids (CIDs) in the order they are first used, starting at 1 (`.notdef`
/// keeps id 0). Use one `FontSubsetter` per font per document, and write the font objects only
/// after the last [`encode`](Self::encode) call.
#[derive(Debug, Clone)]
pub struct FontSubsetter<'a> {
    data: &'a [u8],
    face: Face<'a>,
    remapper: subsetter::GlyphRemapper,
    /// Subset glyph id -> original glyph id and the text it stands for (the first text it was
    /// used for).
    used: BTreeMap<u16, (GlyphId, String)>,
    metrics: FontMetrics,
    postscript_name: String,
}

impl<'a> FontSubsetter<'a> {
    /// Parses a TrueType font (a `.ttf` file, or the first font of a `.ttc` collection).
    ///
    /// # Errors
    ///
    /// [`FontError::Parse`] for data that is not a font, [`FontError::NotTrueType`] for CFF-based
    /// OpenType fonts, [`FontError::EmbeddingNotAllowed`] when the licence flags forbid embedding
    /// a subset of the outlines.
    pub fn new(ttf: &'a [u8]) -> Result<Self, FontError> {
        let face = Face::parse(ttf, 0).map_err(|e| FontError::Parse(e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(FontError::NotTrueType);
        }
        if let Some(os2) = face.tables().os2 {
            if os2.permissions() == Some(ttf_parser::Permissions::Restricted) {
                return Err(FontError::EmbeddingNotAllowed("embedding"));
            }
            if !os2.is_subsetting_allowed() {
                return Err(FontError::EmbeddingNotAllowed("subsetting"));
            }
            if !os2.is_outline_embedding_allowed() {
                return Err(FontError::EmbeddingNotAllowed("embedding outlines"));
            }
        }
        let metrics = compute_metrics(&face);
        let postscript_name = postscript_name(&face);
        Ok(Self {
            data: ttf,
            face,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
            metrics,
            postscript_name,
        })
    }

    /// NFC-normalises `text`, registers its glyphs in the subset and returns the bytes of the
    /// matching `Tj` string: two bytes, big-endian, per glyph, each the glyph's id in the
    /// **subset** font (hence `/Encoding /Identity-H` and `/CIDToGIDMap /Identity`). Write them as
    /// a hex string, `<…> Tj`.
    ///
    /// A character without its own glyph (after NFC) is drawn as its canonical decomposition
    /// (base letter plus combining marks) when the font has all of those glyphs.
    ///
    /// # Errors
    ///
    /// [`FontError::MissingGlyph`] naming the first character the font cannot draw; nothing is
    /// registered in that case (never a silent `.notdef`).
    pub fn encode(&mut self, text: &str) -> Result<Vec<u8>, FontError> {
        let glyphs = self.resolve(text)?;
        let mut out = Vec::with_capacity(glyphs.len() * 2);
        for (ch, gid) in glyphs {
            // `glyph` only yields ids below the font's glyph count (at most 65535 distinct ids),
            // so the remapper, which counts in u16, cannot overflow.
            let cid = self.remapper.remap(gid.0);
            self.used
                .entry(cid)
                .or_insert_with(|| (gid, ch.to_string()));
            out.extend_from_slice(&cid.to_be_bytes());
        }
        Ok(out)
    }

    /// Advance width of `text` (NFC-normalised, as [`encode`](Self::encode) would draw it) at a
    /// font size of `size` points, in points. Kerning is ignored. Nothing is registered.
    ///
    /// # Errors
    ///
    /// [`FontError::MissingGlyph`] as for [`encode`](Self::encode).
    pub fn text_width(&self, text: &str, size: f32) -> Result<f32, FontError> {
        let glyphs = self.resolve(text)?;
        let units: u64 = glyphs
            .iter()
            .map(|&(_, gid)| u64::from(self.face.glyph_hor_advance(gid).unwrap_or(0)))
            .sum();
        // Precision loss is irrelevant at layout scale.
        Ok(units as f32 * size / f32::from(self.face.units_per_em()))
    }

    /// Font-wide metrics (ascent, descent, cap height, …) in 1000-per-em units.
    pub fn metrics(&self) -> FontMetrics {
        self.metrics
    }

    /// The font's PostScript name (sanitised for use as a PDF name), e.g. `LiberationSerif-Bold`.
    pub fn postscript_name(&self) -> &str {
        &self.postscript_name
    }

    /// Builds the subset font program, widths and ToUnicode CMap for every glyph encoded so far.
    ///
    /// # Errors
    ///
    /// [`FontError::Subset`] when the subsetter rejects the font.
    pub fn finish(self) -> Result<FontSubset, FontError> {
        let font_file2 = subsetter::subset(self.data, 0, &self.remapper)
            .map_err(|e| FontError::Subset(e.to_string()))?;

        let units_per_em = f32::from(self.face.units_per_em());
        let mut widths = Vec::with_capacity(self.used.len());
        for (&cid, &(gid, _)) in &self.used {
            let advance = f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0));
            // Saturating cast; real advances are far below 65.535 em.
            let width = (advance * 1000.0 / units_per_em).round() as u16;
            widths.push((cid, width));
        }

        let tag = subset_tag(self.remapper.remapped_gids());
        Ok(FontSubset {
            base_font: format!("{tag}+{}", self.postscript_name),
            font_file2,
            widths,
            to_unicode: to_unicode_cmap(&self.used),
            metrics: self.metrics,
        })
    }

    /// Maps NFC-normalised text to `(char, glyph)` pairs without registering anything.
    fn resolve(&self, text: &str) -> Result<Vec<(char, GlyphId)>, FontError> {
        let mut glyphs = Vec::with_capacity(text.len());
        for ch in text.nfc() {
            if let Some(gid) = self.glyph(ch) {
                glyphs.push((ch, gid));
                continue;
            }
            // No precomposed glyph: fall back to base + combining marks if all are present.
            let decomposed: Option<Vec<(char, GlyphId)>> = std::iter::once(ch)
                .nfd()
                .map(|part| self.glyph(part).map(|gid| (part, gid)))
                .collect();
            match decomposed {
                Some(parts) if parts.len() > 1 => glyphs.extend(parts),
                _ => return Err(FontError::MissingGlyph(ch)),
            }
        }
        Ok(glyphs)
    }

    /// The glyph of a character, treating `.notdef` and out-of-range ids as missing.
    fn glyph(&self, ch: char) -> Option<GlyphId> {
        let count = self.face.number_of_glyphs();
        self.face
            .glyph_index(ch)
            .filter(|gid| gid.0 != 0 && gid.0 < count)
    }
}

/// Six uppercase letters derived from the subset's glyph list (SHA-256), as PDF subset tags need.
fn subset_tag(gids: impl Iterator<Item = u16>) -> String {
    let mut hasher = Sha256::new();
    for gid in gids {
        hasher.update(gid.to_be_bytes());
    }
    let digest = hasher.finalize();
    digest
        .iter()
        .take(6)
        .map(|byte| char::from(b'A' + byte % 26))
        .collect()
}

/// The PostScript name (name id 6) with characters not allowed in a PDF name removed.
fn postscript_name(face: &Face<'_>) -> String {
    let raw = face
        .names()
        .into_iter()
        .filter(|name| name.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|name| name.to_string())
        .or_else(|| {
            face.names()
                .into_iter()
                .filter(|name| name.name_id == ttf_parser::name_id::FULL_NAME)
                .find_map(|name| name.to_string())
        })
        .unwrap_or_default();
    let clean: String = raw
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
        .take(63 - 7)
        .collect();
    if clean.is_empty() {
        "Font".to_owned()
    } else {
        clean
    }
}

/// Computes [`FontMetrics`] from the `head`, `hhea`, `OS/2` and `post` tables.
fn compute_metrics(face: &Face<'_>) -> FontMetrics {
    let upem = f32::from(face.units_per_em());
    let scale = |v: i16| f32::from(v) * 1000.0 / upem;
    let bbox = face.global_bounding_box();
    let italic_angle = face.italic_angle();

    let cap_height = face
        .capital_height()
        .filter(|&h| h > 0)
        .or_else(|| glyph_top(face, 'H'))
        .map_or(scale(face.ascender()) * 0.7, scale);
    let x_height = face
        .x_height()
        .filter(|&h| h > 0)
        .or_else(|| glyph_top(face, 'x'))
        .map_or(cap_height * 0.7, scale);

    // OS/2 sFamilyClass (offset 30, class in the high byte) and PANOSE (offset 32).
    let os2 = face.raw_face().table(Tag::from_bytes(b"OS/2"));
    let family_class = os2.and_then(|t| t.get(30)).copied();
    let panose_family = os2.and_then(|t| t.get(32)).copied();
    let panose_serif = os2.and_then(|t| t.get(33)).copied();
    let serif = match family_class {
        Some(1..=7) => true,
        Some(8) => false,
        _ => panose_family == Some(2) && matches!(panose_serif, Some(2..=10)),
    };
    let script = family_class == Some(10) || panose_family == Some(3);
    let symbolic = face
        .tables()
        .cmap
        .is_some_and(|cmap| !cmap.subtables.into_iter().any(|s| s.is_unicode()));

    let mut flags = if symbolic {
        FLAG_SYMBOLIC
    } else {
        FLAG_NONSYMBOLIC
    };
    if face.is_monospaced() {
        flags |= FLAG_FIXED_PITCH;
    }
    if serif {
        flags |= FLAG_SERIF;
    }
    if script {
        flags |= FLAG_SCRIPT;
    }
    if face.is_italic() || italic_angle != 0.0 {
        flags |= FLAG_ITALIC;
    }

    let weight = f32::from(face.weight().to_number());
    FontMetrics {
        ascent: scale(face.ascender()),
        descent: scale(face.descender()),
        line_gap: scale(face.line_gap()),
        cap_height,
        x_height,
        bbox: [
            scale(bbox.x_min).floor() as i32,
            scale(bbox.y_min).floor() as i32,
            scale(bbox.x_max).ceil() as i32,
            scale(bbox.y_max).ceil() as i32,
        ],
        italic_angle,
        flags,
        // Common estimate (also used by other PDF writers) from the weight class 100..=900.
        stem_v: (10.0 + 0.244 * (weight - 50.0)).max(10.0),
    }
}

/// Top of a glyph's outline, used when OS/2 lacks cap or x height.
fn glyph_top(face: &Face<'_>, ch: char) -> Option<i16> {
    let gid = face.glyph_index(ch)?;
    face.glyph_bounding_box(gid).map(|rect| rect.y_max)
}

/// Writes a ToUnicode CMap mapping every subset glyph id to its text in UTF-16BE.
fn to_unicode_cmap(used: &BTreeMap<u16, (GlyphId, String)>) -> Vec<u8> {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n\
         12 dict begin\n\
         begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n\
         /CMapType 2 def\n\
         1 begincodespacerange\n\
         <0000> <FFFF>\n\
         endcodespacerange\n",
    );
    let entries: Vec<(u16, &str)> = used
        .iter()
        .map(|(&cid, (_, text))| (cid, text.as_str()))
        .collect();
    // A bfchar block may hold at most 100 entries.
    for block in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", block.len());
        for (cid, text) in block {
            let _ = write!(cmap, "<{cid:04X}> <");
            for unit in text.encode_utf16() {
                let _ = write!(cmap, "{unit:04X}");
            }
            cmap.push_str(">\n");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str(
        "endcmap\n\
         CMapName currentdict /CMap defineresource pop\n\
         end\n\
         end\n",
    );
    cmap.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const HEADING: &str = "Ủy ban nhân dân tỉnh Hà Giang – Độc lập - Tự do - Hạnh phúc";
    const NAME: &str = "Nguyễn Văn An";

    /// Every Vietnamese letter: a–z, A–Z, the precomposed letters of Latin-1 / Latin Extended
    /// used by Vietnamese, and the whole Latin Extended Additional Vietnamese block.
    fn vietnamese_letters() -> Vec<char> {
        let mut letters: Vec<char> = ('a'..='z').chain('A'..='Z').collect();
        letters.extend("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư".chars());
        letters.extend('\u{1EA0}'..='\u{1EF9}');
        letters
    }

    /// Splits encoded bytes into CIDs.
    fn cids(bytes: &[u8]) -> Vec<u16> {
        bytes
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
            .collect()
    }

    /// Parses the bfchar entries of a ToUnicode CMap.
    fn parse_to_unicode(cmap: &[u8]) -> HashMap<u16, String> {
        let text = std::str::from_utf8(cmap).expect("the CMap is ASCII");
        let mut map = HashMap::new();
        let mut in_block = false;
        for line in text.lines() {
            if line.ends_with("beginbfchar") {
                in_block = true;
            } else if line == "endbfchar" {
                in_block = false;
            } else if in_block {
                let (src, dst) = line.split_once("> <").expect("bfchar line is <src> <dst>");
                let cid = u16::from_str_radix(src.trim_start_matches('<'), 16).expect("hex cid");
                let hex = dst.trim_end_matches('>');
                let units: Vec<u16> = (0..hex.len())
                    .step_by(4)
                    .map(|i| u16::from_str_radix(&hex[i..i + 4], 16).expect("hex UTF-16 unit"))
                    .collect();
                let value = String::from_utf16(&units).expect("valid UTF-16");
                assert!(map.insert(cid, value).is_none(), "cid {cid} mapped twice");
            }
        }
        map
    }

    /// Records an outline as text so two glyphs can be compared exactly.
    #[derive(Default)]
    struct Recorder(Vec<String>);

    impl ttf_parser::OutlineBuilder for Recorder {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.push(format!("M{x},{y}"));
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.push(format!("L{x},{y}"));
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0.push(format!("Q{x1},{y1},{x},{y}"));
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0.push(format!("C{x1},{y1},{x2},{y2},{x},{y}"));
        }
        fn close(&mut self) {
            self.0.push("Z".to_owned());
        }
    }

    fn outline(face: &Face<'_>, gid: u16) -> Vec<String> {
        let mut recorder = Recorder::default();
        face.outline_glyph(GlyphId(gid), &mut recorder);
        recorder.0
    }

    #[test]
    fn embedded_fonts_cover_every_vietnamese_letter() {
        for (name, data) in [
            ("regular", LIBERATION_SERIF_REGULAR),
            ("bold", LIBERATION_SERIF_BOLD),
        ] {
            let face = Face::parse(data, 0).expect("embedded font must parse");
            let missing: Vec<char> = vietnamese_letters()
                .into_iter()
                .filter(|&c| face.glyph_index(c).is_none_or(|g| g.0 == 0))
                .collect();
            assert!(
                missing.is_empty(),
                "Liberation Serif {name} must draw every Vietnamese letter, missing {missing:?}"
            );
            assert!(
                FontSubsetter::new(data).is_ok(),
                "Liberation Serif {name} must be accepted for embedding"
            );
        }
    }

    #[test]
    fn subset_glyphs_match_original_glyphs() {
        let original = Face::parse(LIBERATION_SERIF_REGULAR, 0).expect("font parses");
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let mut encoded = Vec::new();
        for text in [HEADING, NAME] {
            let bytes = subsetter.encode(text).expect("Vietnamese text must encode");
            assert_eq!(
                bytes.len(),
                text.nfc().count() * 2,
                "every NFC char of {text:?} must become exactly one 2-byte code"
            );
            encoded.push((text, bytes));
        }
        let subset = subsetter.finish().expect("subset builds");
        let sub_face =
            Face::parse(&subset.font_file2, 0).expect("the subset must be a loadable font");
        let widths: HashMap<u16, u16> = subset.widths.iter().copied().collect();

        for (text, bytes) in &encoded {
            for (ch, cid) in text.nfc().zip(cids(bytes)) {
                let gid = original.glyph_index(ch).expect("original has the glyph").0;
                assert_ne!(cid, 0, "{ch:?} must never be encoded as .notdef");
                assert_eq!(
                    sub_face.glyph_hor_advance(GlyphId(cid)),
                    original.glyph_hor_advance(GlyphId(gid)),
                    "subset glyph {cid} must have the advance of original glyph {gid} ({ch:?})"
                );
                assert_eq!(
                    outline(&sub_face, cid),
                    outline(&original, gid),
                    "subset glyph {cid} must have the outline of original glyph {gid} ({ch:?})"
                );
                let expected_width =
                    (f32::from(original.glyph_hor_advance(GlyphId(gid)).unwrap_or(0)) * 1000.0
                        / f32::from(original.units_per_em()))
                    .round() as u16;
                assert_eq!(
                    widths.get(&cid),
                    Some(&expected_width),
                    "/W entry of cid {cid} ({ch:?}) must be the advance in 1000 units"
                );
            }
        }
        assert_eq!(
            outline(&sub_face, 0),
            outline(&original, 0),
            ".notdef must stay glyph 0 of the subset"
        );
    }

    #[test]
    fn cids_follow_first_use_and_repeat() {
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let first = cids(&subsetter.encode("aba").expect("ascii encodes"));
        assert_eq!(
            first,
            vec![1, 2, 1],
            "new glyphs get ids 1, 2, … in first-use order, repeats reuse them"
        );
        let second = cids(&subsetter.encode("ca").expect("ascii encodes"));
        assert_eq!(second, vec![3, 1], "ids stay stable across encode calls");
    }

    #[test]
    fn to_unicode_maps_cids_back_to_text() {
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_BOLD).expect("font loads");
        let heading = subsetter.encode(HEADING).expect("heading encodes");
        let name = subsetter.encode(NAME).expect("name encodes");
        let subset = subsetter.finish().expect("subset builds");
        let cmap_text = String::from_utf8(subset.to_unicode.clone()).expect("the CMap is ASCII");
        for needle in [
            "begincmap",
            "/CIDInit",
            "<0000> <FFFF>",
            "endcmap",
            "/CMapType 2",
        ] {
            assert!(
                cmap_text.contains(needle),
                "the ToUnicode CMap must contain {needle:?}"
            );
        }
        let map = parse_to_unicode(&subset.to_unicode);
        for (text, bytes) in [(HEADING, heading), (NAME, name)] {
            let extracted: String = cids(&bytes)
                .into_iter()
                .map(|cid| {
                    map.get(&cid)
                        .cloned()
                        .expect("every used cid is in the CMap")
                })
                .collect();
            assert_eq!(
                extracted,
                text.nfc().collect::<String>(),
                "copying the text from the PDF must give it back"
            );
        }
        let cids_in_widths: Vec<u16> = subset.widths.iter().map(|&(cid, _)| cid).collect();
        let mut cids_in_cmap: Vec<u16> = map.keys().copied().collect();
        cids_in_cmap.sort_unstable();
        assert_eq!(
            cids_in_widths, cids_in_cmap,
            "/W and ToUnicode must cover the same cids"
        );
        assert!(
            subset.widths.windows(2).all(|w| w[0].0 < w[1].0),
            "widths must be sorted by cid without duplicates"
        );
    }

    #[test]
    fn decomposed_input_encodes_like_precomposed() {
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let nfc = subsetter.encode("Ủy").expect("NFC encodes");
        let decomposed = subsetter.encode("U\u{0309}y").expect("NFD encodes");
        assert_eq!(
            decomposed, nfc,
            "NFD \"U + hook above\" must encode as the precomposed Ủ"
        );
        let nfd_name: String = NAME.nfd().collect();
        assert_ne!(
            nfd_name, NAME,
            "the test needs NAME to have a decomposed form"
        );
        assert_eq!(
            subsetter.encode(&nfd_name).expect("NFD name encodes"),
            subsetter.encode(NAME).expect("NFC name encodes"),
            "decomposed and precomposed names must encode identically"
        );
        assert_eq!(
            subsetter.text_width(&nfd_name, 12.0),
            subsetter.text_width(NAME, 12.0),
            "decomposed and precomposed names must have the same width"
        );
    }

    #[test]
    fn base_plus_mark_without_precomposed_form_maps_to_each_code_point() {
        // "x̉" has no precomposed form, so NFC keeps x + U+0309 and each gets its own glyph.
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let bytes = subsetter
            .encode("x\u{0309}")
            .expect("x + combining hook encodes");
        let codes = cids(&bytes);
        assert_eq!(codes.len(), 2, "base and mark are two glyphs");
        let subset = subsetter.finish().expect("subset builds");
        let map = parse_to_unicode(&subset.to_unicode);
        assert_eq!(
            map.get(&codes[0]).map(String::as_str),
            Some("x"),
            "base glyph maps to x"
        );
        assert_eq!(
            map.get(&codes[1]).map(String::as_str),
            Some("\u{0309}"),
            "mark glyph maps to the combining hook above"
        );
    }

    #[test]
    fn char_without_own_glyph_falls_back_to_its_decomposition() {
        // Liberation Serif has no glyph for U+226E "≮" but has "<" and U+0338 (long solidus
        // overlay), its canonical decomposition; NFC keeps the precomposed char.
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let codes = cids(
            &subsetter
                .encode("\u{226E}")
                .expect("≮ is drawable via its decomposition"),
        );
        assert_eq!(
            codes.len(),
            2,
            "the fallback draws base and mark as two glyphs"
        );
        let subset = subsetter.finish().expect("subset builds");
        let map = parse_to_unicode(&subset.to_unicode);
        let text: String = codes
            .iter()
            .filter_map(|cid| map.get(cid).cloned())
            .collect();
        assert_eq!(
            text, "<\u{0338}",
            "the text extracted is the canonical equivalent of ≮"
        );
    }

    #[test]
    fn missing_glyph_is_an_error_naming_the_char() {
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        for (text, ch) in [("ab\u{4E00}c", '\u{4E00}'), ("ký 😀", '😀')] {
            let error = subsetter
                .encode(text)
                .expect_err("a char without glyph must fail");
            assert_eq!(
                error,
                FontError::MissingGlyph(ch),
                "the error must name the missing char"
            );
            let message = error.to_string();
            let code = format!("U+{:04X}", u32::from(ch));
            assert!(
                message.contains(&code),
                "message {message:?} must contain {code}"
            );
            assert!(
                subsetter.text_width(text, 10.0).is_err(),
                "text_width must fail on the same text"
            );
        }
        let bytes = subsetter.encode("a").expect("ascii encodes");
        assert_eq!(
            cids(&bytes),
            vec![1],
            "a failed encode must not have registered any glyph"
        );
    }

    #[test]
    fn subset_is_much_smaller_than_the_font() {
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        subsetter.encode(HEADING).expect("heading encodes");
        subsetter.encode(NAME).expect("name encodes");
        let subset = subsetter.finish().expect("subset builds");
        assert!(
            subset.font_file2.len() * 10 < LIBERATION_SERIF_REGULAR.len(),
            "a subset of ~40 glyphs ({} bytes) must be under a tenth of the full font ({} bytes)",
            subset.font_file2.len(),
            LIBERATION_SERIF_REGULAR.len()
        );
    }

    #[test]
    fn base_font_is_deterministic() {
        let build = |font: &[u8], texts: &[&str]| {
            let mut subsetter = FontSubsetter::new(font).expect("font loads");
            for text in texts {
                subsetter.encode(text).expect("text encodes");
            }
            subsetter.finish().expect("subset builds")
        };
        let a = build(LIBERATION_SERIF_REGULAR, &[HEADING, NAME]);
        let b = build(LIBERATION_SERIF_REGULAR, &[HEADING, NAME]);
        assert_eq!(
            a.base_font, b.base_font,
            "same glyphs in the same order must give the same name"
        );
        assert_eq!(
            a.font_file2, b.font_file2,
            "same input must give the same font program"
        );
        let (tag, name) = a.base_font.split_once('+').expect("base_font is TAG+Name");
        assert_eq!(
            name, "LiberationSerif",
            "the PostScript name follows the tag"
        );
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "the subset tag must be six uppercase letters, got {tag:?}"
        );
        let c = build(LIBERATION_SERIF_REGULAR, &[NAME]);
        assert_ne!(
            a.base_font, c.base_font,
            "a different glyph set must give a different tag"
        );
        let bold = build(LIBERATION_SERIF_BOLD, &[NAME]);
        assert!(
            bold.base_font.ends_with("+LiberationSerif-Bold"),
            "the bold font keeps its own PostScript name, got {}",
            bold.base_font
        );
    }

    #[test]
    fn text_width_sums_advances() {
        let subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let face = Face::parse(LIBERATION_SERIF_REGULAR, 0).expect("font parses");
        let advance = |c: char| {
            f32::from(
                face.glyph_hor_advance(face.glyph_index(c).expect("glyph"))
                    .expect("advance"),
            )
        };
        let expected = (advance('A') + advance('n')) * 12.0 / 2048.0;
        let width = subsetter.text_width("An", 12.0).expect("ascii has glyphs");
        assert!(
            (width - expected).abs() < 1e-4,
            "width of \"An\" at 12 pt must be {expected}, got {width}"
        );
        let width_m = subsetter.text_width("M", 1000.0).expect("M has a glyph");
        assert!(
            (width_m - 889.16).abs() < 0.01,
            "Times-compatible M is 1821/2048 em, got {width_m}"
        );
        assert_eq!(
            subsetter.text_width("", 12.0),
            Ok(0.0),
            "empty text has no width"
        );
    }

    #[test]
    fn metrics_match_times_new_roman() {
        let regular = FontSubsetter::new(LIBERATION_SERIF_REGULAR)
            .expect("font loads")
            .metrics();
        assert!(
            (regular.ascent - 891.1).abs() < 0.1,
            "ascent must be 1825/2048 em, got {}",
            regular.ascent
        );
        assert!(
            (regular.descent + 216.3).abs() < 0.1,
            "descent must be -443/2048 em, got {}",
            regular.descent
        );
        assert!(
            regular.cap_height > 600.0 && regular.cap_height < 700.0,
            "cap height of a Times face is ~662, got {}",
            regular.cap_height
        );
        assert_eq!(
            regular.flags,
            FLAG_NONSYMBOLIC | FLAG_SERIF,
            "Liberation Serif is a nonsymbolic serif face"
        );
        assert_eq!(regular.italic_angle, 0.0, "the regular face is upright");
        assert!(
            regular.bbox[0] < 0
                && regular.bbox[2] > 1000
                && regular.bbox[1] < 0
                && regular.bbox[3] > 891,
            "bbox must enclose ascent and descent: {:?}",
            regular.bbox
        );
        let bold = FontSubsetter::new(LIBERATION_SERIF_BOLD)
            .expect("font loads")
            .metrics();
        assert!(
            bold.stem_v > regular.stem_v,
            "bold stems must be wider than regular stems"
        );
    }

    #[test]
    fn w_array_groups_consecutive_cids() {
        let subset = FontSubset {
            base_font: String::new(),
            font_file2: Vec::new(),
            widths: vec![(1, 722), (2, 500), (3, 278), (7, 250)],
            to_unicode: Vec::new(),
            metrics: FontSubsetter::new(LIBERATION_SERIF_REGULAR)
                .expect("font loads")
                .metrics(),
        };
        assert_eq!(
            subset.w_array(),
            "[1 [722 500 278] 7 [250]]",
            "consecutive cids share one array"
        );
        let empty = FontSubset {
            widths: Vec::new(),
            ..subset
        };
        assert_eq!(empty.w_array(), "[]", "no widths gives an empty /W array");
    }

    #[test]
    fn rejects_non_fonts() {
        assert!(
            matches!(
                FontSubsetter::new(b"not a font at all"),
                Err(FontError::Parse(_))
            ),
            "random bytes must be a parse error"
        );
        assert!(
            matches!(
                FontSubsetter::new(&LIBERATION_SERIF_REGULAR[..100]),
                Err(FontError::Parse(_))
            ),
            "a truncated font must be a parse error"
        );
    }

    #[test]
    fn large_to_unicode_is_split_into_blocks_of_100() {
        let mut subsetter = FontSubsetter::new(LIBERATION_SERIF_REGULAR).expect("font loads");
        let text: String = vietnamese_letters().into_iter().collect();
        subsetter
            .encode(&text)
            .expect("all Vietnamese letters encode");
        let subset = subsetter.finish().expect("subset builds");
        let cmap = String::from_utf8(subset.to_unicode.clone()).expect("ASCII");
        for line in cmap.lines().filter(|l| l.ends_with("beginbfchar")) {
            let count: usize = line
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("count");
            assert!(
                count <= 100,
                "a bfchar block may hold at most 100 entries, got {count}"
            );
        }
        assert_eq!(
            parse_to_unicode(&subset.to_unicode).len(),
            subset.widths.len(),
            "every used cid appears once in the CMap"
        );
    }
}
