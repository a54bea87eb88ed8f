//! RFC 3161 timestamps for PAdES B-T: the [`TimeStamper`] abstraction, the
//! request and the checks on a TSA's answer. The HTTP transport lives with
//! the caller (the CLI, the gateway), so this crate stays free of any network
//! runtime.

use cms::signed_data::SignedData;
use der::asn1::{Int, OctetString};
use der::{Any, Tag, Tagged};
use der::{Decode, Encode};
use rand_core::RngCore;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifier;
use time::OffsetDateTime;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

use crate::error::{Error, Result};

/// Something that returns an RFC 3161 `TimeStampToken` (DER `ContentInfo`)
/// over a SHA-256 digest.
pub trait TimeStamper {
    /// Timestamps `digest` (for a signature timestamp: SHA-256 of the signature value).
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>>;
}

/// Sends a DER `TimeStampReq` and returns the DER `TimeStampResp`
/// (`application/timestamp-query` → `application/timestamp-reply`).
pub trait TsaTransport {
    /// One round trip to the TSA.
    fn round_trip(&self, request: &[u8]) -> Result<Vec<u8>>;
}

/// An RFC 3161 client over any transport.
#[derive(Debug)]
pub struct Rfc3161Client<T> {
    transport: T,
}

impl<T: TsaTransport> Rfc3161Client<T> {
    /// A client that talks through `transport`.
    pub fn new(transport: T) -> Self {
        Self { transport }
    }
}

impl<T: TsaTransport> TimeStamper for Rfc3161Client<T> {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let nonce = rand_core::OsRng.next_u64() >> 1;
        let req = request(digest, nonce)?;
        let resp = self.transport.round_trip(&req)?;
        token_from_response(&resp, digest, nonce)
    }
}

fn der_err(e: der::Error) -> Error {
    Error::Timestamp(format!("DER: {e}"))
}

/// Builds a DER `TimeStampReq` for a SHA-256 digest, asking for the TSA's certificate.
pub fn request(digest: &[u8; 32], nonce: u64) -> Result<Vec<u8>> {
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: crate::cms::SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(digest.to_vec()).map_err(der_err)?,
        },
        req_policy: None,
        nonce: Some(positive_int(nonce)?),
        cert_req: true,
        extensions: None,
    };
    req.to_der().map_err(der_err)
}

/// What Kyso relies on in a `TSTInfo` (RFC 3161 §2.4.2).
#[derive(Debug, Clone)]
pub struct TstFacts {
    /// The TSA's policy.
    pub policy: const_oid::ObjectIdentifier,
    /// Hash algorithm of the message imprint.
    pub imprint_alg: const_oid::ObjectIdentifier,
    /// The timestamped digest.
    pub imprint: Vec<u8>,
    /// Serial number, big-endian.
    pub serial: Vec<u8>,
    /// The attested time.
    pub gen_time: OffsetDateTime,
    /// The nonce, when the request carried one.
    pub nonce: Option<Vec<u8>>,
}

/// Reads a DER `TSTInfo`. Read field by field rather than with a derived
/// decoder because RFC 3161 allows fractional seconds in `genTime`
/// (`20260305073000.25Z`), which a strict DER GeneralizedTime refuses and
/// real TSAs send.
pub fn parse_tst_info(der: &[u8]) -> Result<TstFacts> {
    let bad = |what: &str| Error::Timestamp(format!("bad TSTInfo: {what}"));
    let items: Vec<Any> = Vec::<Any>::from_der(der).map_err(|e| bad(&e.to_string()))?;
    if items.len() < 5 {
        return Err(bad("too few fields"));
    }
    let version: Int = items[0].decode_as().map_err(|_| bad("version"))?;
    if version.as_bytes() != [1] {
        return Err(bad("version is not 1"));
    }
    let policy = items[1].decode_as().map_err(|_| bad("policy"))?;
    let mi: MessageImprint = items[2].decode_as().map_err(|_| bad("messageImprint"))?;
    let serial: Int = items[3].decode_as().map_err(|_| bad("serialNumber"))?;
    if items[4].tag() != Tag::GeneralizedTime {
        return Err(bad("genTime is not a GeneralizedTime"));
    }
    let gen_time = generalized_time(items[4].value()).ok_or_else(|| bad("genTime is malformed"))?;
    let nonce = items[5..]
        .iter()
        .find(|a| a.tag() == Tag::Integer)
        .map(|a| a.value().to_vec());
    Ok(TstFacts {
        policy,
        imprint_alg: mi.hash_algorithm.oid,
        imprint: mi.hashed_message.as_bytes().to_vec(),
        serial: serial.as_bytes().to_vec(),
        gen_time,
        nonce,
    })
}

/// `YYYYMMDDHHMMSS[.f+]Z`; the fraction is dropped (whole seconds suffice).
fn generalized_time(v: &[u8]) -> Option<OffsetDateTime> {
    let s = std::str::from_utf8(v).ok()?.strip_suffix('Z')?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    if whole.len() != 14
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.is_empty()
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(date_time_14(whole)?.assume_utc())
}

/// `YYYYMMDDHHMMSS` (exactly 14 digits) as a date and time without offset:
/// the common core of ASN.1 GeneralizedTime and PDF dates.
pub(crate) fn date_time_14(digits: &str) -> Option<time::PrimitiveDateTime> {
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| digits[a..b].parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        n(0, 4)? as i32,
        time::Month::try_from(n(4, 6)? as u8).ok()?,
        n(6, 8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(n(8, 10)? as u8, n(10, 12)? as u8, n(12, 14)? as u8).ok()?;
    Some(time::PrimitiveDateTime::new(date, t))
}

/// The `TSTInfo` inside a timestamp token.
pub fn tst_info(token: &[u8]) -> Result<TstFacts> {
    let ci = cms::content_info::ContentInfo::from_der(token)
        .map_err(|e| Error::Timestamp(format!("the token is not a CMS ContentInfo: {e}")))?;
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| Error::Timestamp(format!("the token is not SignedData: {e}")))?;
    let econtent = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| Error::Timestamp("the token has no TSTInfo".into()))?;
    let octets: OctetString = econtent.decode_as().map_err(|e| {
        Error::Timestamp(format!("the token's content is not an OCTET STRING: {e}"))
    })?;
    parse_tst_info(octets.as_bytes())
}

/// Checks a DER `TimeStampResp` (status granted, imprint and nonce echoed)
/// and returns its token.
pub fn token_from_response(resp: &[u8], digest: &[u8; 32], nonce: u64) -> Result<Vec<u8>> {
    let resp = TimeStampResp::from_der(resp)
        .map_err(|e| Error::Timestamp(format!("the TSA's answer is not a TimeStampResp: {e}")))?;
    use cmpv2::status::PkiStatus;
    if !matches!(
        resp.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        return Err(Error::Timestamp(format!(
            "the TSA refused the request (status {:?})",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| Error::Timestamp("the TSA granted but sent no token".into()))?
        .to_der()
        .map_err(der_err)?;
    let info = tst_info(&token)?;
    if info.imprint_alg != crate::cms::SHA256 || info.imprint != digest {
        return Err(Error::Timestamp(
            "the token timestamps a different digest".into(),
        ));
    }
    let echoed = info.nonce.as_deref().map(strip_zeros);
    if echoed != Some(strip_zeros(&nonce.to_be_bytes())) {
        return Err(Error::Timestamp(
            "the token does not echo the request's nonce".into(),
        ));
    }
    Ok(token)
}

/// A DER INTEGER holding `v` in its minimal positive encoding.
fn positive_int(v: u64) -> Result<Int> {
    let mut b = strip_zeros(&v.to_be_bytes());
    if b.first().is_none_or(|x| x & 0x80 != 0) {
        b.insert(0, 0);
    }
    Int::new(&b).map_err(der_err)
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b[i..].to_vec()
}

/// SHA-256 of a signature value: the message imprint of a signature timestamp.
pub fn signature_imprint(signature: &[u8]) -> [u8; 32] {
    Sha256::digest(signature).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips() {
        let d = [7u8; 32];
        let der = request(&d, 42).expect("encodes");
        let req = TimeStampReq::from_der(&der).expect("decodes");
        assert_eq!(
            req.message_imprint.hashed_message.as_bytes(),
            &d,
            "imprint carried"
        );
        assert!(
            req.cert_req,
            "we ask for the TSA certificate so the token can be verified"
        );
        for n in [0u64, 1, 0x80, 0xff, u64::MAX >> 1] {
            let der = request(&d, n).expect("every nonce encodes canonically");
            assert!(
                TimeStampReq::from_der(&der).is_ok(),
                "nonce {n} round-trips"
            );
        }
    }

    #[test]
    fn generalized_times_with_fractions_are_read() {
        let t = generalized_time(b"20260305073000.25Z")
            .expect("fractional seconds are allowed by RFC 3161");
        assert_eq!(
            t,
            time::macros::datetime!(2026-03-05 07:30:00 UTC),
            "fraction dropped, whole second kept"
        );
        assert!(
            generalized_time(b"20260305073000Z").is_some(),
            "whole seconds"
        );
        assert!(
            generalized_time(b"20260305073000").is_none(),
            "UTC 'Z' is required"
        );
        assert!(generalized_time(b"20261305073000Z").is_none(), "month 13");
        assert!(generalized_time(b"2026030507300Z").is_none(), "too short");
        assert!(
            generalized_time(b"20260305073000.Z").is_none(),
            "empty fraction"
        );
    }

    #[test]
    fn garbage_answers_are_errors() {
        let err =
            token_from_response(b"\x30\x03\x02\x01\x00", &[0; 32], 1).expect_err("not a response");
        assert_eq!(err.code(), "timestamp", "classified as a timestamp error");
    }
}
