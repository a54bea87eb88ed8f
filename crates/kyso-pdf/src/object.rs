//! The PDF object model (ISO 32000-1 §7.3) and its serialisation.
//!
//! Dictionaries keep their key order, so an object read and written again
//! differs only where Kyso changed it.

use std::fmt::Write as _;

/// An indirect reference `num gen R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// Object number.
    pub num: u32,
    /// Generation number.
    pub gen_: u16,
}

impl ObjRef {
    /// A reference to object `num` generation `gen_`.
    pub const fn new(num: u32, gen_: u16) -> Self {
        Self { num, gen_ }
    }
}

/// A PDF name, stored without the leading slash and with `#xx` decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(pub Vec<u8>);

impl Name {
    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(s.as_bytes().to_vec())
    }
}

/// A string object: its bytes, and whether it was written in hex form.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfString {
    /// Decoded bytes.
    pub bytes: Vec<u8>,
    /// Written as `<hex>` rather than `(literal)`.
    pub hex: bool,
}

impl PdfString {
    /// A text string (ISO 32000-1 §7.9.2.2): plain bytes when the text is
    /// printable ASCII, UTF-16BE with a byte-order mark otherwise (Vietnamese).
    pub fn text(s: &str) -> Self {
        let bytes = if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            s.as_bytes().to_vec()
        } else {
            let mut v = vec![0xfe, 0xff];
            for u in s.encode_utf16() {
                v.extend_from_slice(&u.to_be_bytes());
            }
            v
        };
        Self { bytes, hex: false }
    }

    /// Decodes a text string (UTF-16BE with BOM, UTF-8 with BOM, else Latin-1-ish).
    pub fn to_text(&self) -> String {
        let b = &self.bytes;
        if b.len() >= 2 && b[0] == 0xfe && b[1] == 0xff {
            let units: Vec<u16> = b[2..]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else if b.starts_with(&[0xef, 0xbb, 0xbf]) {
            String::from_utf8_lossy(&b[3..]).into_owned()
        } else {
            b.iter().map(|&c| c as char).collect()
        }
    }
}

/// Where a stream's (still encoded) data is.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamData {
    /// In the source file: absolute offset and length of the raw data.
    InFile {
        /// Offset of the first data byte.
        offset: u64,
        /// Number of raw bytes.
        len: u64,
    },
    /// In memory (streams built by Kyso, or decoded from an object stream).
    Bytes(Vec<u8>),
}

/// A stream: dictionary plus raw (encoded) data.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// The stream dictionary (`/Length` is rewritten on output).
    pub dict: Dict,
    /// The encoded data.
    pub data: StreamData,
}

/// A dictionary that keeps insertion order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dict(Vec<(Name, Object)>);

impl Dict {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The value for `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Object> {
        self.0
            .iter()
            .find(|(k, _)| k.0 == key.as_bytes())
            .map(|(_, v)| v)
    }

    /// Sets `key` to `value`, replacing an existing entry in place.
    pub fn set(&mut self, key: &str, value: impl Into<Object>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k.0 == key.as_bytes()) {
            Some(entry) => entry.1 = value,
            None => self.0.push((Name::from(key), value)),
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Object> {
        let i = self.0.iter().position(|(k, _)| k.0 == key.as_bytes())?;
        Some(self.0.remove(i).1)
    }

    /// Appends an entry read from a file (duplicates keep the first value,
    /// as most readers do).
    pub(crate) fn push_raw(&mut self, key: Name, value: Object) {
        if !self.0.iter().any(|(k, _)| *k == key) {
            self.0.push((key, value));
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Name, &Object)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The name stored under `key`, if it is a name.
    pub fn get_name(&self, key: &str) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(&n.0),
            _ => None,
        }
    }

    /// The integer stored under `key`, if it is an integer.
    pub fn get_int(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Builds a dictionary from pairs.
    pub fn from_pairs<const N: usize>(pairs: [(&str, Object); N]) -> Self {
        let mut d = Dict::new();
        for (k, v) in pairs {
            d.set(k, v);
        }
        d
    }
}

/// Any PDF object.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    String(PdfString),
    Name(Name),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Stream),
    Ref(ObjRef),
}

impl Object {
    /// A name object.
    pub fn name(s: &str) -> Self {
        Object::Name(Name::from(s))
    }

    /// The dictionary of a dictionary or stream.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    /// The number, integer or real.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }
}

impl From<Dict> for Object {
    fn from(d: Dict) -> Self {
        Object::Dict(d)
    }
}
impl From<ObjRef> for Object {
    fn from(r: ObjRef) -> Self {
        Object::Ref(r)
    }
}
impl From<i64> for Object {
    fn from(i: i64) -> Self {
        Object::Int(i)
    }
}
impl From<Vec<Object>> for Object {
    fn from(v: Vec<Object>) -> Self {
        Object::Array(v)
    }
}
impl From<PdfString> for Object {
    fn from(s: PdfString) -> Self {
        Object::String(s)
    }
}

/// Serialises objects to PDF syntax.
pub(crate) mod write {
    use super::*;

    fn is_regular(b: u8) -> bool {
        !matches!(
            b,
            b'\0'
                | b'\t'
                | b'\n'
                | b'\x0c'
                | b'\r'
                | b' '
                | b'('
                | b')'
                | b'<'
                | b'>'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'/'
                | b'%'
                | b'#'
        ) && (0x21..0x7f).contains(&b)
    }

    /// Writes a real without exponent, in the shortest form that reads back
    /// as the same number: a rewritten object must equal the original
    /// exactly (the verifier compares them).
    pub fn real(out: &mut Vec<u8>, r: f64) {
        let r = if r.is_finite() { r } else { 0.0 };
        // `Display` for f64 never uses an exponent and round-trips exactly.
        let s = if r == 0.0 {
            "0".to_string()
        } else {
            format!("{r}")
        };
        out.extend_from_slice(s.as_bytes());
    }

    /// Writes `/Name` with `#xx` escapes where needed.
    pub fn name(out: &mut Vec<u8>, n: &[u8]) {
        out.push(b'/');
        for &b in n {
            if is_regular(b) {
                out.push(b);
            } else {
                let _ = write!(HexSink(out), "#{b:02X}");
            }
        }
    }

    struct HexSink<'a>(&'a mut Vec<u8>);
    impl std::fmt::Write for HexSink<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }

    /// Writes a string in literal or hex form.
    pub fn string(out: &mut Vec<u8>, s: &PdfString) {
        if s.hex {
            out.push(b'<');
            for b in &s.bytes {
                let _ = write!(HexSink(out), "{b:02X}");
            }
            out.push(b'>');
            return;
        }
        out.push(b'(');
        for &b in &s.bytes {
            match b {
                b'(' | b')' | b'\\' => {
                    out.push(b'\\');
                    out.push(b);
                }
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\n' => out.extend_from_slice(b"\\n"),
                _ => out.push(b),
            }
        }
        out.push(b')');
    }

    /// Writes any direct object. Streams must go through [`indirect`].
    pub fn object(out: &mut Vec<u8>, o: &Object) {
        match o {
            Object::Null => out.extend_from_slice(b"null"),
            Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Object::Real(r) => real(out, *r),
            Object::String(s) => string(out, s),
            Object::Name(n) => name(out, &n.0),
            Object::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    object(out, item);
                }
                out.push(b']');
            }
            Object::Dict(d) => dict(out, d),
            // A stream can only be an indirect object; as a direct value it is
            // written as its dictionary (never happens for objects Kyso builds).
            Object::Stream(s) => dict(out, &s.dict),
            Object::Ref(r) => {
                out.extend_from_slice(format!("{} {} R", r.num, r.gen_).as_bytes());
            }
        }
    }

    /// Writes a dictionary.
    pub fn dict(out: &mut Vec<u8>, d: &Dict) {
        out.extend_from_slice(b"<<");
        for (k, v) in d.iter() {
            name(out, &k.0);
            out.push(b' ');
            object(out, v);
        }
        out.extend_from_slice(b">>");
    }

    /// Writes `num gen obj ... endobj\n`; stream data must be in memory.
    pub fn indirect(out: &mut Vec<u8>, r: ObjRef, o: &Object) {
        out.extend_from_slice(format!("{} {} obj\n", r.num, r.gen_).as_bytes());
        match o {
            Object::Stream(s) => {
                let data: &[u8] = match &s.data {
                    StreamData::Bytes(b) => b,
                    StreamData::InFile { .. } => &[],
                };
                let mut d = s.dict.clone();
                d.set("Length", Object::Int(data.len() as i64));
                dict(out, &d);
                out.extend_from_slice(b"\nstream\n");
                out.extend_from_slice(data);
                out.extend_from_slice(b"\nendstream");
            }
            other => object(out, other),
        }
        out.extend_from_slice(b"\nendobj\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_use_utf16_only_when_needed() {
        assert_eq!(PdfString::text("Sign").bytes, b"Sign", "ASCII stays plain");
        let vi = PdfString::text("Ủy ban");
        assert_eq!(
            &vi.bytes[..2],
            &[0xfe, 0xff],
            "Vietnamese needs UTF-16BE with BOM"
        );
        assert_eq!(vi.to_text(), "Ủy ban", "text round-trips through UTF-16BE");
    }

    #[test]
    fn names_and_strings_are_escaped() {
        let mut out = Vec::new();
        write::name(&mut out, b"A B#");
        assert_eq!(
            out, b"/A#20B#23",
            "space and # must be hex-escaped in names"
        );
        out.clear();
        write::string(
            &mut out,
            &PdfString {
                bytes: b"a(b)\\".to_vec(),
                hex: false,
            },
        );
        assert_eq!(out, b"(a\\(b\\)\\\\)", "parens and backslash are escaped");
    }

    #[test]
    fn reals_have_no_exponent_and_read_back_exactly() {
        let mut out = Vec::new();
        write::real(&mut out, 12.5);
        out.push(b' ');
        write::real(&mut out, 3.0);
        out.push(b' ');
        write::real(&mut out, -0.0);
        assert_eq!(
            out, b"12.5 3 0",
            "short forms, no exponent, no negative zero"
        );
        for v in [
            841.889763779528_f64,
            595.303937007874,
            1e-9,
            123456789.123,
            -0.25,
        ] {
            let mut o = Vec::new();
            write::real(&mut o, v);
            let text = String::from_utf8(o).expect("ascii");
            assert!(
                !text.contains('e') && !text.contains('E'),
                "PDF has no exponent syntax: {text}"
            );
            assert_eq!(
                text.parse::<f64>().expect("a number"),
                v,
                "{v} reads back exactly"
            );
        }
    }
}
