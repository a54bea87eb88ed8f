//! Reading a PDF's structure: cross-reference tables and streams (including
//! hybrid files and object streams), the trailer chain, indirect objects and
//! the page tree (ISO 32000-1 §7.5, §7.7.3).
//!
//! Objects are read on demand from a [`Source`]; nothing holds the whole file.
//! In strict mode (the verifier's) any deviation is an error. In lenient mode
//! (for signing everyday files) wrong xref offsets are repaired by scanning
//! for objects, and [`Document::repaired`] tells the writer to emit a complete
//! cross-reference section.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::filter::{self, DecodeLimits};
use crate::object::{Dict, ObjRef, Object, Stream, StreamData};
use crate::parse::{self, PErr, Parser};
use crate::source::{Source, for_each_chunk};

/// Limits and leniency for reading.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Repair wrong cross-reference offsets by scanning (never for verification).
    pub repair: bool,
    /// Deepest nesting of arrays and dictionaries.
    pub max_depth: usize,
    /// Largest single object (dictionary syntax) or xref table, in bytes.
    pub max_object_bytes: usize,
    /// Most cross-reference sections followed through `/Prev`.
    pub max_sections: usize,
    /// Bounds for decoding xref and object streams.
    pub decode: DecodeLimits,
}

impl ReadOptions {
    /// Fail-closed reading, for verification.
    pub fn strict() -> Self {
        Self {
            repair: false,
            max_depth: 64,
            max_object_bytes: 64 * 1024 * 1024,
            max_sections: 4096,
            decode: DecodeLimits::default(),
        }
    }

    /// Reading that tolerates common producer mistakes, for signing.
    pub fn lenient() -> Self {
        Self {
            repair: true,
            ..Self::strict()
        }
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self::strict()
    }
}

/// The form of a cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table with a `trailer` dictionary.
    Table,
    /// A cross-reference stream (PDF 1.5).
    Stream,
}

/// Where an object lives according to the cross-reference data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Not in use.
    Free,
    /// Uncompressed, at a byte offset.
    InFile {
        /// Byte offset of `num gen obj`.
        offset: u64,
        /// Generation number.
        gen_: u16,
    },
    /// Inside an object stream.
    InStream {
        /// Object number of the object stream.
        stream: u32,
        /// Index within it.
        index: u32,
    },
}

/// One cross-reference section as found in the file.
#[derive(Debug, Clone)]
pub struct XrefSection {
    /// Byte offset the section starts at (what `startxref` or `/Prev` said).
    pub offset: u64,
    /// Table or stream.
    pub kind: XrefKind,
    /// The trailer (or the xref stream's dictionary).
    pub trailer: Dict,
    /// Entries in the order they were read (a hybrid file's stream entries follow the table's).
    pub entries: Vec<(u32, Entry)>,
    /// The byte just after the section (after the trailer dictionary, or
    /// after the xref stream's `endobj`): where `startxref` should follow.
    pub end: u64,
}

/// A page with its inherited attributes resolved.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page object's reference.
    pub obj: ObjRef,
    /// The page dictionary as stored.
    pub dict: Dict,
    /// Effective `/MediaBox` as `[llx lly urx ury]`.
    pub media_box: [f64; 4],
    /// Effective `/CropBox` (defaults to the media box).
    pub crop_box: [f64; 4],
    /// Effective `/Rotate` in degrees (0, 90, 180, 270).
    pub rotate: i64,
}

struct ObjStm {
    data: Vec<u8>,
    /// (object number, offset of the object inside `data`)
    index: Vec<(u32, usize)>,
}

/// A PDF file opened for reading.
pub struct Document<S: Source> {
    src: S,
    opts: ReadOptions,
    entries: BTreeMap<u32, Entry>,
    trailer: Dict,
    startxref: u64,
    sections: Vec<XrefSection>,
    repaired: Cell<bool>,
    scanned: OnceCell<BTreeMap<u32, u64>>,
    objstm_cache: RefCell<HashMap<u32, Rc<ObjStm>>>,
    resolving: Cell<usize>,
}

impl<S: Source> std::fmt::Debug for Document<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("len", &self.src.len())
            .field("objects", &self.entries.len())
            .field("startxref", &self.startxref)
            .field("repaired", &self.repaired.get())
            .finish()
    }
}

const TAIL: usize = 4096;

impl<S: Source> Document<S> {
    /// Opens a document with strict (verifier) rules.
    pub fn open(src: S) -> Result<Self> {
        Self::open_with(src, ReadOptions::strict())
    }

    /// Opens a document with the given options.
    pub fn open_with(src: S, opts: ReadOptions) -> Result<Self> {
        let len = src.len();
        if len == 0 {
            return Err(Error::Empty);
        }
        let head = src.read_range(0, 1024)?;
        if parse::find(&head, b"%PDF-").is_none() {
            return Err(Error::NotPdf);
        }
        let tail_start = len.saturating_sub(TAIL as u64);
        let tail = src.read_range(tail_start, TAIL)?;
        let Some(sx_pos) = parse::rfind(&tail, b"startxref") else {
            return Err(if parse::rfind(&tail, b"%%EOF").is_none() {
                Error::Truncated("no startxref and no %%EOF at the end".into())
            } else {
                Error::Structure("no startxref before %%EOF".into())
            });
        };
        let mut p = Parser::new(&tail[sx_pos + 9..], 4);
        let startxref = match p.uint() {
            Ok(v) => v,
            Err(PErr::Eof) => {
                return Err(Error::Truncated("the file ends inside startxref".into()));
            }
            Err(e) => return Err(e.into_error(tail_start + sx_pos as u64 + 9, false)),
        };
        let mut doc = Self {
            src,
            opts,
            entries: BTreeMap::new(),
            trailer: Dict::new(),
            startxref,
            sections: Vec::new(),
            repaired: Cell::new(false),
            scanned: OnceCell::new(),
            objstm_cache: RefCell::new(HashMap::new()),
            resolving: Cell::new(0),
        };
        match doc.load_chain(startxref) {
            Ok(sections) => {
                doc.trailer = sections[0].trailer.clone();
                doc.entries = merge(&sections);
                doc.sections = sections;
            }
            Err(e) if opts.repair && repairable(&e) => doc.reconstruct()?,
            Err(e) => return Err(e),
        }
        if doc.trailer.get("Encrypt").is_some() {
            return Err(Error::Encrypted);
        }
        // A catalog that cannot be read means the xref is useless: repair or fail.
        if let Err(e) = doc.catalog() {
            if opts.repair && repairable(&e) && !doc.repaired.get() {
                doc.reconstruct()?;
                if doc.trailer.get("Encrypt").is_some() {
                    return Err(Error::Encrypted);
                }
                doc.catalog()?;
            } else {
                return Err(e);
            }
        }
        Ok(doc)
    }

    /// The byte source.
    pub fn source(&self) -> &S {
        &self.src
    }

    /// The newest trailer dictionary.
    pub fn trailer(&self) -> &Dict {
        &self.trailer
    }

    /// The value of the last `startxref`.
    pub fn startxref(&self) -> u64 {
        self.startxref
    }

    /// Cross-reference sections, newest first (empty after a repair).
    pub fn sections(&self) -> &[XrefSection] {
        &self.sections
    }

    /// Kind of the newest cross-reference section.
    pub fn xref_kind(&self) -> XrefKind {
        self.sections.first().map_or(XrefKind::Table, |s| s.kind)
    }

    /// True when the cross-reference data had to be rebuilt by scanning.
    pub fn repaired(&self) -> bool {
        self.repaired.get()
    }

    /// The merged cross-reference entries (newest wins).
    pub fn entries(&self) -> &BTreeMap<u32, Entry> {
        &self.entries
    }

    /// One more than the highest object number in use (at least `/Size`).
    pub fn next_object_number(&self) -> u32 {
        let size = self
            .trailer
            .get_int("Size")
            .unwrap_or(0)
            .clamp(0, i64::from(u32::MAX)) as u32;
        let max = self.entries.keys().next_back().map_or(0, |n| n + 1);
        size.max(max).max(1)
    }

    /// Reads the object `r` refers to (`null` for free or missing entries).
    pub fn get(&self, r: ObjRef) -> Result<Object> {
        let depth = self.resolving.get();
        if depth > 32 {
            return Err(Error::Limit("indirect references nest too deeply".into()));
        }
        self.resolving.set(depth + 1);
        let out = self.get_inner(r);
        self.resolving.set(depth);
        out
    }

    fn get_inner(&self, r: ObjRef) -> Result<Object> {
        match self.entries.get(&r.num) {
            None | Some(Entry::Free) => Ok(Object::Null),
            Some(Entry::InFile { offset, gen_ }) => {
                if *gen_ != r.gen_ {
                    return Ok(Object::Null);
                }
                match self.read_object_at(*offset, Some(r)) {
                    Ok((_, o)) => Ok(o),
                    Err(e) if self.opts.repair && repairable(&e) => {
                        let offset = *self.scan()?.get(&r.num).ok_or_else(|| {
                            Error::Structure(format!("object {} is missing", r.num))
                        })?;
                        self.repaired.set(true);
                        Ok(self.read_object_at(offset, Some(r))?.1)
                    }
                    Err(e) => Err(e),
                }
            }
            Some(Entry::InStream { stream, index }) => {
                if r.gen_ != 0 {
                    return Ok(Object::Null);
                }
                self.object_from_stream(*stream, *index, r.num)
            }
        }
    }

    /// Follows references until a direct object.
    pub fn resolve(&self, o: &Object) -> Result<Object> {
        let mut cur = o.clone();
        for _ in 0..32 {
            match cur {
                Object::Ref(r) => cur = self.get(r)?,
                other => return Ok(other),
            }
        }
        Err(Error::Limit("a chain of references is too long".into()))
    }

    /// Resolves `o` and requires a dictionary (or a stream's dictionary).
    pub fn resolve_dict(&self, o: &Object, what: &str) -> Result<Dict> {
        match self.resolve(o)? {
            Object::Dict(d) => Ok(d),
            Object::Stream(s) => Ok(s.dict),
            _ => Err(Error::Structure(format!("{what} is not a dictionary"))),
        }
    }

    /// The document catalog and its reference.
    pub fn catalog(&self) -> Result<(ObjRef, Dict)> {
        let r = self
            .trailer
            .get("Root")
            .and_then(Object::as_ref)
            .ok_or_else(|| Error::Structure("the trailer has no /Root reference".into()))?;
        let d = self.resolve_dict(&Object::Ref(r), "the catalog (/Root)")?;
        if d.get_name("Type").is_some_and(|t| t != b"Catalog") {
            return Err(Error::Structure("/Root is not a /Catalog".into()));
        }
        Ok((r, d))
    }

    /// The raw (still encoded) bytes of a stream.
    pub fn raw_stream_data(&self, s: &Stream) -> Result<Vec<u8>> {
        match &s.data {
            StreamData::Bytes(b) => Ok(b.clone()),
            StreamData::InFile { offset, len } => {
                if *len > self.opts.decode.max_decoded as u64 {
                    return Err(Error::Limit(format!(
                        "a stream of {len} bytes is too large to load"
                    )));
                }
                let v = self.src.read_range(*offset, *len as usize)?;
                if v.len() as u64 != *len {
                    return Err(Error::Truncated(
                        "stream data runs past the end of the file".into(),
                    ));
                }
                Ok(v.into_owned())
            }
        }
    }

    /// The decoded bytes of a stream, within the decoding limits.
    pub fn decode_stream(&self, s: &Stream) -> Result<Vec<u8>> {
        let raw = self.raw_stream_data(s)?;
        let mut dict = s.dict.clone();
        for key in ["Filter", "DecodeParms"] {
            if let Some(v) = dict.get(key) {
                let v = self.resolve(v)?;
                dict.set(key, v);
            }
        }
        filter::decode(&raw, &dict, self.opts.decode)
    }

    /// All pages in order, with inherited attributes.
    pub fn pages(&self) -> Result<Vec<Page>> {
        let (_, catalog) = self.catalog()?;
        let root = catalog
            .get("Pages")
            .and_then(Object::as_ref)
            .ok_or_else(|| Error::Structure("the catalog has no /Pages reference".into()))?;
        let mut pages = Vec::new();
        let mut seen = HashSet::new();
        struct Inherited {
            media_box: Option<[f64; 4]>,
            crop_box: Option<[f64; 4]>,
            rotate: Option<i64>,
        }
        let mut stack = vec![(
            root,
            Inherited {
                media_box: None,
                crop_box: None,
                rotate: None,
            },
            0usize,
        )];
        while let Some((r, inh, depth)) = stack.pop() {
            if depth > self.opts.max_depth {
                return Err(Error::Limit("the page tree is too deep".into()));
            }
            if !seen.insert(r) {
                return Err(Error::Structure("the page tree has a cycle".into()));
            }
            if seen.len() > 1_000_000 {
                return Err(Error::Limit("too many page tree nodes".into()));
            }
            let d = self.resolve_dict(&Object::Ref(r), "a page tree node")?;
            let here = Inherited {
                media_box: self.rect(&d, "MediaBox")?.or(inh.media_box),
                crop_box: self.rect(&d, "CropBox")?.or(inh.crop_box),
                rotate: match d.get("Rotate") {
                    Some(o) => self.resolve(o)?.as_f64().map(|v| v as i64),
                    None => inh.rotate,
                },
            };
            let is_pages = match d.get_name("Type") {
                Some(b"Pages") => true,
                Some(b"Page") => false,
                _ => d.get("Kids").is_some(),
            };
            if is_pages {
                let kids = match d.get("Kids").map(|k| self.resolve(k)).transpose()? {
                    Some(Object::Array(a)) => a,
                    _ => return Err(Error::Structure("a /Pages node has no /Kids array".into())),
                };
                for kid in kids.iter().rev() {
                    let kr = kid.as_ref().ok_or_else(|| {
                        Error::Structure("a /Kids entry is not a reference".into())
                    })?;
                    stack.push((
                        kr,
                        Inherited {
                            media_box: here.media_box,
                            crop_box: here.crop_box,
                            rotate: here.rotate,
                        },
                        depth + 1,
                    ));
                }
            } else {
                let media_box = here.media_box.unwrap_or([0.0, 0.0, 612.0, 792.0]);
                pages.push(Page {
                    obj: r,
                    dict: d,
                    media_box,
                    crop_box: here.crop_box.unwrap_or(media_box),
                    rotate: here.rotate.unwrap_or(0).rem_euclid(360),
                });
            }
        }
        Ok(pages)
    }

    fn rect(&self, d: &Dict, key: &str) -> Result<Option<[f64; 4]>> {
        let Some(o) = d.get(key) else { return Ok(None) };
        let Object::Array(a) = self.resolve(o)? else {
            return Err(Error::Structure(format!("/{key} is not an array")));
        };
        let mut v = [0.0; 4];
        if a.len() != 4 {
            return Err(Error::Structure(format!(
                "/{key} does not have four numbers"
            )));
        }
        for (slot, item) in v.iter_mut().zip(&a) {
            *slot = self
                .resolve(item)?
                .as_f64()
                .ok_or_else(|| Error::Structure(format!("/{key} holds a non-number")))?;
        }
        let [x0, y0, x1, y1] = v;
        Ok(Some([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]))
    }

    // ---- cross-reference loading ----

    fn load_chain(&self, startxref: u64) -> Result<Vec<XrefSection>> {
        let mut sections = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(startxref);
        while let Some(off) = next {
            if !seen.insert(off) {
                return Err(Error::Structure(
                    "the /Prev chain of cross-reference sections loops".into(),
                ));
            }
            if sections.len() >= self.opts.max_sections {
                return Err(Error::Limit("too many cross-reference sections".into()));
            }
            let mut sec = self.load_section(off)?;
            if sec.kind == XrefKind::Table
                && let Some(stm) = sec.trailer.get_int("XRefStm")
            {
                // Hybrid file: the table's entries come first, then the stream's.
                let stm = u64::try_from(stm)
                    .map_err(|_| Error::Structure("negative /XRefStm offset".into()))?;
                let extra = self.load_section(stm)?;
                if extra.kind != XrefKind::Stream {
                    return Err(Error::Structure(
                        "/XRefStm does not point at a cross-reference stream".into(),
                    ));
                }
                let (free, used): (Vec<_>, Vec<_>) =
                    sec.entries.drain(..).partition(|(_, e)| *e == Entry::Free);
                sec.entries = used.into_iter().chain(extra.entries).chain(free).collect();
            }
            next = match sec.trailer.get("Prev") {
                None => None,
                Some(Object::Int(p)) if *p >= 0 => Some(*p as u64),
                Some(_) => {
                    return Err(Error::Structure(
                        "/Prev is not a non-negative integer".into(),
                    ));
                }
            };
            sections.push(sec);
        }
        Ok(sections)
    }

    fn load_section(&self, offset: u64) -> Result<XrefSection> {
        if offset >= self.src.len() {
            return Err(Error::Structure(format!(
                "a cross-reference offset ({offset}) points past the end of the file"
            )));
        }
        let probe = self.src.read_range(offset, 16)?;
        let lead = probe
            .iter()
            .take_while(|b| parse::is_whitespace(**b))
            .count();
        if probe[lead..].starts_with(b"xref") {
            return self.load_table(offset);
        }
        let (_, obj) = self.read_object_at(offset, None)?;
        let Object::Stream(s) = obj else {
            return Err(Error::Structure(format!(
                "no cross-reference table or stream at byte {offset}"
            )));
        };
        if s.dict.get_name("Type") != Some(b"XRef") {
            return Err(Error::Structure(format!(
                "the stream at byte {offset} is not /Type /XRef"
            )));
        }
        let data = self.decode_stream(&s)?;
        let w: Vec<usize> = match s.dict.get("W") {
            Some(Object::Array(a)) if a.len() == 3 => a
                .iter()
                .map(|o| match o {
                    Object::Int(i) if (0..=8).contains(i) => Ok(*i as usize),
                    _ => Err(Error::Structure(
                        "bad /W entry in a cross-reference stream".into(),
                    )),
                })
                .collect::<Result<_>>()?,
            _ => {
                return Err(Error::Structure(
                    "a cross-reference stream lacks /W [a b c]".into(),
                ));
            }
        };
        let size = s.dict.get_int("Size").unwrap_or(0);
        let index: Vec<i64> = match s.dict.get("Index") {
            Some(Object::Array(a)) => a
                .iter()
                .map(|o| match o {
                    Object::Int(i) if *i >= 0 => Ok(*i),
                    _ => Err(Error::Structure(
                        "bad /Index in a cross-reference stream".into(),
                    )),
                })
                .collect::<Result<_>>()?,
            _ => vec![0, size],
        };
        if index.len() % 2 != 0 {
            return Err(Error::Structure(
                "/Index has an odd number of entries".into(),
            ));
        }
        let row = w.iter().sum::<usize>();
        if row == 0 {
            return Err(Error::Structure(
                "a cross-reference stream has zero-width rows".into(),
            ));
        }
        let mut entries = Vec::new();
        let mut rows = data.chunks_exact(row);
        for pair in index.chunks(2) {
            let (start, count) = (pair[0], pair[1]);
            for i in 0..count {
                let Some(r) = rows.next() else {
                    return Err(Error::Structure(
                        "a cross-reference stream is shorter than /Index says".into(),
                    ));
                };
                let field = |k: usize| -> u64 {
                    let off: usize = w[..k].iter().sum();
                    r[off..off + w[k]]
                        .iter()
                        .fold(0u64, |acc, b| acc << 8 | u64::from(*b))
                };
                let ty = if w[0] == 0 { 1 } else { field(0) };
                let num = u32::try_from(start + i)
                    .map_err(|_| Error::Structure("object number out of range".into()))?;
                let e = match ty {
                    0 => Entry::Free,
                    1 => Entry::InFile {
                        offset: field(1),
                        gen_: field(2).min(u64::from(u16::MAX)) as u16,
                    },
                    2 => Entry::InStream {
                        stream: u32::try_from(field(1)).map_err(|_| {
                            Error::Structure("object stream number out of range".into())
                        })?,
                        index: u32::try_from(field(2)).map_err(|_| {
                            Error::Structure("object stream index out of range".into())
                        })?,
                    },
                    // Unknown types are to be treated as null references (§7.5.8.3).
                    _ => Entry::Free,
                };
                entries.push((num, e));
            }
        }
        let end = match &s.data {
            StreamData::InFile { offset: d, len } => self.end_of_stream_object(d + len)?,
            StreamData::Bytes(_) => offset,
        };
        Ok(XrefSection {
            offset,
            kind: XrefKind::Stream,
            trailer: s.dict,
            entries,
            end,
        })
    }

    /// Given the end of a stream's data, the byte after its `endobj`.
    fn end_of_stream_object(&self, data_end: u64) -> Result<u64> {
        let tail = self.src.read_range(data_end, 64)?;
        match parse::find(&tail, b"endobj") {
            Some(i) => Ok(data_end + i as u64 + 6),
            None => Err(Error::Structure(format!(
                "no 'endobj' after the stream ending at byte {data_end}"
            ))),
        }
    }

    fn load_table(&self, offset: u64) -> Result<XrefSection> {
        let mut window = 64 * 1024;
        loop {
            let buf = self.src.read_range(offset, window)?;
            let at_end = offset + buf.len() as u64 >= self.src.len();
            match parse_table(&buf, self.opts.max_depth) {
                Ok((entries, trailer, end)) => {
                    return Ok(XrefSection {
                        offset,
                        kind: XrefKind::Table,
                        trailer,
                        entries,
                        end: offset + end as u64,
                    });
                }
                Err(PErr::Eof) if !at_end && window < self.opts.max_object_bytes => window *= 4,
                Err(e) => return Err(e.into_error(offset, at_end)),
            }
        }
    }

    /// Reads `num gen obj ... endobj` at `offset`; checks the header against `expect`.
    pub(crate) fn read_object_at(
        &self,
        offset: u64,
        expect: Option<ObjRef>,
    ) -> Result<(ObjRef, Object)> {
        // A source in memory is borrowed (`read_range`) whole up to the
        // object size limit: parsed where it is, never again in a larger window.
        let mut window = if self.src.as_slice().is_some() {
            self.opts.max_object_bytes
        } else {
            4096
        };
        let (r, obj, stream_start) = loop {
            let buf = self.src.read_range(offset, window)?;
            let at_end = offset + buf.len() as u64 >= self.src.len();
            let mut p = Parser::new(&buf, self.opts.max_depth);
            let res = (|| {
                let r = p.indirect_header()?;
                let obj = p.object(0)?;
                p.skip_ws();
                let save = p.pos;
                let kw = p.regular_token();
                match (kw, &obj) {
                    (Ok(b"stream"), Object::Dict(_)) => {
                        // stream keyword, then CRLF or LF (a lone CR tolerated)
                        match p.buf.get(p.pos) {
                            Some(b'\r') => {
                                p.pos += 1;
                                if p.buf.get(p.pos) == Some(&b'\n') {
                                    p.pos += 1;
                                }
                            }
                            Some(b'\n') => p.pos += 1,
                            None => return Err(PErr::Eof),
                            _ => {}
                        }
                        Ok((r, obj, Some(p.pos)))
                    }
                    (Ok(b"endobj"), _) => Ok((r, obj, None)),
                    (Err(PErr::Eof), _) if p.pos >= p.buf.len() => Err(PErr::Eof),
                    _ if self.opts.repair => Ok((r, obj, None)),
                    _ => Err(PErr::Syntax(
                        save,
                        "expected 'endobj' after the object".into(),
                    )),
                }
            })();
            match res {
                Ok(v) => break v,
                Err(PErr::Eof) if !at_end && window < self.opts.max_object_bytes => window *= 4,
                Err(e) => return Err(e.into_error(offset, at_end)),
            }
        };
        if let Some(want) = expect
            && (want.num != r.num || want.gen_ != r.gen_)
        {
            return Err(Error::Structure(format!(
                "the cross-reference entry for object {} points at object {} (byte {offset})",
                want.num, r.num
            )));
        }
        let Some(rel) = stream_start else {
            return Ok((r, obj));
        };
        let Object::Dict(dict) = obj else {
            return Err(Error::Structure("stream without dictionary".into()));
        };
        let data_start = offset + rel as u64;
        let len = self.stream_length(&dict, data_start)?;
        Ok((
            r,
            Object::Stream(Stream {
                dict,
                data: StreamData::InFile {
                    offset: data_start,
                    len,
                },
            }),
        ))
    }

    fn stream_length(&self, dict: &Dict, data_start: u64) -> Result<u64> {
        let declared = match dict.get("Length") {
            Some(Object::Int(n)) if *n >= 0 => Some(*n as u64),
            Some(Object::Ref(r)) => match self.get(*r) {
                Ok(Object::Int(n)) if n >= 0 => Some(n as u64),
                Ok(_) | Err(_) if self.opts.repair => None,
                Ok(_) => {
                    return Err(Error::Structure(
                        "stream /Length is not a non-negative integer".into(),
                    ));
                }
                Err(e) => return Err(e),
            },
            _ if self.opts.repair => None,
            _ => return Err(Error::Structure("stream without a valid /Length".into())),
        };
        if let Some(len) = declared {
            let end = data_start.saturating_add(len);
            if end <= self.src.len() {
                let after = self.src.read_range(end, 32)?;
                let lead = after
                    .iter()
                    .take_while(|b| parse::is_whitespace(**b))
                    .count();
                if after[lead..].starts_with(b"endstream") {
                    return Ok(len);
                }
            }
            if !self.opts.repair {
                return Err(Error::Structure(format!(
                    "stream at byte {data_start}: 'endstream' is not where /Length says"
                )));
            }
        }
        // Repair: find the next `endstream` and trim the end-of-line before it.
        let limit = self.opts.decode.max_decoded as u64;
        let end = data_start.saturating_add(limit).min(self.src.len());
        let mut found = None;
        let mut carry: Vec<u8> = Vec::new();
        let mut base = data_start;
        for_each_chunk(&self.src, data_start..end, |chunk| {
            if found.is_some() {
                return Ok(());
            }
            let mut hay = std::mem::take(&mut carry);
            let hay_start = base - hay.len() as u64;
            hay.extend_from_slice(chunk);
            if let Some(i) = parse::find(&hay, b"endstream") {
                found = Some(hay_start + i as u64);
            }
            base += chunk.len() as u64;
            carry = hay[hay.len().saturating_sub(8)..].to_vec();
            Ok(())
        })?;
        let pos = found.ok_or_else(|| Error::Truncated("a stream has no 'endstream'".into()))?;
        let before = self
            .src
            .read_range(pos.saturating_sub(2).max(data_start), 2)?;
        let mut len = pos - data_start;
        if before.ends_with(b"\r\n") {
            len = len.saturating_sub(2);
        } else if before.ends_with(b"\n") || before.ends_with(b"\r") {
            len = len.saturating_sub(1);
        }
        Ok(len)
    }

    fn object_from_stream(&self, stream: u32, index: u32, num: u32) -> Result<Object> {
        let cached = self.objstm_cache.borrow().get(&stream).cloned();
        let stm = match cached {
            Some(s) => s,
            None => {
                let s = Rc::new(self.load_objstm(stream)?);
                let mut cache = self.objstm_cache.borrow_mut();
                if cache.len() >= 16 {
                    cache.clear();
                }
                cache.insert(stream, s.clone());
                s
            }
        };
        let (n, off) = *stm.index.get(index as usize).ok_or_else(|| {
            Error::Structure(format!("object stream {stream} has no index {index}"))
        })?;
        if n != num {
            return Err(Error::Structure(format!(
                "object stream {stream} holds object {n} where {num} was expected"
            )));
        }
        let mut p = Parser::new(&stm.data[off..], self.opts.max_depth);
        p.object(0).map_err(|e| e.into_error(0, true))
    }

    fn load_objstm(&self, stream: u32) -> Result<ObjStm> {
        let Object::Stream(s) = self.get(ObjRef::new(stream, 0))? else {
            return Err(Error::Structure(format!(
                "object {stream} is not an object stream"
            )));
        };
        if s.dict.get_name("Type") != Some(b"ObjStm") {
            return Err(Error::Structure(format!(
                "object {stream} is not /Type /ObjStm"
            )));
        }
        let n = s.dict.get_int("N").filter(|n| (0..=1_000_000).contains(n));
        let first = s.dict.get_int("First").filter(|f| *f >= 0);
        let (Some(n), Some(first)) = (n, first) else {
            return Err(Error::Structure(format!(
                "object stream {stream} lacks valid /N and /First"
            )));
        };
        let data = self.decode_stream(&s)?;
        let first = first as usize;
        if first > data.len() {
            return Err(Error::Structure(format!(
                "object stream {stream}: /First is past its data"
            )));
        }
        let mut p = Parser::new(&data[..first], 2);
        let mut index = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let num = p.uint().map_err(|e| e.into_error(0, true))?;
            let off = p.uint().map_err(|e| e.into_error(0, true))?;
            let at = first
                .checked_add(off as usize)
                .filter(|a| *a < data.len())
                .ok_or_else(|| {
                    Error::Structure(format!("object stream {stream}: offset out of range"))
                })?;
            let num = u32::try_from(num)
                .map_err(|_| Error::Structure("object number out of range".into()))?;
            index.push((num, at));
        }
        Ok(ObjStm { data, index })
    }

    // ---- repair ----

    /// Offsets of every `num gen obj` in the file (last occurrence wins).
    fn scan(&self) -> Result<&BTreeMap<u32, u64>> {
        if let Some(s) = self.scanned.get() {
            return Ok(s);
        }
        let mut found = BTreeMap::new();
        let mut carry: Vec<u8> = Vec::new();
        let mut base = 0u64;
        for_each_chunk(&self.src, 0..self.src.len(), |chunk| {
            let hay_start = base - carry.len() as u64;
            let mut hay = std::mem::take(&mut carry);
            hay.extend_from_slice(chunk);
            let mut i = 0;
            while let Some(k) = parse::find(&hay[i..], b" obj") {
                let kw = i + k + 1;
                if let Some((num, start)) = parse::object_header_before(&hay, kw) {
                    found.insert(num, hay_start + start as u64);
                }
                i = kw + 3;
            }
            base += chunk.len() as u64;
            carry = hay[hay.len().saturating_sub(48)..].to_vec();
            Ok(())
        })?;
        Ok(self.scanned.get_or_init(|| found))
    }

    /// Rebuilds the cross-reference data from a scan of the file.
    fn reconstruct(&mut self) -> Result<()> {
        let scanned = self.scan()?.clone();
        let mut entries: BTreeMap<u32, Entry> = BTreeMap::new();
        let mut trailer: Option<Dict> = None;
        let mut catalog: Option<ObjRef> = None;
        for (&num, &offset) in &scanned {
            let Ok((r, obj)) = self.read_object_at(offset, None) else {
                continue;
            };
            entries.insert(
                num,
                Entry::InFile {
                    offset,
                    gen_: r.gen_,
                },
            );
            if let Some(d) = obj.as_dict() {
                match d.get_name("Type") {
                    Some(b"Catalog") => catalog = Some(r),
                    Some(b"XRef") if d.get("Root").is_some() => trailer = Some(d.clone()),
                    _ => {}
                }
            }
        }
        self.entries = entries;
        // Objects inside object streams, where the scan found the streams.
        let streams: Vec<u32> = self.entries.keys().copied().collect();
        for s in streams {
            if let Ok(stm) = self.load_objstm(s) {
                for (i, (num, _)) in stm.index.iter().enumerate() {
                    self.entries.entry(*num).or_insert(Entry::InStream {
                        stream: s,
                        index: i as u32,
                    });
                }
            }
        }
        // The last classic trailer wins over one found in an xref stream.
        if let Some(t) = self.last_trailer_dict()? {
            trailer = Some(t);
        }
        let mut trailer = trailer.unwrap_or_default();
        if trailer.get("Root").is_none() {
            let root =
                catalog.ok_or_else(|| Error::Structure("no document catalog found".into()))?;
            trailer.set("Root", root);
        }
        for k in [
            "Prev",
            "XRefStm",
            "Type",
            "W",
            "Index",
            "Filter",
            "DecodeParms",
            "Length",
        ] {
            trailer.remove(k);
        }
        trailer.set(
            "Size",
            Object::Int(i64::from(
                self.entries.keys().next_back().map_or(1, |n| n + 1),
            )),
        );
        self.trailer = trailer;
        self.sections.clear();
        self.repaired.set(true);
        self.objstm_cache.borrow_mut().clear();
        Ok(())
    }

    fn last_trailer_dict(&self) -> Result<Option<Dict>> {
        let len = self.src.len();
        let tail_len = (len as usize).min(1024 * 1024);
        let tail = self.src.read_range(len - tail_len as u64, tail_len)?;
        let Some(i) = parse::rfind(&tail, b"trailer") else {
            return Ok(None);
        };
        let mut p = Parser::new(&tail[i + 7..], self.opts.max_depth);
        p.skip_ws();
        match p.object(0) {
            Ok(Object::Dict(d)) => Ok(Some(d)),
            _ => Ok(None),
        }
    }
}

fn repairable(e: &Error) -> bool {
    matches!(
        e,
        Error::Structure(_) | Error::Syntax { .. } | Error::Truncated(_)
    )
}

/// A parsed table: entries, trailer, and where the trailer ends.
type Table = (Vec<(u32, Entry)>, Dict, usize);

fn parse_table(buf: &[u8], max_depth: usize) -> Result<Table, PErr> {
    let mut p = Parser::new(buf, max_depth);
    p.keyword(b"xref")?;
    let mut entries = Vec::new();
    loop {
        p.skip_ws();
        if p.buf[p.pos..].starts_with(b"trailer") {
            p.pos += 7;
            p.skip_ws();
            if p.peek()? != b'<' {
                return Err(PErr::Syntax(
                    p.pos,
                    "expected the trailer dictionary".into(),
                ));
            }
            let Object::Dict(d) = p.object(0)? else {
                return Err(PErr::Syntax(
                    p.pos,
                    "the trailer is not a dictionary".into(),
                ));
            };
            return Ok((entries, d, p.pos));
        }
        if p.pos + 7 > p.buf.len() {
            return Err(PErr::Eof);
        }
        let start = p.uint()?;
        let count = p.uint()?;
        if start + count > u64::from(u32::MAX) || count > 50_000_000 {
            return Err(PErr::Syntax(
                p.pos,
                "cross-reference subsection out of range".into(),
            ));
        }
        for i in 0..count {
            let off = p.uint()?;
            let gen_ = p.uint()?;
            p.skip_ws();
            let at = p.pos;
            let kind = p.regular_token()?;
            let e = match kind {
                b"n" => Entry::InFile {
                    offset: off,
                    gen_: gen_.min(u64::from(u16::MAX)) as u16,
                },
                b"f" => Entry::Free,
                _ => {
                    return Err(PErr::Syntax(
                        at,
                        "cross-reference entry is neither 'n' nor 'f'".into(),
                    ));
                }
            };
            entries.push(((start + i) as u32, e));
        }
    }
}

fn merge(sections: &[XrefSection]) -> BTreeMap<u32, Entry> {
    let mut out = BTreeMap::new();
    for s in sections {
        for (num, e) in &s.entries {
            out.entry(*num).or_insert(*e);
        }
    }
    // Object 0 is the head of the free list, never an object.
    out.remove(&0);
    out
}
