//! The attestation status list: Google's hex keys, decimal keys, statuses.

use kyso_attest::RevocationList;
use kyso_attest::revocation::{RevocationStatus, SerialForm};

const LIST: &str = r#"{
  "entries": {
    "2c8cdddfd5e03bfc": { "status": "REVOKED", "reason": "KEY_COMPROMISE" },
    "6681152659205225093": { "status": "REVOKED", "reason": "KEY_COMPROMISE" },
    "00CC66E9A93713B6E643B26C15879786F7": { "status": "SUSPENDED", "reason": "KEY_COMPROMISE", "comment": "Entry for testing only" },
    "8350192447815228107": { "status": "REVOKED", "expires": "2030-01-01" }
  }
}"#;

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn hex_serials_match_case_and_leading_zeros_aside() {
    let l = RevocationList::from_json(LIST).expect("list");
    assert_eq!(l.len(), 4);
    let hit = l.lookup(&bytes("2c8cdddfd5e03bfc")).expect("listed");
    assert_eq!(hit.form, SerialForm::Hex);
    assert_eq!(hit.entry.status, RevocationStatus::Revoked);
    assert_eq!(hit.entry.reason.as_deref(), Some("KEY_COMPROMISE"));
    // DER INTEGER content with a leading 0x00 (high bit set), uppercase key with leading zeros.
    let hit = l
        .lookup(&bytes("00cc66e9a93713b6e643b26c15879786f7"))
        .expect("listed");
    assert_eq!(hit.form, SerialForm::Hex);
    assert_eq!(hit.entry.status, RevocationStatus::Suspended);
    assert_eq!(hit.entry.comment.as_deref(), Some("Entry for testing only"));
    assert!(l.lookup(&bytes("2c8cdddfd5e03bfd")).is_none());
}

#[test]
fn digit_only_keys_are_hex_in_googles_format() {
    // The key "6681152659205225093" is the serial 0x06681152659205225093.
    let l = RevocationList::from_json(LIST).expect("list");
    let hit = l.lookup(&bytes("06681152659205225093")).expect("listed");
    assert_eq!(hit.form, SerialForm::Hex);
    assert_eq!(hit.serial_hex, "6681152659205225093");
}

#[test]
fn decimal_keys_also_match() {
    let l = RevocationList::from_json(LIST).expect("list");
    // 8350192447815228107 (decimal) = 0x73e1d7ca422d1acb
    let hit = l
        .lookup(&bytes("73e1d7ca422d1acb"))
        .expect("listed by decimal");
    assert_eq!(hit.form, SerialForm::Decimal);
    assert_eq!(hit.serial_hex, "73e1d7ca422d1acb");
    assert_eq!(hit.entry.expires.as_deref(), Some("2030-01-01"));
    // Neighbours do not match.
    assert!(l.lookup(&bytes("73e1d7ca422d1aca")).is_none());
}

#[test]
fn bad_lists_are_refused() {
    assert!(RevocationList::from_json("{}").is_err());
    assert!(RevocationList::from_json(r#"{"entries": {"xyz": {"status": "REVOKED"}}}"#).is_err());
    assert!(RevocationList::from_json(r#"{"entries": {"ab": {}}}"#).is_err());
    assert!(RevocationList::empty().is_empty());
}
