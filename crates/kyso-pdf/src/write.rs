//! Incremental updates (ISO 32000-1 §7.5.6): new and changed objects appended
//! after the original bytes, which are never rewritten, followed by a
//! cross-reference section of the same kind as the input's.

use std::collections::BTreeMap;

use crate::document::{Document, Entry, XrefKind};
use crate::error::Result;
use crate::object::{Dict, ObjRef, Object, StreamData, write};
use crate::source::Source;

/// Somewhere new objects can be added: an incremental update or a new file.
pub trait ObjectSink {
    /// Adds a new object and returns its reference.
    fn add_object(&mut self, o: Object) -> ObjRef;
}

impl ObjectSink for Update {
    fn add_object(&mut self, o: Object) -> ObjRef {
        self.add(o)
    }
}

/// A new PDF written from scratch (classic xref table).
#[derive(Debug, Default)]
pub struct NewPdf {
    objects: Vec<Object>,
}

impl ObjectSink for NewPdf {
    fn add_object(&mut self, o: Object) -> ObjRef {
        self.objects.push(o);
        ObjRef::new(self.objects.len() as u32, 0)
    }
}

impl NewPdf {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a number for an object set later with [`NewPdf::set`].
    pub fn reserve(&mut self) -> ObjRef {
        self.add_object(Object::Null)
    }

    /// Sets a reserved object.
    pub fn set(&mut self, r: ObjRef, o: Object) {
        if let Some(slot) = self.objects.get_mut(r.num as usize - 1) {
            *slot = o;
        }
    }

    /// Serialises with `root` as the catalog.
    pub fn finish(self, root: ObjRef) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::with_capacity(self.objects.len());
        for (i, o) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            write::indirect(&mut out, ObjRef::new(i as u32 + 1, 0), o);
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f\r\n", offsets.len() + 1).as_bytes(),
        );
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
        }
        let mut trailer = Dict::new();
        trailer.set("Size", Object::Int(self.objects.len() as i64 + 1));
        trailer.set("Root", root);
        out.extend_from_slice(b"trailer\n");
        write::dict(&mut out, &trailer);
        out.extend_from_slice(format!("\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        out
    }
}

/// The objects one incremental update adds or replaces.
#[derive(Debug)]
pub struct Update {
    objects: BTreeMap<ObjRef, Object>,
    next_num: u32,
}

/// An update serialised to bytes, ready to append to the original.
#[derive(Debug)]
pub struct SerializedUpdate {
    /// The bytes to append (they start right after the original's last byte).
    pub bytes: Vec<u8>,
    /// Where each object starts inside `bytes`.
    pub positions: BTreeMap<ObjRef, usize>,
}

impl Update {
    /// An empty update for `doc`; new objects get numbers past the document's.
    pub fn new<S: Source>(doc: &Document<S>) -> Self {
        Self {
            objects: BTreeMap::new(),
            next_num: doc.next_object_number(),
        }
    }

    /// Reserves a new object number.
    pub fn allocate(&mut self) -> ObjRef {
        let r = ObjRef::new(self.next_num, 0);
        self.next_num += 1;
        r
    }

    /// Adds a new object and returns its reference.
    pub fn add(&mut self, o: impl Into<Object>) -> ObjRef {
        let r = self.allocate();
        self.objects.insert(r, o.into());
        r
    }

    /// Sets (adds or replaces) the object `r`.
    pub fn put(&mut self, r: ObjRef, o: impl Into<Object>) {
        self.objects.insert(r, o.into());
    }

    /// Serialises the objects, the cross-reference section and the trailer.
    ///
    /// If the document's cross-reference data had to be repaired, the section
    /// is complete (every object, no `/Prev`), so readers need not repair again.
    pub fn serialize<S: Source>(mut self, doc: &Document<S>) -> Result<SerializedUpdate> {
        let base = doc.source().len();
        let mut out = Vec::new();
        let last = doc.source().read_range(base.saturating_sub(1), 1)?;
        if !matches!(last.first(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut positions = BTreeMap::new();
        for (r, o) in &self.objects {
            positions.insert(*r, out.len());
            write::indirect(&mut out, *r, o);
        }
        let mut entries: BTreeMap<u32, Entry> = BTreeMap::new();
        if doc.repaired() {
            entries.extend(doc.entries().iter().map(|(n, e)| (*n, *e)));
        }
        for (r, pos) in &positions {
            entries.insert(
                r.num,
                Entry::InFile {
                    offset: base + *pos as u64,
                    gen_: r.gen_,
                },
            );
        }
        let compressed = entries
            .values()
            .any(|e| matches!(e, Entry::InStream { .. }));
        let kind = if compressed || (!doc.repaired() && doc.xref_kind() == XrefKind::Stream) {
            XrefKind::Stream
        } else {
            XrefKind::Table
        };
        let mut trailer = Dict::new();
        for key in ["Root", "Info", "ID"] {
            if let Some(v) = doc.trailer().get(key) {
                trailer.set(key, v.clone());
            }
        }
        if !doc.repaired() {
            trailer.set("Prev", Object::Int(doc.startxref() as i64));
        }
        let xref_offset = base + out.len() as u64;
        match kind {
            XrefKind::Table => {
                let size = self.next_num.max(doc.next_object_number());
                trailer.set("Size", Object::Int(i64::from(size)));
                if doc.repaired() {
                    entries.insert(0, Entry::Free);
                }
                out.extend_from_slice(b"xref\n");
                for run in runs(&entries) {
                    out.extend_from_slice(format!("{} {}\n", run[0].0, run.len()).as_bytes());
                    for (num, e) in run {
                        let line = match e {
                            Entry::InFile { offset, gen_ } => {
                                format!("{offset:010} {gen_:05} n\r\n")
                            }
                            _ if num == 0 => "0000000000 65535 f\r\n".to_string(),
                            _ => "0000000000 00001 f\r\n".to_string(),
                        };
                        out.extend_from_slice(line.as_bytes());
                    }
                }
                out.extend_from_slice(b"trailer\n");
                write::dict(&mut out, &trailer);
                out.push(b'\n');
            }
            XrefKind::Stream => {
                let own = self.allocate();
                entries.insert(
                    own.num,
                    Entry::InFile {
                        offset: xref_offset,
                        gen_: 0,
                    },
                );
                let size = self.next_num.max(doc.next_object_number());
                let wide = u64::from(u32::MAX) < base + out.len() as u64 + 1024;
                let ow = if wide { 8 } else { 4 };
                let mut data = Vec::new();
                let mut index = Vec::new();
                for run in runs(&entries) {
                    index.push(Object::Int(i64::from(run[0].0)));
                    index.push(Object::Int(run.len() as i64));
                    for (_, e) in run {
                        let (t, f2, f3) = match e {
                            Entry::Free => (0u8, 0u64, 0u64),
                            Entry::InFile { offset, gen_ } => (1, offset, u64::from(gen_)),
                            Entry::InStream { stream, index } => {
                                (2, u64::from(stream), u64::from(index))
                            }
                        };
                        data.push(t);
                        data.extend_from_slice(&f2.to_be_bytes()[8 - ow..]);
                        data.extend_from_slice(&(f3 as u16).to_be_bytes());
                    }
                }
                trailer.set("Type", Object::name("XRef"));
                trailer.set("Size", Object::Int(i64::from(size)));
                trailer.set("Index", Object::Array(index));
                trailer.set(
                    "W",
                    Object::Array(vec![Object::Int(1), Object::Int(ow as i64), Object::Int(2)]),
                );
                let stream = Object::Stream(crate::object::Stream {
                    dict: trailer,
                    data: StreamData::Bytes(data),
                });
                write::indirect(&mut out, own, &stream);
            }
        }
        out.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        Ok(SerializedUpdate {
            bytes: out,
            positions,
        })
    }
}

/// Groups sorted entries into runs of consecutive object numbers.
fn runs(entries: &BTreeMap<u32, Entry>) -> Vec<Vec<(u32, Entry)>> {
    let mut out: Vec<Vec<(u32, Entry)>> = Vec::new();
    for (n, e) in entries {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(m, _)| m + 1 == *n) => run.push((*n, *e)),
            _ => out.push(vec![(*n, *e)]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    #[test]
    fn runs_split_at_gaps() {
        let mut m = BTreeMap::new();
        for n in [1, 2, 3, 7, 8, 10] {
            m.insert(n, Entry::Free);
        }
        let lens: Vec<usize> = runs(&m).iter().map(Vec::len).collect();
        assert_eq!(lens, vec![3, 2, 1], "1-3, 7-8, 10");
    }

    #[test]
    fn an_update_is_readable_and_keeps_the_original_bytes() {
        let original = crate::testpdf::simple(crate::testpdf::Xref::Table);
        let doc = Document::open(original.clone()).expect("opens");
        let mut up = Update::new(&doc);
        let (root, mut catalog) = doc.catalog().expect("catalog");
        let extra = up.add(Object::Int(42));
        catalog.set("KysoTest", extra);
        up.put(root, catalog);
        let ser = up.serialize(&doc).expect("serialises");
        let mut all = original.clone();
        all.extend_from_slice(&ser.bytes);
        assert_eq!(
            &all[..original.len()],
            &original[..],
            "the original bytes are untouched"
        );
        let doc2 = Document::open(all).expect("the updated file opens strictly");
        let (_, cat2) = doc2.catalog().expect("catalog");
        let r = cat2
            .get("KysoTest")
            .and_then(Object::as_ref)
            .expect("new key present");
        assert_eq!(
            doc2.get(r).expect("reads"),
            Object::Int(42),
            "the new object is reachable"
        );
        assert_eq!(doc2.sections().len(), 2, "one more cross-reference section");
        assert_eq!(
            doc2.xref_kind(),
            XrefKind::Table,
            "same xref kind as the input"
        );
    }

    #[test]
    fn xref_stream_input_gets_an_xref_stream_update() {
        let original = crate::testpdf::simple(crate::testpdf::Xref::Stream);
        let doc = Document::open(original.clone()).expect("opens");
        assert_eq!(
            doc.xref_kind(),
            XrefKind::Stream,
            "fixture uses an xref stream"
        );
        let mut up = Update::new(&doc);
        let (root, catalog) = doc.catalog().expect("catalog");
        up.put(root, catalog);
        let ser = up.serialize(&doc).expect("serialises");
        let mut all = original;
        all.extend_from_slice(&ser.bytes);
        let doc2 = Document::open(all).expect("opens strictly");
        assert_eq!(
            doc2.xref_kind(),
            XrefKind::Stream,
            "the update keeps the stream kind"
        );
        assert_eq!(
            doc2.pages().expect("pages").len(),
            2,
            "pages still readable through objstm"
        );
    }
}
