//! Keys in a PKCS#11 token, through `cryptoki`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeInfo, AttributeType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::{Error, HsmConfig, KeySigner, Result};

/// `secp256r1` (`prime256v1`).
const P256: ObjectIdentifier = const_oid::db::rfc5912::SECP_256_R_1;

/// One context per module for the whole process: `C_Initialize` may be
/// called once, and every session of a process shares the login.
fn context(module: &Path) -> Result<Pkcs11> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut map = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(module) {
        return Ok(c.clone());
    }
    if !module.exists() {
        return Err(Error::ModuleMissing(module.to_path_buf()));
    }
    let failed = |e: CkError| Error::Module {
        path: module.to_path_buf(),
        reason: e.to_string(),
    };
    let ctx = Pkcs11::new(module).map_err(failed)?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(failed(e)),
    }
    map.insert(module.to_path_buf(), ctx.clone());
    Ok(ctx)
}

fn ck(e: CkError) -> Error {
    match e {
        CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _) => Error::WrongPin,
        CkError::Pkcs11(RvError::PinLocked, _) => Error::PinLocked,
        e => Error::Pkcs11(e.to_string()),
    }
}

/// A logged-in token: one read-write session, used by one caller at a time.
pub struct Token {
    inner: Arc<TokenInner>,
}

struct TokenInner {
    session: Mutex<Session>,
    label: String,
    slot: Slot,
    module: PathBuf,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("label", &self.inner.label)
            .field("slot", &self.inner.slot.id())
            .field("module", &self.inner.module)
            .finish()
    }
}

/// How a private key is protected, as the token reports its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    /// `CKA_TOKEN`: kept by the token, not only for the session.
    pub token: bool,
    /// `CKA_PRIVATE`: usable only after login.
    pub private: bool,
    /// `CKA_SENSITIVE`: its value is never revealed.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`: whether it may be wrapped out of the token.
    pub extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`.
    pub always_sensitive: bool,
    /// `CKA_NEVER_EXTRACTABLE`.
    pub never_extractable: bool,
    /// What the token answers when asked for `CKA_VALUE`.
    pub value: ValueAccess,
}

/// The token's answer to a request for a private key's `CKA_VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueAccess {
    /// `CKR_ATTRIBUTE_SENSITIVE`: refused.
    Sensitive,
    /// No value given.
    Unavailable,
    /// The value was given (its length): the key could leave the token.
    Readable(usize),
}

/// A key pair on the token, as listed.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// `CKA_LABEL`.
    pub label: String,
    /// The public key, when the token holds one for it.
    pub public_key: Option<SubjectPublicKeyInfoOwned>,
}

impl Token {
    /// Loads the module, finds the token by label and logs in as the user.
    pub fn open(config: &HsmConfig) -> Result<Self> {
        let ctx = context(&config.module)?;
        let slots = ctx.get_slots_with_initialized_token().map_err(ck)?;
        let mut found = None;
        for slot in slots {
            let info = ctx.get_token_info(slot).map_err(ck)?;
            if info.label().trim_end() == config.token {
                found = Some(slot);
                break;
            }
        }
        let slot = found.ok_or_else(|| Error::NoToken(config.token.clone()))?;
        let session = ctx.open_rw_session(slot).map_err(ck)?;
        let pin = AuthPin::from(config.pin.expose().to_string());
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(ck(e)),
        }
        Ok(Self {
            inner: Arc::new(TokenInner {
                session: Mutex::new(session),
                label: config.token.clone(),
                slot,
                module: config.module.clone(),
            }),
        })
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Generates a P-256 key pair on the token, labelled `label`: the
    /// private key is a token object, private, sensitive, not extractable,
    /// sign-only. A label already in use is refused.
    pub fn generate_p256(&self, label: &str) -> Result<HsmKey> {
        if label.is_empty() {
            return Err(Error::Pkcs11("a key label must not be empty".into()));
        }
        let session = self.inner.session();
        if !find(&session, ObjectClass::PRIVATE_KEY, label)?.is_empty() {
            return Err(Error::KeyExists(label.into()));
        }
        let params = P256
            .to_der()
            .map_err(|e| Error::Pkcs11(format!("curve: {e}")))?;
        let mut id = [0u8; 16];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
        let public = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(params),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Derive(false),
            Attribute::Unwrap(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ];
        let (pubh, privh) = session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(ck)?;
        let spki = public_key_of(&session, pubh, label)?;
        drop(session);
        tracing::info!(token = %self.inner.label, label, "generated a P-256 key pair on the token");
        Ok(HsmKey {
            token: self.inner.clone(),
            private: privh,
            spki,
            label: label.into(),
        })
    }

    /// The key pair labelled `label`.
    pub fn key(&self, label: &str) -> Result<HsmKey> {
        let session = self.inner.session();
        let private = one(find(&session, ObjectClass::PRIVATE_KEY, label)?, label)?;
        let public = one(find(&session, ObjectClass::PUBLIC_KEY, label)?, label)?;
        let spki = public_key_of(&session, public, label)?;
        drop(session);
        Ok(HsmKey {
            token: self.inner.clone(),
            private,
            spki,
            label: label.into(),
        })
    }

    /// The key pair labelled `label`, generated when the token has none.
    pub fn key_or_generate(&self, label: &str) -> Result<HsmKey> {
        match self.key(label) {
            Err(Error::NoSuchKey(_)) => self.generate_p256(label),
            other => other,
        }
    }

    /// Every private key on the token, by label, with its public key.
    pub fn keys(&self) -> Result<Vec<KeyInfo>> {
        let session = self.inner.session();
        let handles = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .map_err(ck)?;
        let mut out = Vec::new();
        for h in handles {
            let label = session
                .get_attributes(h, &[AttributeType::Label])
                .map_err(ck)?
                .into_iter()
                .find_map(|a| match a {
                    Attribute::Label(l) => Some(String::from_utf8_lossy(&l).into_owned()),
                    _ => None,
                })
                .unwrap_or_default();
            let public_key = match find(&session, ObjectClass::PUBLIC_KEY, &label)?.as_slice() {
                [p] => public_key_of(&session, *p, &label).ok(),
                _ => None,
            };
            out.push(KeyInfo { label, public_key });
        }
        out.sort_by(|a, b| a.label.cmp(&b.label));
        Ok(out)
    }
}

impl TokenInner {
    fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn find(session: &Session, class: ObjectClass, label: &str) -> Result<Vec<ObjectHandle>> {
    session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(ck)
}

fn one(handles: Vec<ObjectHandle>, label: &str) -> Result<ObjectHandle> {
    match handles.as_slice() {
        [] => Err(Error::NoSuchKey(label.into())),
        [h] => Ok(*h),
        _ => Err(Error::UnsupportedKey {
            label: label.into(),
            reason: "several objects carry this label".into(),
        }),
    }
}

/// The SPKI of an EC public key object (P-256 only).
fn public_key_of(
    session: &Session,
    public: ObjectHandle,
    label: &str,
) -> Result<SubjectPublicKeyInfoOwned> {
    let unsupported = |reason: &str| Error::UnsupportedKey {
        label: label.into(),
        reason: reason.into(),
    };
    let attrs = session
        .get_attributes(
            public,
            &[
                AttributeType::KeyType,
                AttributeType::EcParams,
                AttributeType::EcPoint,
            ],
        )
        .map_err(ck)?;
    let mut key_type = None;
    let mut params = None;
    let mut point = None;
    for a in attrs {
        match a {
            Attribute::KeyType(k) => key_type = Some(k),
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => point = Some(p),
            _ => {}
        }
    }
    if key_type != Some(KeyType::EC) {
        return Err(unsupported("not an EC key"));
    }
    let curve = params
        .as_deref()
        .and_then(|p| ObjectIdentifier::from_der(p).ok())
        .ok_or_else(|| unsupported("no named curve"))?;
    if curve != P256 {
        return Err(unsupported("not on P-256"));
    }
    let point = point.ok_or_else(|| unsupported("no public point"))?;
    // CKA_EC_POINT is a DER OCTET STRING around the point (some modules
    // give the bare point).
    let raw = match OctetString::from_der(&point) {
        Ok(o) => o.as_bytes().to_vec(),
        Err(_) => point,
    };
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&raw)
        .map_err(|_| unsupported("the public point is not on P-256"))?;
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
            parameters: Some(der::Any::from(&P256)),
        },
        subject_public_key: BitString::from_bytes(vk.to_encoded_point(false).as_bytes())
            .map_err(|e| Error::Pkcs11(e.to_string()))?,
    };
    Ok(spki)
}

/// A P-256 key pair on a token. Signing happens in the token; the private
/// key is never read.
pub struct HsmKey {
    token: Arc<TokenInner>,
    private: ObjectHandle,
    spki: SubjectPublicKeyInfoOwned,
    label: String,
}

impl std::fmt::Debug for HsmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmKey")
            .field("token", &self.token.label)
            .field("label", &self.label)
            .finish()
    }
}

impl HsmKey {
    /// The key's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The private key's protection attributes, read back from the token,
    /// and the token's answer to a request for its value.
    pub fn protection(&self) -> Result<Protection> {
        let session = self.token.session();
        let attrs = session
            .get_attributes(
                self.private,
                &[
                    AttributeType::Token,
                    AttributeType::Private,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::AlwaysSensitive,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(ck)?;
        let mut p = Protection {
            token: false,
            private: false,
            sensitive: false,
            extractable: true,
            always_sensitive: false,
            never_extractable: false,
            value: ValueAccess::Unavailable,
        };
        for a in attrs {
            match a {
                Attribute::Token(v) => p.token = v,
                Attribute::Private(v) => p.private = v,
                Attribute::Sensitive(v) => p.sensitive = v,
                Attribute::Extractable(v) => p.extractable = v,
                Attribute::AlwaysSensitive(v) => p.always_sensitive = v,
                Attribute::NeverExtractable(v) => p.never_extractable = v,
                _ => {}
            }
        }
        p.value = match session
            .get_attribute_info(self.private, &[AttributeType::Value])
            .map_err(ck)?
            .first()
        {
            Some(AttributeInfo::Sensitive) => ValueAccess::Sensitive,
            Some(AttributeInfo::Available(n)) => {
                // Asked for the size, the token might still refuse the
                // value itself: ask for it.
                let got = session
                    .get_attributes(self.private, &[AttributeType::Value])
                    .map_err(ck)?;
                match got.first() {
                    Some(Attribute::Value(v)) => ValueAccess::Readable(v.len()),
                    _ if *n == 0 => ValueAccess::Unavailable,
                    _ => ValueAccess::Sensitive,
                }
            }
            _ => ValueAccess::Unavailable,
        };
        Ok(p)
    }
}

impl KeySigner for HsmKey {
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let raw = self
            .token
            .session()
            .sign(&Mechanism::Ecdsa, self.private, digest)
            .map_err(ck)?;
        // CKM_ECDSA gives r || s, each 32 bytes on P-256.
        let sig = p256::ecdsa::Signature::from_slice(&raw)
            .map_err(|e| Error::Pkcs11(format!("the token's signature is not r||s: {e}")))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.spki
    }

    fn describe(&self) -> String {
        format!("pkcs11:token={};object={}", self.token.label, self.label)
    }
}
