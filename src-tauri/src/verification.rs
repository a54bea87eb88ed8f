//! The verification summary the sign screen shows. The gateway verifies
//! every upload but answers a device only with the request; so the app runs
//! the same verifier (`kyso_pdf::verify`, strict profile, the issued
//! document as the original) on the bytes it uploaded, against the device
//! CA of its own enrollment, and summarises the report's last signature
//! (the new one). A refusal's report (`verification_failed`) comes from the
//! gateway and is summarised the same way.

use kyso_api::SigningRequest;
use kyso_pdf::verify::{Original, Profile, VerifyOptions};
use serde_json::Value;
use x509_cert::Certificate;

use crate::model::{Finding, VerificationSummary};

/// Verifies `signed` (the uploaded PDF of `request`) with the device CA at
/// the end of `chain` as trust anchor.
pub fn verify_upload(
    request: &SigningRequest,
    signed: &[u8],
    chain: &[Certificate],
) -> VerificationSummary {
    let original = hex32(&request.document_sha256).map(|sha256| Original {
        len: request.document_size,
        sha256,
    });
    let opts = VerifyOptions {
        profile: Profile::Strict,
        trust: chain.last().cloned().into_iter().collect(),
        original,
        now: time::OffsetDateTime::now_utc(),
    };
    let report = kyso_pdf::verify::verify(signed, &opts);
    let mut s = summary_from_json(&serde_json::to_value(&report).unwrap_or(Value::Null));
    s.signed_sha256 = kyso_client::flow::sha256_hex(signed);
    s
}

/// Verifies an issued PDF (the leader's signature, the agency seal, the
/// document timestamp) in profile B against the gateway's device CA: the
/// summary of its last signature, the seal's.
pub fn verify_issued(issued: &[u8], ca: &[Certificate]) -> VerificationSummary {
    let opts = VerifyOptions {
        profile: Profile::Multi,
        trust: ca.to_vec(),
        original: None,
        now: time::OffsetDateTime::now_utc(),
    };
    let report = kyso_pdf::verify::verify(issued, &opts);
    let mut s = summary_from_json(&serde_json::to_value(&report).unwrap_or(Value::Null));
    s.signed_sha256 = kyso_client::flow::sha256_hex(issued);
    s
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn findings(v: &Value) -> Vec<Finding> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| serde_json::from_value(f.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Summarises a kyso-pdf report (as JSON: the gateway's refusals carry it
/// so). `signed_sha256` is left empty for the caller.
pub fn summary_from_json(report: &Value) -> VerificationSummary {
    let sigs: Vec<&Value> = report["signatures"]
        .as_array()
        .map(|a| a.iter().filter(|s| s["kind"] == "signature").collect())
        .unwrap_or_default();
    let last = sigs.last().copied().unwrap_or(&Value::Null);
    let timestamp_time = last["timestamps"].as_array().and_then(|ts| {
        ts.iter()
            .find(|t| t["kind"] == "signature" && t["valid"] == true)
            .and_then(|t| string(&t["time"]))
    });
    let mut errors = findings(&report["errors"]);
    for f in findings(&last["errors"]) {
        if !errors.iter().any(|e| e.code == f.code) {
            errors.push(f);
        }
    }
    VerificationSummary {
        indication: string(&report["indication"]).unwrap_or_else(|| "TOTAL_FAILED".into()),
        sub_indication: string(&report["sub_indication"]),
        profile: string(&report["profile"]).unwrap_or_else(|| "strict".into()),
        signatures: sigs.len(),
        signer_subject: string(&last["signer"]["subject"]).unwrap_or_default(),
        issuer_subject: string(&last["signer"]["issuer"]).unwrap_or_default(),
        trusted: last["trusted"].as_bool().unwrap_or(false),
        // The report has the /M as written (a PDF date); the UI shows
        // ISO 8601 in Vietnam time.
        claimed_signing_time: string(&last["claimed_signing_time"])
            .map(|m| kyso_pdf::sign::pdf_date_to_iso(&m).unwrap_or(m)),
        timestamp_time,
        coverage: string(&last["coverage"]).unwrap_or_else(|| "partial".into()),
        signed_sha256: String::new(),
        warnings: findings(&last["warnings"]),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_signature_is_summarised() {
        let report = serde_json::json!({
            "indication": "INDETERMINATE",
            "sub_indication": "NO_CERTIFICATE_CHAIN_FOUND",
            "profile": "strict",
            "errors": [],
            "signatures": [
                { "kind": "signature", "signer": { "subject": "CN=Old" }, "trusted": true,
                  "coverage": "revision", "warnings": [], "errors": [], "timestamps": [] },
                { "kind": "document_timestamp", "signer": { "subject": "CN=TSA" } },
                { "kind": "signature", "signer": { "subject": "CN=New", "issuer": "CN=CA" },
                  "trusted": false, "coverage": "whole_file", "claimed_signing_time": "D:20261121140000+07'00'",
                  "warnings": [{ "code": "no_timestamp", "vi": "v", "en": "e" }],
                  "errors": [{ "code": "untrusted", "vi": "v", "en": "e" }],
                  "timestamps": [{ "kind": "signature", "valid": true, "time": "2026-11-21T07:00:01Z" }] }
            ]
        });
        let s = summary_from_json(&report);
        assert_eq!(s.signatures, 2, "document timestamps are not signatures");
        assert_eq!(s.signer_subject, "CN=New");
        assert_eq!(s.issuer_subject, "CN=CA");
        assert!(!s.trusted);
        assert_eq!(s.coverage, "whole_file");
        assert_eq!(
            s.sub_indication.as_deref(),
            Some("NO_CERTIFICATE_CHAIN_FOUND")
        );
        assert_eq!(s.timestamp_time.as_deref(), Some("2026-11-21T07:00:01Z"));
        assert_eq!(
            s.claimed_signing_time.as_deref(),
            Some("2026-11-21T14:00:00+07:00"),
            "the report's PDF date /M becomes ISO 8601 in Vietnam time"
        );
        assert_eq!(s.warnings.len(), 1);
        assert_eq!(s.errors[0].code, "untrusted");
        assert_eq!(hex32(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(hex32("xyz"), None);
    }
}
