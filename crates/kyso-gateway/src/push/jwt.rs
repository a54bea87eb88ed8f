//! Compact JWS (RFC 7515) as the push providers take them: RS256 for
//! Google's service-account assertion, ES256 for Apple's provider token.
//! Built here from `rsa` and `p256`, which the gateway already uses, rather
//! than a JWT library: two fixed shapes, nothing to parse.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::OsRng;
use sha2::Sha256;

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn signing_input(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    )
}

/// `header.claims.signature`, RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`).
pub fn rs256(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    key: &rsa::RsaPrivateKey,
) -> String {
    use rsa::signature::{RandomizedSigner, SignatureEncoding};
    let input = signing_input(header, claims);
    // Randomized: the private-key operation is blinded.
    let sig = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone())
        .sign_with_rng(&mut OsRng, input.as_bytes());
    format!("{input}.{}", b64url(&sig.to_vec()))
}

/// `header.claims.signature`, ECDSA P-256 with SHA-256 (`ES256`): the
/// signature is `r ‖ s`, 64 bytes, as JWS wants (not DER).
pub fn es256(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    key: &p256::ecdsa::SigningKey,
) -> String {
    use p256::ecdsa::signature::Signer;
    let input = signing_input(header, claims);
    let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64url(&sig.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use p256::ecdsa::signature::Verifier;

    fn parts(jwt: &str) -> (String, Vec<u8>) {
        let (input, sig) = jwt.rsplit_once('.').expect("three parts");
        (
            input.to_string(),
            URL_SAFE_NO_PAD.decode(sig).expect("base64url"),
        )
    }

    #[test]
    fn es256_verifies_with_the_public_key() {
        let key = p256::ecdsa::SigningKey::random(&mut OsRng);
        let jwt = es256(
            &serde_json::json!({"alg": "ES256", "kid": "ABC123DEFG"}),
            &serde_json::json!({"iss": "TEAM", "iat": 1}),
            &key,
        );
        let (input, sig) = parts(&jwt);
        assert_eq!(sig.len(), 64, "r ‖ s");
        let sig = p256::ecdsa::Signature::from_slice(&sig).expect("signature");
        assert!(
            key.verifying_key().verify(input.as_bytes(), &sig).is_ok(),
            "verifies"
        );
        let header = URL_SAFE_NO_PAD
            .decode(input.split('.').next().expect("header"))
            .expect("base64url");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&header).expect("json")["kid"],
            "ABC123DEFG",
            "the header as given"
        );
    }

    #[test]
    fn rs256_verifies_with_the_public_key() {
        use rsa::signature::Verifier as _;
        let key = rsa::RsaPrivateKey::new(&mut OsRng, 1024).expect("key");
        let jwt = rs256(
            &serde_json::json!({"alg": "RS256", "typ": "JWT"}),
            &serde_json::json!({"iss": "sa@example.iam.gserviceaccount.com"}),
            &key,
        );
        let (input, sig) = parts(&jwt);
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.to_public_key());
        let sig = rsa::pkcs1v15::Signature::try_from(&sig[..]).expect("signature");
        assert!(vk.verify(input.as_bytes(), &sig).is_ok(), "verifies");
    }
}
