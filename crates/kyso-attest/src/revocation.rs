//! Google's attestation certificate status list
//! (`{"entries": {"<serial>": {"status": …, "reason": …}}}`).
//!
//! Google's format keys each entry by the certificate's serial number in
//! lowercase hexadecimal without leading zeros (Java's
//! `BigInteger.toString(16)`, as google/android-key-attestation looks it
//! up). A key made only of the digits 0-9 is therefore still hexadecimal,
//! which is what the real list holds (the intermediate serial
//! `14297399094464266078` is hex). Some copies of the list, and notes about
//! it, write serials in decimal instead, so a certificate also matches an
//! entry keyed by its decimal serial; the report says which form matched.
//! A false match can only refuse an enrollment, never admit one.
//!
//! The list is passed in by the caller (fetched and cached by the gateway);
//! no snapshot is shipped, since a stale list would only look like a check.

use std::collections::HashMap;

use serde::Deserialize;

/// An entry's status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationStatus {
    /// `REVOKED`.
    Revoked,
    /// `SUSPENDED`.
    Suspended,
    /// Any other value (still treated as not good).
    Other(String),
}

impl RevocationStatus {
    /// The list's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            RevocationStatus::Revoked => "REVOKED",
            RevocationStatus::Suspended => "SUSPENDED",
            RevocationStatus::Other(s) => s,
        }
    }
}

/// One entry of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationEntry {
    /// `REVOKED` or `SUSPENDED`.
    pub status: RevocationStatus,
    /// `KEY_COMPROMISE`, `CA_COMPROMISE`, `SUPERSEDED`, `SOFTWARE_FLAW`, `UNSPECIFIED`.
    pub reason: Option<String>,
    /// Free text.
    pub comment: Option<String>,
    /// The entry's expiry date, when the list gives one (reported, not used).
    pub expires: Option<String>,
}

/// Which spelling of the serial number matched an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SerialForm {
    /// Lowercase hexadecimal, Google's format.
    Hex,
    /// Decimal.
    Decimal,
}

/// A match of a certificate serial against the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationHit<'a> {
    /// The serial number in lowercase hex.
    pub serial_hex: String,
    /// Which form matched.
    pub form: SerialForm,
    /// The entry.
    pub entry: &'a RevocationEntry,
}

/// The status list.
#[derive(Clone, Debug, Default)]
pub struct RevocationList {
    entries: HashMap<String, RevocationEntry>,
}

/// The list could not be read.
#[derive(Debug)]
pub struct RevocationListError(String);

impl std::fmt::Display for RevocationListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "attestation status list: {}", self.0)
    }
}

impl std::error::Error for RevocationListError {}

#[derive(Deserialize)]
struct RawList {
    entries: HashMap<String, RawEntry>,
}

#[derive(Deserialize)]
struct RawEntry {
    status: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

impl RevocationList {
    /// An empty list: nothing is revoked. Use only where no list is
    /// available and say so (the check then proves nothing).
    pub fn empty() -> Self {
        RevocationList::default()
    }

    /// Parses the JSON document.
    pub fn from_json(json: &str) -> Result<Self, RevocationListError> {
        let raw: RawList =
            serde_json::from_str(json).map_err(|e| RevocationListError(e.to_string()))?;
        let mut entries = HashMap::with_capacity(raw.entries.len());
        for (key, e) in raw.entries {
            let norm = normalise_key(&key)
                .ok_or_else(|| RevocationListError(format!("bad serial number key {key:?}")))?;
            let status = match e.status.as_str() {
                "REVOKED" => RevocationStatus::Revoked,
                "SUSPENDED" => RevocationStatus::Suspended,
                _ => RevocationStatus::Other(e.status),
            };
            entries.insert(
                norm,
                RevocationEntry {
                    status,
                    reason: e.reason,
                    comment: e.comment,
                    expires: e.expires,
                },
            );
        }
        Ok(RevocationList { entries })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Looks up a serial number given as unsigned big-endian bytes: first
    /// as lowercase hex (Google's format), then as decimal.
    pub fn lookup(&self, serial: &[u8]) -> Option<RevocationHit<'_>> {
        let start = serial.iter().position(|b| *b != 0).unwrap_or(serial.len());
        let serial = &serial[start..];
        let hex = hex_no_leading_zero(serial);
        if let Some(entry) = self.entries.get(&hex) {
            return Some(RevocationHit {
                serial_hex: hex,
                form: SerialForm::Hex,
                entry,
            });
        }
        let dec = decimal(serial);
        self.entries.get(&dec).map(|entry| RevocationHit {
            serial_hex: hex,
            form: SerialForm::Decimal,
            entry,
        })
    }
}

/// Lowercase, leading zeros removed; only hex digits allowed.
fn normalise_key(key: &str) -> Option<String> {
    let k = key.trim().to_ascii_lowercase();
    if k.is_empty() || !k.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let t = k.trim_start_matches('0');
    Some(if t.is_empty() { "0".into() } else { t.into() })
}

fn hex_no_leading_zero(bytes: &[u8]) -> String {
    let h = crate::x509::hex(bytes);
    let t = h.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.into() }
}

/// Decimal digits of an unsigned big-endian number.
fn decimal(bytes: &[u8]) -> String {
    let mut num: Vec<u8> = bytes.to_vec();
    let mut digits = Vec::new();
    while num.iter().any(|b| *b != 0) {
        let mut rem: u32 = 0;
        for b in num.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        return "0".into();
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_serials() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(
            decimal(&0xffff_ffff_ffff_ffffu64.to_be_bytes()),
            "18446744073709551615"
        );
        // 80-bit value: 2^72 = 4722366482869645213696
        let mut v = vec![1u8];
        v.extend([0u8; 9]);
        assert_eq!(decimal(&v), "4722366482869645213696");
    }

    #[test]
    fn keys_normalise() {
        assert_eq!(normalise_key("00CC66").as_deref(), Some("cc66"));
        assert_eq!(normalise_key("0").as_deref(), Some("0"));
        assert_eq!(normalise_key("xyz"), None);
        assert_eq!(normalise_key(""), None);
    }
}
