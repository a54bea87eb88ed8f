#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod client;
pub mod error;
pub mod flow;
pub mod keystore;
pub mod meeting;
pub mod os_keyring;
pub mod queue;
pub mod secret;
pub mod store;
pub mod tls;

pub use client::{Client, Events, LoggedIn};
pub use error::{Error, Result};
pub use flow::{
    Delivery, SignOutcome, SignSettings, SignedUpload, sign_request, sign_request_durably,
};
pub use keystore::DeviceKey;
pub use meeting::{MeetingFollower, PresenterEvents};
pub use queue::Queue;
pub use secret::Secret;
pub use store::{DeviceRecord, KeyLocation, Session, Store, TokenStorage};
pub use tls::SpkiPin;

use kyso_api::EnrollResponse;
use x509_cert::Certificate;

/// Enrolls `key` as a device of the logged-in user: fetches a challenge,
/// sends a CSR signed by the key, returns the certificate chain.
pub async fn enroll(
    client: &Client,
    key: &DeviceKey,
    common_name: &str,
    platform: &str,
    model: &str,
) -> Result<EnrollResponse> {
    let nonce = client.enroll_nonce().await?;
    let csr_pem = key.csr_pem(common_name)?;
    let r = client
        .enroll(&kyso_api::EnrollRequest {
            nonce: nonce.nonce,
            csr_pem,
            platform: platform.to_string(),
            model: model.to_string(),
            attestation_chain: Vec::new(),
            app_attest: None,
        })
        .await?;
    let chain = parse_chain(&r.certificate_chain_pem)?;
    key.software_key()
        .check_matches(&chain[0])
        .map_err(|_| Error::Protocol("the issued certificate is not for this key".into()))?;
    Ok(r)
}

/// The certificates of a PEM chain, leaf first; at least one.
pub fn parse_chain(pem: &str) -> Result<Vec<Certificate>> {
    let v = kyso_pdf::signer::certificates_from_pem(pem)?;
    if v.is_empty() {
        return Err(Error::Protocol("no certificate in the chain".into()));
    }
    Ok(v)
}

/// This machine's platform name as the gateway records it.
pub fn platform() -> &'static str {
    match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "macos",
        "windows" => "windows",
        "android" => "android",
        "ios" => "ios",
        other => other,
    }
}
