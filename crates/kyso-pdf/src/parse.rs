//! Tokenising and parsing PDF objects (ISO 32000-1 §7.2, §7.3) from a byte
//! window of the file.
//!
//! The parser never guesses: anything outside the syntax is an error with the
//! absolute offset. Running out of window is reported separately
//! ([`PErr::Eof`]) so the reader can fetch a larger window instead of loading
//! the whole file.

use crate::error::Error;
use crate::object::{Dict, Name, ObjRef, Object, PdfString};

/// Parse failure inside a window.
#[derive(Debug)]
pub(crate) enum PErr {
    /// The window ended before the object did.
    Eof,
    /// Syntax error at a window-relative position.
    Syntax(usize, String),
    /// Nesting deeper than the limit.
    Depth(usize),
}

impl PErr {
    /// Converts to the crate error, given the window's absolute offset.
    pub(crate) fn into_error(self, base: u64, at_file_end: bool) -> Error {
        match self {
            PErr::Eof if at_file_end => {
                Error::Truncated("an object runs past the end of the file".into())
            }
            PErr::Eof => Error::Limit("an object is larger than the parser's window limit".into()),
            PErr::Syntax(pos, m) => Error::syntax(base + pos as u64, m),
            PErr::Depth(pos) => Error::Limit(format!(
                "objects nested too deeply at byte {}",
                base + pos as u64
            )),
        }
    }
}

pub(crate) type PResult<T> = Result<T, PErr>;

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A cursor over a window of bytes.
pub(crate) struct Parser<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
    max_depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(buf: &'a [u8], max_depth: usize) -> Self {
        Self {
            buf,
            pos: 0,
            max_depth,
        }
    }

    fn err<T>(&self, m: impl Into<String>) -> PResult<T> {
        Err(PErr::Syntax(self.pos, m.into()))
    }

    pub fn peek(&self) -> PResult<u8> {
        self.buf.get(self.pos).copied().ok_or(PErr::Eof)
    }

    /// Skips whitespace and comments.
    pub fn skip_ws(&mut self) {
        while let Some(&b) = self.buf.get(self.pos) {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(&c) = self.buf.get(self.pos) {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a run of regular characters (a keyword or number token).
    pub fn regular_token(&mut self) -> PResult<&'a [u8]> {
        let start = self.pos;
        while let Some(&b) = self.buf.get(self.pos) {
            if !is_regular(b) {
                return Ok(&self.buf[start..self.pos]);
            }
            self.pos += 1;
        }
        // A token touching the window's end may continue beyond it.
        Err(PErr::Eof)
    }

    /// Expects the keyword `kw` (after optional whitespace).
    pub fn keyword(&mut self, kw: &[u8]) -> PResult<()> {
        self.skip_ws();
        let at = self.pos;
        let tok = self.regular_token()?;
        if tok == kw {
            Ok(())
        } else {
            Err(PErr::Syntax(
                at,
                format!(
                    "expected '{}', found '{}'",
                    String::from_utf8_lossy(kw),
                    String::from_utf8_lossy(&tok[..tok.len().min(20)])
                ),
            ))
        }
    }

    /// Reads an unsigned integer token.
    pub fn uint(&mut self) -> PResult<u64> {
        self.skip_ws();
        let at = self.pos;
        let tok = self.regular_token()?;
        parse_uint(tok).ok_or_else(|| {
            PErr::Syntax(
                at,
                format!(
                    "expected an unsigned integer, found '{}'",
                    String::from_utf8_lossy(&tok[..tok.len().min(20)])
                ),
            )
        })
    }

    /// Parses `num gen obj`.
    pub fn indirect_header(&mut self) -> PResult<ObjRef> {
        let num = self.uint()?;
        let gen_ = self.uint()?;
        self.keyword(b"obj")?;
        match (u32::try_from(num), u16::try_from(gen_)) {
            (Ok(num), Ok(gen_)) => Ok(ObjRef { num, gen_ }),
            _ => self.err("object number or generation out of range"),
        }
    }

    /// Parses one object at the cursor.
    pub fn object(&mut self, depth: usize) -> PResult<Object> {
        if depth > self.max_depth {
            return Err(PErr::Depth(self.pos));
        }
        self.skip_ws();
        let b = self.peek()?;
        match b {
            b'/' => Ok(Object::Name(self.name()?)),
            b'(' => Ok(Object::String(self.literal_string()?)),
            b'<' => {
                if self.buf.get(self.pos + 1) == Some(&b'<') {
                    Ok(Object::Dict(self.dict(depth)?))
                } else if self.pos + 1 >= self.buf.len() {
                    Err(PErr::Eof)
                } else {
                    Ok(Object::String(self.hex_string()?))
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_ref(),
            _ if is_regular(b) => {
                let at = self.pos;
                let tok = self.regular_token()?;
                match tok {
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    b"null" => Ok(Object::Null),
                    _ => Err(PErr::Syntax(
                        at,
                        format!(
                            "unexpected keyword '{}'",
                            String::from_utf8_lossy(&tok[..tok.len().min(20)])
                        ),
                    )),
                }
            }
            _ => self.err(format!("unexpected byte 0x{b:02x}")),
        }
    }

    pub fn dict(&mut self, depth: usize) -> PResult<Dict> {
        if depth > self.max_depth {
            return Err(PErr::Depth(self.pos));
        }
        self.pos += 2; // <<
        let mut d = Dict::new();
        loop {
            self.skip_ws();
            match self.peek()? {
                b'>' => {
                    if self.buf.get(self.pos + 1) == Some(&b'>') {
                        self.pos += 2;
                        return Ok(d);
                    }
                    if self.pos + 1 >= self.buf.len() {
                        return Err(PErr::Eof);
                    }
                    return self.err("expected '>>'");
                }
                b'/' => {
                    let key = self.name()?;
                    let value = self.object(depth + 1)?;
                    d.push_raw(key, value);
                }
                _ => return self.err("dictionary key is not a name"),
            }
        }
    }

    fn name(&mut self) -> PResult<Name> {
        self.pos += 1; // '/'
        let tok = self.regular_token()?;
        let mut out = Vec::with_capacity(tok.len());
        let mut i = 0;
        while i < tok.len() {
            if tok[i] == b'#' {
                let hex = tok.get(i + 1..i + 3).and_then(|h| {
                    let s = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(s, 16).ok()
                });
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => return self.err("bad #xx escape in name"),
                }
            } else {
                out.push(tok[i]);
                i += 1;
            }
        }
        Ok(Name(out))
    }

    fn number_or_ref(&mut self) -> PResult<Object> {
        let at = self.pos;
        let tok = self.regular_token()?;
        let num = parse_number(tok).ok_or_else(|| {
            PErr::Syntax(
                at,
                format!(
                    "bad number '{}'",
                    String::from_utf8_lossy(&tok[..tok.len().min(20)])
                ),
            )
        })?;
        let Object::Int(first) = num else {
            return Ok(num);
        };
        // `num gen R`: look ahead without consuming unless it matches.
        if first >= 0 {
            let save = self.pos;
            self.skip_ws();
            if let Ok(tok2) = self.regular_token()
                && let Some(gen_) = parse_uint(tok2)
            {
                self.skip_ws();
                if let Ok(b"R") = self.regular_token() {
                    return match (u32::try_from(first), u16::try_from(gen_)) {
                        (Ok(num), Ok(gen_)) => Ok(Object::Ref(ObjRef { num, gen_ })),
                        _ => Err(PErr::Syntax(at, "reference out of range".into())),
                    };
                }
            }
            // Only a window end inside the look-ahead is worth a retry with
            // more bytes; a mismatch just means "a plain integer".
            if self.pos >= self.buf.len() {
                return Err(PErr::Eof);
            }
            self.pos = save;
        }
        Ok(num)
    }

    fn literal_string(&mut self) -> PResult<PdfString> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut nesting = 1usize;
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    nesting -= 1;
                    if nesting == 0 {
                        return Ok(PdfString {
                            bytes: out,
                            hex: false,
                        });
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'(' | b')' | b'\\' => out.push(e),
                        b'\r' => {
                            if self.peek()? == b'\n' {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek()? {
                                    d @ b'0'..=b'7' => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        // An unknown escape drops the backslash (§7.3.4.2).
                        other => out.push(other),
                    }
                }
                b'\r' => {
                    // End-of-line in a literal is always read as \n.
                    if self.peek()? == b'\n' {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> PResult<PdfString> {
        self.pos += 1; // '<'
        // Up to the '>' (or the window's end: more may follow), two digits
        // a byte, whitespace ignored. Signature contents are tens of
        // thousands of digits: one pass over the slice, one allocation.
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let close = rest.iter().position(|&b| b == b'>');
        let digits = &rest[..close.unwrap_or(rest.len())];
        let mut out = Vec::with_capacity(digits.len() / 2 + 1);
        let mut hi: Option<u8> = None;
        let mut i = 0;
        while i < digits.len() {
            // Two digits at once while there is no half byte pending.
            if hi.is_none()
                && let Some(&[a, b]) = digits.get(i..i + 2)
                && let Some(byte) = hex_pair(a, b)
            {
                out.push(byte);
                i += 2;
                continue;
            }
            let b = digits[i];
            let v = match HEX_VALUE[b as usize] {
                v @ 0..16 => v,
                _ if is_whitespace(b) => {
                    i += 1;
                    continue;
                }
                _ => {
                    self.pos += i;
                    return self.err("non-hex character in hex string");
                }
            };
            match hi.take() {
                Some(h) => out.push(h << 4 | v),
                None => hi = Some(v),
            }
            i += 1;
        }
        let Some(close) = close else {
            self.pos = self.buf.len();
            return Err(PErr::Eof);
        };
        if let Some(h) = hi {
            out.push(h << 4);
        }
        self.pos += close + 1;
        Ok(PdfString {
            bytes: out,
            hex: true,
        })
    }
}

/// The value of each hex digit; 0xff for every other byte.
static HEX_VALUE: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        t[b"0123456789abcdef"[i] as usize] = i as u8;
        t[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The byte two hex digits stand for.
pub(crate) fn hex_pair(hi: u8, lo: u8) -> Option<u8> {
    match (HEX_VALUE[hi as usize], HEX_VALUE[lo as usize]) {
        (h @ 0..16, l @ 0..16) => Some(h << 4 | l),
        _ => None,
    }
}

pub(crate) fn parse_uint(tok: &[u8]) -> Option<u64> {
    if tok.is_empty() || tok.len() > 19 || !tok.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(tok).ok()?.parse().ok()
}

fn parse_number(tok: &[u8]) -> Option<Object> {
    let s = std::str::from_utf8(tok).ok()?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    match digits.bytes().filter(|&b| b == b'.').count() {
        0 => s.parse::<i64>().ok().map(Object::Int),
        1 if digits != "." => {
            let mut t = s.to_string();
            if t.ends_with('.') {
                t.push('0');
            }
            t.parse::<f64>().ok().map(Object::Real)
        }
        _ => None,
    }
}

/// Recognises `num gen obj` around the `obj` keyword at `kw` (standing
/// alone: whitespace before it, whitespace or a delimiter after it); returns
/// the object number and where the header starts. Used by the repair scan
/// and by the verifier's search for objects hidden from the xref.
pub(crate) fn object_header_before(hay: &[u8], kw: usize) -> Option<(u32, usize)> {
    if kw == 0 || !is_whitespace(hay[kw - 1]) {
        return None;
    }
    if let Some(&b) = hay.get(kw + 3)
        && !(is_whitespace(b) || is_delimiter(b))
    {
        return None;
    }
    let mut i = kw;
    let skip_ws = |i: &mut usize| {
        while *i > 0 && is_whitespace(hay[*i - 1]) {
            *i -= 1;
        }
    };
    let digits = |i: &mut usize| -> Option<usize> {
        let end = *i;
        while *i > 0 && hay[*i - 1].is_ascii_digit() {
            *i -= 1;
        }
        (end > *i && end - *i <= 10).then_some(end)
    };
    skip_ws(&mut i);
    digits(&mut i)?;
    let before_gen = i;
    skip_ws(&mut i);
    if i == before_gen {
        return None;
    }
    let end = digits(&mut i)?;
    let start = i;
    if start > 0 && !is_whitespace(hay[start - 1]) {
        return None;
    }
    let num = std::str::from_utf8(&hay[start..end]).ok()?.parse().ok()?;
    Some((num, start))
}

/// Finds the last occurrence of `needle` in `hay`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| &hay[i..i + needle.len()] == needle)
}

/// Finds the first occurrence of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    // Candidates are the places of the first byte (a fast scan), not
    // every window.
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        match hay.get(at + 1..at + needle.len()) {
            Some(tail) if tail == rest => return Some(at),
            Some(_) => from = at + 1,
            None => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PResult<Object> {
        Parser::new(s.as_bytes(), 32).object(0)
    }

    #[test]
    fn parses_every_object_kind() {
        let o = parse("<< /Type /Page /Kids [1 0 R 2 0 R] /N 3 /R -1.5 /S (a\\(b\\)) /H <4E6F> /B true /Z null >>")
            .expect("valid dictionary");
        let d = o.as_dict().expect("a dictionary");
        assert_eq!(d.get_name("Type"), Some(&b"Page"[..]), "name value");
        assert_eq!(
            d.get("Kids"),
            Some(&Object::Array(vec![
                Object::Ref(ObjRef::new(1, 0)),
                Object::Ref(ObjRef::new(2, 0))
            ])),
            "references inside arrays"
        );
        assert_eq!(d.get_int("N"), Some(3), "integer");
        assert_eq!(d.get("R"), Some(&Object::Real(-1.5)), "negative real");
        assert_eq!(
            d.get("S"),
            Some(&Object::String(PdfString {
                bytes: b"a(b)".to_vec(),
                hex: false
            })),
            "escaped parens"
        );
        assert_eq!(
            d.get("H"),
            Some(&Object::String(PdfString {
                bytes: b"No".to_vec(),
                hex: true
            })),
            "hex string"
        );
        assert_eq!(d.get("B"), Some(&Object::Bool(true)), "boolean");
        assert_eq!(d.get("Z"), Some(&Object::Null), "null");
    }

    #[test]
    fn integers_followed_by_non_r_stay_integers() {
        let o = parse("[1 2 3]").expect("array");
        assert_eq!(
            o,
            Object::Array(vec![Object::Int(1), Object::Int(2), Object::Int(3)]),
            "1 2 3 is three integers, not a reference"
        );
    }

    #[test]
    fn window_end_is_eof_not_syntax() {
        assert!(
            matches!(parse("<< /A [1 2"), Err(PErr::Eof)),
            "unfinished array needs more bytes"
        );
        assert!(
            matches!(parse("(abc"), Err(PErr::Eof)),
            "unfinished string needs more bytes"
        );
        assert!(
            matches!(parse("<< /A 1 0"), Err(PErr::Eof)),
            "a possible reference at the end needs more bytes"
        );
    }

    #[test]
    fn malformed_input_is_a_syntax_error() {
        assert!(
            matches!(parse("<< 1 2 >>"), Err(PErr::Syntax(..))),
            "keys must be names"
        );
        assert!(
            matches!(parse("<12G4>"), Err(PErr::Syntax(..))),
            "hex strings hold hex digits"
        );
        assert!(
            matches!(parse("endobj "), Err(PErr::Syntax(..))),
            "keywords are not objects"
        );
        assert!(
            matches!(parse("1.2.3 "), Err(PErr::Syntax(..))),
            "two decimal points"
        );
    }

    #[test]
    fn object_headers_are_recognised_only_standing_alone() {
        let hay = b"x\n12 0 obj\n<<>>";
        let kw = find(hay, b"obj").expect("keyword");
        assert_eq!(
            object_header_before(hay, kw),
            Some((12, 2)),
            "number and start of `12 0 obj`"
        );
        assert_eq!(
            object_header_before(b"\n12 0 object", 6),
            None,
            "`object` is not the keyword"
        );
        assert_eq!(
            object_header_before(b"\nx12 0 obj ", 7),
            None,
            "the number must stand alone"
        );
        assert_eq!(
            object_header_before(b"\n12 obj ", 4),
            None,
            "a generation number is required"
        );
    }

    #[test]
    fn hex_strings_ignore_whitespace_pad_odd_digits_and_report_where() {
        let o = parse("<4e 6F\n7>").expect("hex string");
        assert_eq!(
            o,
            Object::String(PdfString {
                bytes: vec![0x4e, 0x6f, 0x70],
                hex: true
            }),
            "whitespace skipped, an odd last digit is followed by 0"
        );
        assert_eq!(
            parse("<>").expect("empty"),
            Object::String(PdfString {
                bytes: vec![],
                hex: true
            }),
            "an empty hex string"
        );
        assert!(
            matches!(parse("<4E6F"), Err(PErr::Eof)),
            "no '>' in the window: more bytes are needed"
        );
        assert!(
            matches!(parse("<4E6FZ"), Err(PErr::Syntax(5, _))),
            "a bad digit is reported where it is, even without a '>'"
        );
        let mut p = Parser::new(b"<41> 7", 32);
        p.object(0).expect("hex string");
        assert_eq!(p.pos, 4, "the parser stands after the '>'");
    }

    #[test]
    fn find_agrees_with_a_plain_search() {
        let plain = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
        let hay = b"ob obj  o objobj endobj xobj ob";
        for needle in [
            &b"obj"[..],
            b"endobj",
            b"o",
            b"ob",
            b"xobj ob",
            b"objx",
            b"bj ob!",
        ] {
            assert_eq!(find(hay, needle), plain(hay, needle), "{needle:?}");
        }
        assert_eq!(find(b"ab", b"abc"), None, "needle longer than the hay");
        assert_eq!(find(b"", b"a"), None, "empty hay");
        assert_eq!(find(b"ab", b""), Some(0), "the empty needle is at 0");
    }

    #[test]
    fn nesting_is_limited() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(
            matches!(parse(&deep), Err(PErr::Depth(_))),
            "100 nested arrays exceed a depth of 32"
        );
    }

    #[test]
    fn literal_string_escapes() {
        let o = parse("(a\\nb\\101\\\nc\r\nd)").expect("string");
        assert_eq!(
            o,
            Object::String(PdfString {
                bytes: b"a\nbAc\nd".to_vec(),
                hex: false
            }),
            "octal escape, line continuation and CRLF normalisation"
        );
    }
}
