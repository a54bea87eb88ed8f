//! Stream filters needed to read document structure (ISO 32000-1 §7.4):
//! FlateDecode with PNG/TIFF predictors, ASCIIHexDecode, and no filter.
//! Decoding is bounded by an absolute size and a compression ratio.

use std::io::Read;

use crate::error::{Error, Result};
use crate::object::{Dict, Object};

/// Bounds on decoded stream size.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest decoded stream, in bytes.
    pub max_decoded: usize,
    /// Largest decoded/encoded ratio accepted once the output exceeds 1 MiB.
    pub max_ratio: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_decoded: 64 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// Decodes `data` according to the stream dictionary's `/Filter` and `/DecodeParms`.
pub fn decode(data: &[u8], dict: &Dict, limits: DecodeLimits) -> Result<Vec<u8>> {
    let filters: Vec<&[u8]> = match dict.get("Filter") {
        None | Some(Object::Null) => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_bytes()],
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| match o {
                Object::Name(n) => Ok(n.as_bytes()),
                _ => Err(Error::Structure("/Filter array holds a non-name".into())),
            })
            .collect::<Result<_>>()?,
        Some(_) => {
            return Err(Error::Structure(
                "/Filter is neither a name nor an array".into(),
            ));
        }
    };
    let params: Vec<Option<&Dict>> = match dict.get("DecodeParms") {
        Some(Object::Dict(d)) => vec![Some(d)],
        Some(Object::Array(a)) => a.iter().map(|o| o.as_dict()).collect(),
        _ => Vec::new(),
    };
    let mut cur = data.to_vec();
    for (i, f) in filters.iter().enumerate() {
        let parms = params.get(i).copied().flatten();
        cur = match *f {
            b"FlateDecode" | b"Fl" => {
                let raw = inflate(&cur, limits)?;
                predict(raw, parms)?
            }
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&cur)?,
            other => {
                return Err(Error::Unsupported(format!(
                    "stream filter /{}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    Ok(cur)
}

fn inflate(data: &[u8], limits: DecodeLimits) -> Result<Vec<u8>> {
    let cap = limits
        .max_decoded
        .min(data.len().saturating_mul(limits.max_ratio).max(1 << 20));
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(data).take(cap as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| Error::Structure(format!("FlateDecode data is corrupt: {e}")))?;
    if out.len() > cap {
        return Err(Error::Limit(format!(
            "a compressed stream inflates beyond {cap} bytes ({} compressed)",
            data.len()
        )));
    }
    Ok(out)
}

fn ascii_hex(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut hi: Option<u8> = None;
    for &b in data {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            b'>' => break,
            _ if crate::parse::is_whitespace(b) => continue,
            _ => {
                return Err(Error::Structure(
                    "ASCIIHexDecode data holds a non-hex byte".into(),
                ));
            }
        };
        match hi.take() {
            Some(h) => out.push(h << 4 | v),
            None => hi = Some(v),
        }
    }
    if let Some(h) = hi {
        out.push(h << 4);
    }
    Ok(out)
}

fn predict(data: Vec<u8>, parms: Option<&Dict>) -> Result<Vec<u8>> {
    let Some(p) = parms else { return Ok(data) };
    let predictor = p.get_int("Predictor").unwrap_or(1);
    if predictor <= 1 {
        return Ok(data);
    }
    let colors = p.get_int("Colors").unwrap_or(1);
    let bpc = p.get_int("BitsPerComponent").unwrap_or(8);
    let columns = p.get_int("Columns").unwrap_or(1);
    if !(1..=32).contains(&colors)
        || ![1, 2, 4, 8, 16].contains(&bpc)
        || !(1..=1 << 20).contains(&columns)
    {
        return Err(Error::Structure("invalid predictor parameters".into()));
    }
    let bits_per_pixel = (colors * bpc) as usize;
    let bpp = bits_per_pixel.div_ceil(8);
    let row = (bits_per_pixel * columns as usize).div_ceil(8);
    match predictor {
        2 => {
            if bpc != 8 {
                return Err(Error::Unsupported(
                    "TIFF predictor with other than 8 bits".into(),
                ));
            }
            let mut out = data;
            for line in out.chunks_mut(row) {
                for i in bpp..line.len() {
                    line[i] = line[i].wrapping_add(line[i - bpp]);
                }
            }
            Ok(out)
        }
        10..=15 => {
            let mut out = Vec::with_capacity(data.len());
            let mut prev = vec![0u8; row];
            for chunk in data.chunks(row + 1) {
                if chunk.len() < row + 1 {
                    break; // a short last row is padding in practice
                }
                let ft = chunk[0];
                let mut cur = chunk[1..].to_vec();
                for i in 0..row {
                    let left = if i >= bpp { cur[i - bpp] } else { 0 };
                    let up = prev[i];
                    let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
                    cur[i] = match ft {
                        0 => cur[i],
                        1 => cur[i].wrapping_add(left),
                        2 => cur[i].wrapping_add(up),
                        3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                        4 => cur[i].wrapping_add(paeth(left, up, up_left)),
                        _ => return Err(Error::Structure(format!("unknown PNG row filter {ft}"))),
                    };
                }
                out.extend_from_slice(&cur);
                prev = cur;
            }
            Ok(out)
        }
        _ => Err(Error::Unsupported(format!("predictor {predictor}"))),
    }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Compresses with zlib (FlateDecode) at the default level.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Dict;

    #[test]
    fn flate_round_trip() {
        let mut d = Dict::new();
        d.set("Filter", Object::name("FlateDecode"));
        let data = b"hello hello hello".repeat(10);
        let out = decode(&deflate(&data), &d, DecodeLimits::default()).expect("inflates");
        assert_eq!(out, data, "inflate(deflate(x)) == x");
    }

    #[test]
    fn decompression_bombs_are_refused() {
        let mut d = Dict::new();
        d.set("Filter", Object::name("FlateDecode"));
        let bomb = deflate(&vec![0u8; 8 * 1024 * 1024]);
        let err = decode(&bomb, &d, DecodeLimits::default()).expect_err("ratio far above 200");
        assert!(
            matches!(err, Error::Limit(_)),
            "a bomb is a limit error, got {err:?}"
        );
    }

    #[test]
    fn png_up_predictor() {
        let mut d = Dict::new();
        d.set("Filter", Object::name("FlateDecode"));
        d.set(
            "DecodeParms",
            Dict::from_pairs([("Predictor", Object::Int(12)), ("Columns", Object::Int(3))]),
        );
        // two rows with filter 2 (Up): second row adds to the first
        let raw = [2, 1, 2, 3, 2, 1, 1, 1];
        let out = decode(&deflate(&raw), &d, DecodeLimits::default()).expect("decodes");
        assert_eq!(out, vec![1, 2, 3, 2, 3, 4], "Up adds the byte above");
    }

    #[test]
    fn unknown_filters_are_unsupported() {
        let mut d = Dict::new();
        d.set("Filter", Object::name("JBIG2Decode"));
        assert!(
            matches!(
                decode(b"x", &d, DecodeLimits::default()),
                Err(Error::Unsupported(_))
            ),
            "never guessed"
        );
    }
}
