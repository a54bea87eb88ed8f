//! BER to DER, for CMS written by signers that use indefinite lengths or
//! constructed strings (X.690 §8 vs §10). Definite minimal lengths, strings
//! flattened to their primitive form, `SET OF` elements sorted. Bounded in
//! depth and size; anything malformed is an error.

/// Normalises one BER value (and nothing after it but zero padding).
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let v = read(input, &mut pos, 0)?;
    if input[pos..].iter().any(|b| *b != 0) {
        return Err("bytes after the CMS structure".into());
    }
    let mut out = Vec::with_capacity(input.len());
    write(&v, &mut out);
    Ok(out)
}

struct Value {
    tag: Vec<u8>,
    content: Content,
}

enum Content {
    Primitive(Vec<u8>),
    Constructed(Vec<Value>),
}

const MAX_DEPTH: usize = 64;

fn read(b: &[u8], pos: &mut usize, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("BER nesting too deep".into());
    }
    let start = *pos;
    let first = *b.get(*pos).ok_or("truncated BER")?;
    *pos += 1;
    if first & 0x1f == 0x1f {
        loop {
            let x = *b.get(*pos).ok_or("truncated BER tag")?;
            *pos += 1;
            if x & 0x80 == 0 {
                break;
            }
            if *pos - start > 6 {
                return Err("BER tag too long".into());
            }
        }
    }
    let tag = b[start..*pos].to_vec();
    let constructed = first & 0x20 != 0;
    let l = *b.get(*pos).ok_or("truncated BER length")?;
    *pos += 1;
    let len: Option<usize> = if l == 0x80 {
        None
    } else if l & 0x80 == 0 {
        Some(usize::from(l))
    } else {
        let n = usize::from(l & 0x7f);
        if n > 4 {
            return Err("BER length too long".into());
        }
        let bytes = b.get(*pos..*pos + n).ok_or("truncated BER length")?;
        *pos += n;
        Some(bytes.iter().fold(0usize, |a, x| a << 8 | usize::from(*x)))
    };
    match (constructed, len) {
        (false, None) => Err("indefinite length on a primitive value".into()),
        (false, Some(n)) => {
            let c = b.get(*pos..*pos + n).ok_or("truncated BER value")?.to_vec();
            *pos += n;
            Ok(Value {
                tag,
                content: Content::Primitive(c),
            })
        }
        (true, Some(n)) => {
            let end = pos
                .checked_add(n)
                .filter(|e| *e <= b.len())
                .ok_or("truncated BER value")?;
            let mut kids = Vec::new();
            while *pos < end {
                kids.push(read(&b[..end], pos, depth + 1)?);
            }
            Ok(normalise(tag, kids))
        }
        (true, None) => {
            let mut kids = Vec::new();
            loop {
                if b.get(*pos..*pos + 2) == Some(&[0, 0]) {
                    *pos += 2;
                    break;
                }
                if *pos >= b.len() {
                    return Err("missing end-of-contents in BER".into());
                }
                kids.push(read(b, pos, depth + 1)?);
            }
            Ok(normalise(tag, kids))
        }
    }
}

/// Constructed universal strings become primitive; SET OF is sorted.
fn normalise(tag: Vec<u8>, kids: Vec<Value>) -> Value {
    let t = tag[0];
    let universal = t & 0xc0 == 0;
    let number = t & 0x1f;
    // OCTET STRING, BIT STRING and character strings in constructed form.
    if universal && tag.len() == 1 && matches!(number, 3 | 4 | 12 | 19 | 20 | 22 | 26 | 30) {
        let mut flat = Vec::new();
        for k in &kids {
            flatten(k, &mut flat);
        }
        return Value {
            tag: vec![t & !0x20],
            content: Content::Primitive(flat),
        };
    }
    if universal && number == 17 {
        let mut enc: Vec<Vec<u8>> = kids
            .iter()
            .map(|k| {
                let mut v = Vec::new();
                write(k, &mut v);
                v
            })
            .collect();
        enc.sort();
        let kids = enc
            .iter()
            .filter_map(|e| {
                let mut p = 0;
                read(e, &mut p, 0).ok()
            })
            .collect();
        return Value {
            tag,
            content: Content::Constructed(kids),
        };
    }
    Value {
        tag,
        content: Content::Constructed(kids),
    }
}

fn flatten(v: &Value, out: &mut Vec<u8>) {
    match &v.content {
        Content::Primitive(c) => out.extend_from_slice(c),
        Content::Constructed(k) => k.iter().for_each(|x| flatten(x, out)),
    }
}

fn write(v: &Value, out: &mut Vec<u8>) {
    out.extend_from_slice(&v.tag);
    let body = match &v.content {
        Content::Primitive(c) => c.clone(),
        Content::Constructed(kids) => {
            let mut b = Vec::new();
            kids.iter().for_each(|k| write(k, &mut b));
            b
        }
    };
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|x| **x == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(&body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_become_definite() {
        // SEQUENCE (indefinite) { INTEGER 1, OCTET STRING constructed { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x01, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0,
            0, 0, 0,
        ];
        let der = to_der(&ber).expect("valid BER");
        assert_eq!(
            der,
            vec![0x30, 0x08, 0x02, 0x01, 0x01, 0x04, 0x03, b'a', b'b', b'c'],
            "definite lengths, flat string"
        );
    }

    #[test]
    fn malformed_ber_is_an_error() {
        assert!(
            to_der(&[0x30, 0x80, 0x02, 0x01]).is_err(),
            "missing end-of-contents"
        );
        assert!(to_der(&[0x02, 0x80, 0, 0]).is_err(), "indefinite primitive");
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(to_der(&deep).is_err(), "nesting is bounded");
        assert!(to_der(&[0x30, 0x00, 0x01]).is_err(), "trailing garbage");
    }

    #[test]
    fn der_stays_der() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x07];
        assert_eq!(
            to_der(&der).expect("der"),
            der.to_vec(),
            "already DER: unchanged"
        );
    }
}
