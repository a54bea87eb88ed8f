//! RFC 3161 timestamps for PAdES B-T: the [`TimeStamper`] abstraction, the
//! request and the checks on a TSA's answer. The HTTP transport lives with
//! the caller (the CLI, the gateway), so this crate stays free of any network
//! runtime.

use cms::signed_data::SignedData;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use rand_core::RngCore;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

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

/// The `TSTInfo` inside a timestamp token.
pub fn tst_info(token: &[u8]) -> Result<TstInfo> {
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
    TstInfo::from_der(octets.as_bytes()).map_err(|e| Error::Timestamp(format!("bad TSTInfo: {e}")))
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
    if info.message_imprint.hash_algorithm.oid != crate::cms::SHA256
        || info.message_imprint.hashed_message.as_bytes() != digest
    {
        return Err(Error::Timestamp(
            "the token timestamps a different digest".into(),
        ));
    }
    let echoed = info.nonce.as_ref().map(|n| strip_zeros(n.as_bytes()));
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
    fn garbage_answers_are_errors() {
        let err =
            token_from_response(b"\x30\x03\x02\x01\x00", &[0; 32], 1).expect_err("not a response");
        assert_eq!(err.code(), "timestamp", "classified as a timestamp error");
    }
}
