//! TLS for the gateway connection (DESIGN.md §7.5): rustls only, and
//! public-key pinning. With a pin, the server is accepted when its leaf
//! certificate carries the pinned SubjectPublicKeyInfo (SHA-256), whoever
//! issued it: the key is the identity, so a self-signed gateway certificate
//! works and a certificate from any other key is refused even if a public CA
//! signed it. Without a pin, the Mozilla roots (webpki-roots) decide.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use der::{Decode, Encode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// SHA-256 of a DER SubjectPublicKeyInfo; written `sha256/<base64>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpkiPin(pub [u8; 32]);

impl SpkiPin {
    /// The pin of a DER SubjectPublicKeyInfo.
    pub fn of_spki_der(spki: &[u8]) -> Self {
        Self(Sha256::digest(spki).into())
    }

    /// The pin of a DER certificate's public key.
    pub fn of_certificate_der(cert: &[u8]) -> Result<Self> {
        let c = x509_cert::Certificate::from_der(cert)
            .map_err(|e| Error::Crypto(format!("cannot read the certificate: {e}")))?;
        let spki = c
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::Crypto(e.to_string()))?;
        Ok(Self::of_spki_der(&spki))
    }

    /// The pin of the first certificate in a PEM file.
    pub fn of_certificate_pem(pem: &str) -> Result<Self> {
        use der::DecodePem;
        let c = x509_cert::Certificate::from_pem(pem.as_bytes())
            .map_err(|e| Error::Crypto(format!("cannot read the certificate: {e}")))?;
        let der = c.to_der().map_err(|e| Error::Crypto(e.to_string()))?;
        Self::of_certificate_der(&der)
    }
}

impl std::fmt::Display for SpkiPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sha256/{}",
            base64::engine::general_purpose::STANDARD.encode(self.0)
        )
    }
}

impl std::fmt::Debug for SpkiPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpkiPin({self})")
    }
}

impl FromStr for SpkiPin {
    type Err = Error;

    /// `sha256/<base64>` (also curl's `sha256//<base64>`) or 64 hex digits.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = || {
            Error::Url(format!(
                "the pin '{s}' is neither sha256/<base64 of 32 bytes> nor 64 hex digits"
            ))
        };
        let bytes = if let Some(b64) = s.strip_prefix("sha256/") {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim_start_matches('/'))
                .map_err(|_| bad())?
        } else if s.len() == 64 {
            (0..32)
                .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16))
                .collect::<std::result::Result<Vec<u8>, _>>()
                .map_err(|_| bad())?
        } else {
            return Err(bad());
        };
        bytes.try_into().map(SpkiPin).map_err(|_| bad())
    }
}

impl serde::Serialize for SpkiPin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for SpkiPin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The last pin failure seen by a verifier, so the client can report it
/// as [`Error::PinMismatch`] rather than as a bare TLS failure.
pub(crate) type PinFailure = Arc<Mutex<Option<(SpkiPin, SpkiPin)>>>;

#[derive(Debug)]
struct PinError {
    expected: SpkiPin,
    found: SpkiPin,
}

impl std::fmt::Display for PinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "public key {} does not match the pin {}",
            self.found, self.expected
        )
    }
}

impl std::error::Error for PinError {}

/// Accepts exactly the servers whose leaf certificate carries the pinned key.
#[derive(Debug)]
struct PinnedVerifier {
    pin: SpkiPin,
    provider: Arc<CryptoProvider>,
    failure: PinFailure,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let found = SpkiPin::of_certificate_der(end_entity.as_ref())
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if found == self.pin {
            return Ok(ServerCertVerified::assertion());
        }
        if let Ok(mut f) = self.failure.lock() {
            *f = Some((self.pin, found));
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(PinError {
                expected: self.pin,
                found,
            })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The rustls configuration: pinned when `pin` is given, else web PKI roots.
pub(crate) fn client_config(
    pin: Option<SpkiPin>,
    failure: PinFailure,
) -> Result<rustls::ClientConfig> {
    // One explicit provider: the process may link several (ring, aws-lc-rs).
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Crypto(format!("TLS configuration: {e}")))?;
    let config = match pin {
        Some(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier {
                pin,
                provider,
                failure,
            }))
            .with_no_client_auth(),
        None => {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_in_both_spellings() {
        let p = SpkiPin::of_spki_der(b"spki");
        let text = p.to_string();
        assert!(text.starts_with("sha256/"), "{text}");
        assert_eq!(text.parse::<SpkiPin>().expect("parses"), p, "round trip");
        let curl = text.replacen("sha256/", "sha256//", 1);
        assert_eq!(curl.parse::<SpkiPin>().expect("parses"), p, "curl form");
        let hex: String = p.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex.parse::<SpkiPin>().expect("parses"), p, "hex form");
        assert!("sha256/AAAA".parse::<SpkiPin>().is_err(), "short");
        assert!("nonsense".parse::<SpkiPin>().is_err(), "garbage");
    }

    /// A self-signed P-256 certificate (DER) and its PKCS#8 key (DER).
    fn self_signed() -> (Vec<u8>, Vec<u8>) {
        use p256::pkcs8::EncodePrivateKey;
        use x509_cert::builder::{Builder, CertificateBuilder, Profile};
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())
            .expect("spki");
        let name = x509_cert::name::Name::from_str("CN=kyso-test-gateway").expect("name");
        let now = std::time::SystemTime::now();
        let validity = x509_cert::time::Validity {
            not_before: x509_cert::time::Time::try_from(now - std::time::Duration::from_secs(60))
                .expect("time"),
            not_after: x509_cert::time::Time::try_from(now + std::time::Duration::from_secs(3600))
                .expect("time"),
        };
        let cert = CertificateBuilder::new(
            Profile::Root,
            x509_cert::serial_number::SerialNumber::from(7u32),
            validity,
            name,
            spki,
            &key,
        )
        .expect("builder")
        .build::<p256::ecdsa::DerSignature>()
        .expect("certificate");
        let der = cert.to_der().expect("der");
        let pkcs8 = key.to_pkcs8_der().expect("pkcs8").as_bytes().to_vec();
        (der, pkcs8)
    }

    /// A one-thread HTTPS server answering every request with a PEM body.
    fn https_server(cert: Vec<u8>, key: Vec<u8>) -> u16 {
        use std::io::{Read, Write};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_no_client_auth()
                .with_single_cert(
                    vec![CertificateDer::from(cert)],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
                )
                .expect("server config"),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for sock in listener.incoming() {
                let Ok(sock) = sock else { continue };
                let _ = sock.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                    continue;
                };
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                let complete = loop {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => break false,
                        Ok(n) => {
                            req.extend_from_slice(&buf[..n]);
                            if req.windows(4).any(|w| w == b"\r\n\r\n") {
                                break true;
                            }
                        }
                    }
                };
                if complete {
                    let body = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n";
                    let _ = write!(
                        tls,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            }
        });
        port
    }

    #[test]
    fn pinning_accepts_the_pinned_key_only() {
        let (cert, key) = self_signed();
        let pin = SpkiPin::of_certificate_der(&cert).expect("pin");
        let url = format!("https://127.0.0.1:{}", https_server(cert, key));
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let ok = crate::Client::new(&url, Some(pin)).expect("client");
            let pem = ok.ca_pem().await.expect("the pinned key is accepted");
            assert!(pem.contains("TEST"), "{pem}");

            let other = SpkiPin([9; 32]);
            let e = crate::Client::new(&url, Some(other))
                .expect("client")
                .ca_pem()
                .await
                .expect_err("another key is refused");
            match e {
                Error::PinMismatch { expected, found } => {
                    assert_eq!(expected, other.to_string(), "expected");
                    assert_eq!(found, pin.to_string(), "the server's key is named");
                }
                other => panic!("not a pin mismatch: {other:?}"),
            }

            let e = crate::Client::new(&url, None)
                .expect("client")
                .ca_pem()
                .await
                .expect_err("a self-signed certificate without a pin is refused");
            assert!(matches!(e, Error::Transport(_)), "{e:?}");
        });
    }
}
