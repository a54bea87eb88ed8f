//! The gateway, the session and the device key: `app_state`,
//! `configure_server`, `login`, `logout`, `enroll`, `set_language`,
//! `quiet_hours`, `set_quiet_hours`, `remove_key`.

use base64::Engine;
use der::{Decode, Encode};
use kyso_api::{EnrollRequest, QuietHours, SecurityLevel, User};
use kyso_client::{DeviceRecord, KeyLocation, Secret, Session};
use tauri::{AppHandle, Runtime};
use tauri_plugin_kyso_keystore::{
    AliasRequest, ErrorCode as KeystoreCode, GenerateKeyRequest, KeystoreExt,
};
use x509_cert::Certificate;

use crate::error::{Code, IpcError, Result};
use crate::keystore::{ALIAS, KeystoreSigner, csr_pem};
use crate::model::{
    self, AppState, DeviceInfo, KeyStorage, KeystoreInfo, Language, PassphrasePolicy, ServerInfo,
};
use crate::state::{self, DeviceKey, Kyso};

/// The keystore plugin's level in the gateway's spelling.
fn level(l: tauri_plugin_kyso_keystore::SecurityLevel) -> SecurityLevel {
    use tauri_plugin_kyso_keystore::SecurityLevel as P;
    match l {
        P::Software => SecurityLevel::Software,
        P::TrustedEnvironment => SecurityLevel::TrustedEnvironment,
        P::StrongBox => SecurityLevel::StrongBox,
    }
}

/// This device's model as the gateway records it.
fn model_name() -> String {
    // TODO(keystore plugin): phones should report their model (Build.MODEL,
    // utsname machine); the plugin's `status` has no field for it.
    let os = match kyso_client::platform() {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        "android" => "Android",
        "ios" => "iOS",
        other => other,
    };
    format!("{os} {}", std::env::consts::ARCH)
}

fn rfc3339_of(t: &x509_cert::time::Time) -> String {
    model::rfc3339(time::OffsetDateTime::from(t.to_system_time()))
}

fn device_info(record: &DeviceRecord, chain_pem: &str, key: &DeviceKey) -> Result<DeviceInfo> {
    let chain = kyso_client::parse_chain(chain_pem)?;
    let cert = &chain[0].tbs_certificate;
    Ok(DeviceInfo {
        device_id: record.device_id.clone(),
        security_level: record.security_level,
        platform: key.platform.clone(),
        model: key.model.clone(),
        key_storage: key.key_storage,
        certificate_serial: cert
            .serial_number
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        certificate_subject: cert.subject.to_string(),
        certificate_not_after: rfc3339_of(&cert.validity.not_after),
        enrolled_at: record.enrolled_at.clone(),
    })
}

fn spki_der(cert: &Certificate) -> Result<Vec<u8>> {
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| IpcError::internal(e.to_string()))
}

impl Kyso {
    /// `app_state`: everything the UI needs at start, without the network.
    pub async fn app_state<R: Runtime>(&self, app: &AppHandle<R>) -> Result<AppState> {
        let settings = self.settings();
        let session = self.session().ok();
        let device = settings.server.as_ref().and_then(|s| {
            let (r, chain, key) =
                self.device_for(&s.url, session.as_ref().map(|s| s.user.username.as_str()))?;
            device_info(&r, &chain, &key).ok()
        });
        Ok(AppState {
            version: env!("CARGO_PKG_VERSION").to_string(),
            platform: kyso_client::platform().to_string(),
            language: settings.language,
            server: settings.server,
            user: session.map(|s| s.user),
            device,
            keystore: self.keystore_info(app).await,
            queue: self.queue_status().await?,
            open_request: self.opens.take(),
        })
    }

    async fn keystore_info<R: Runtime>(&self, app: &AppHandle<R>) -> KeystoreInfo {
        let passphrase = if cfg!(mobile) {
            PassphrasePolicy::None
        } else if self.options.os_keyring {
            PassphrasePolicy::Optional
        } else {
            PassphrasePolicy::Required
        };
        match app.keystore().status().await {
            Ok(s) => KeystoreInfo {
                available: s.available,
                security_level: level(s.security_level),
                passphrase,
                reason: s.reason.map(|c| c.as_str().to_string()),
            },
            Err(e) => KeystoreInfo {
                available: false,
                security_level: SecurityLevel::Software,
                passphrase,
                reason: Some(e.code.as_str().to_string()),
            },
        }
    }

    /// `configure_server`: checks the gateway answers over TLS with the
    /// pinned key (`GET /ca`), then keeps it. Another gateway than before
    /// ends the session and empties the cache.
    pub async fn configure_server<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        url: &str,
        pin: Option<&str>,
    ) -> Result<ServerInfo> {
        let pin = pin
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(state::parse_pin)
            .transpose()?;
        let root = kyso_client::client::server_root(url)?;
        if root.scheme() == "https" && pin.is_none() {
            return Err(IpcError::invalid(
                "an https gateway needs its public key pin (sha256/…)",
            ));
        }
        let client = kyso_client::Client::new(root.as_str(), pin)?;
        self.seen(app, client.ca_pem().await, false)?;
        let info = ServerInfo {
            url: client.server().to_string(),
            pin: pin.map(|p| p.to_string()),
        };
        let changed = self.settings().server.as_ref() != Some(&info);
        self.update_settings(|s| s.server = Some(info.clone()))?;
        if changed {
            self.drop_session();
            self.cache.clear();
            self.render.close_all();
        }
        Ok(info)
    }

    /// `login`: the session stays in Rust (token in the OS keyring when
    /// usable). Another user than before starts with an empty cache.
    pub async fn login<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        username: &str,
        password: Secret<String>,
    ) -> Result<User> {
        let (client, server) = self.anonymous_client()?;
        let li = self.seen(app, client.login(username.trim(), &password).await, false)?;
        let previous = self.store.load_session().ok().flatten().map(|s| s.user.id);
        if previous.as_deref() != Some(li.user.id.as_str()) {
            self.cache.clear();
            self.render.close_all();
        }
        let user = li.user.clone();
        self.set_session(Session {
            server: server.url,
            pin: client.pin(),
            user: li.user,
            expires_at: li.expires_at,
            token: li.token,
        })?;
        Ok(user)
    }

    /// `logout`: forgets the session and the cached documents at once, and
    /// tells the gateway in the background (it may be unreachable). The
    /// device key and the upload queue stay.
    pub fn logout(&self) {
        if let Ok(client) = self.client() {
            tauri::async_runtime::spawn(async move {
                let _ = client.logout().await;
            });
        }
        self.drop_session();
        self.cache.clear();
        self.render.close_all();
    }

    /// `enroll`: a new key in the keystore (its prompt or passphrase), a
    /// CSR signed by it (one more prompt), the gateway's certificate.
    ///
    /// One device key per install: `keyExists` when this user is enrolled
    /// here already; an enrollment of another user or gateway is replaced
    /// (its key deleted; the gateway keeps that device until revoked).
    pub async fn enroll<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        passphrase: Option<Secret<String>>,
    ) -> Result<DeviceInfo> {
        let session = self.session()?;
        let client = self.client()?;
        if self.device(&session).is_ok() {
            return Err(IpcError::new(
                Code::Keystore(KeystoreCode::KeyExists),
                "this device is already enrolled; remove its key first",
            ));
        }
        if cfg!(desktop) && !self.options.os_keyring && passphrase.is_none() {
            return Err(IpcError::invalid(
                "without the OS keyring, a desktop key needs a passphrase",
            ));
        }
        let nonce = self.seen(app, client.enroll_nonce().await, true)?;
        let challenge = base64::engine::general_purpose::STANDARD
            .decode(&nonce.nonce)
            .unwrap_or_else(|_| nonce.nonce.clone().into_bytes());
        let keystore = app.keystore();
        // Not enrolled: a key left under the alias (an enrollment cut
        // short) certifies nothing and is replaced.
        keystore.delete_key(AliasRequest::new(ALIAS)).await?;
        #[allow(unused_mut)]
        let mut req = GenerateKeyRequest::new(ALIAS, challenge);
        #[cfg(desktop)]
        {
            req.passphrase = passphrase.clone();
        }
        let key = keystore.generate_key(req).await?;
        let key_storage = if cfg!(mobile) {
            KeyStorage::Hardware
        } else if passphrase.is_some() {
            KeyStorage::PassphraseFile
        } else {
            KeyStorage::OsKeyring
        };
        let result = self
            .certify(app, &client, &session, &key, nonce.nonce, passphrase)
            .await;
        let (resp, chain_pem) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = keystore.delete_key(AliasRequest::new(ALIAS)).await;
                return Err(e);
            }
        };
        let record = DeviceRecord {
            version: 1,
            server: session.server.clone(),
            username: session.user.username.clone(),
            device_id: resp.device_id,
            security_level: resp.security_level,
            // kyso-client's record knows only its own key files and keyring
            // entries; `device-key.json` names the keystore alias.
            key: match key_storage {
                KeyStorage::PassphraseFile => KeyLocation::File {
                    path: self.key_dir.join(format!("{ALIAS}.key")),
                },
                _ => KeyLocation::Keyring {
                    account: format!("kyso-keystore:{ALIAS}"),
                },
            },
            enrolled_at: model::now_rfc3339(),
        };
        let dk = DeviceKey {
            alias: ALIAS.to_string(),
            key_storage,
            platform: kyso_client::platform().to_string(),
            model: model_name(),
        };
        self.save_device(&record, &chain_pem, &dk)?;
        push_sync(app);
        device_info(&record, &chain_pem, &dk)
    }

    async fn certify<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        client: &kyso_client::Client,
        session: &Session,
        key: &tauri_plugin_kyso_keystore::GeneratedKey,
        nonce: String,
        passphrase: Option<Secret<String>>,
    ) -> Result<(kyso_api::EnrollResponse, String)> {
        let prompt = match self.language() {
            Language::Vi => "Xác nhận đăng ký khóa ký số của thiết bị",
            Language::En => "Confirm the enrollment of this device's signing key",
        };
        let signer = KeystoreSigner::new(app, ALIAS, prompt, passphrase);
        let user = &session.user;
        let csr = csr_pem(
            &signer,
            &key.public_key,
            &format!("{} {}", user.full_name, user.username),
        )
        .await?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let resp = self.seen(
            app,
            client
                .enroll(&EnrollRequest {
                    nonce,
                    csr_pem: csr,
                    platform: kyso_client::platform().to_string(),
                    model: model_name(),
                    attestation_chain: key
                        .attestation_chain
                        .iter()
                        .map(|c| b64.encode(c))
                        .collect(),
                    app_attest: key
                        .app_attest
                        .as_ref()
                        .map(|a| kyso_api::AppAttestEvidence {
                            key_id: a.key_id.clone(),
                            attestation: b64.encode(&a.attestation),
                            assertion: b64.encode(&a.assertion),
                        }),
                })
                .await,
            true,
        );
        let resp = resp?;
        let chain = kyso_client::parse_chain(&resp.certificate_chain_pem)?;
        let issued = spki_der(&chain[0])?;
        let ours = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&key.public_key)
            .ok()
            .and_then(|s| s.to_der().ok());
        if ours.as_deref() != Some(&issued[..]) {
            return Err(IpcError::internal(
                "the gateway issued a certificate for another key",
            ));
        }
        let pem = resp.certificate_chain_pem.clone();
        Ok((resp, pem))
    }

    /// `remove_key`: deletes the key from the keystore and forgets the
    /// device and its certificate. (The gateway keeps the device until an
    /// administrator revokes it: devices have no route to do it.)
    pub async fn remove_key<R: Runtime>(&self, app: &AppHandle<R>) -> Result<()> {
        let alias = self
            .device_key()
            .map_or_else(|| ALIAS.to_string(), |k| k.alias);
        app.keystore().delete_key(AliasRequest::new(alias)).await?;
        self.remove_device()?;
        push_sync(app);
        Ok(())
    }

    /// `set_language`.
    pub fn set_language(&self, language: &str) -> Result<()> {
        let l = match language {
            "vi" => Language::Vi,
            "en" => Language::En,
            other => {
                return Err(IpcError::invalid(format!(
                    "the language must be vi or en, not {other:?}"
                )));
            }
        };
        self.update_settings(|s| s.language = l)
    }

    /// `quiet_hours`: the leader's quiet hours, as the gateway keeps them.
    pub async fn quiet_hours<R: Runtime>(&self, app: &AppHandle<R>) -> Result<QuietHours> {
        let client = self.client()?;
        self.seen(app, client.quiet_hours().await, true)
    }

    /// `set_quiet_hours`: both `HH:MM` (Vietnam time, different) or both
    /// none; checked here first, so a bad time never reaches the gateway.
    pub async fn set_quiet_hours<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        quiet: QuietHours,
    ) -> Result<QuietHours> {
        quiet.minutes().map_err(IpcError::invalid)?;
        let client = self.client()?;
        self.seen(app, client.set_quiet_hours(&quiet).await, true)
    }
}

/// On the phones, tells the gateway about the push token at once after an
/// enrollment or a key removal (instead of at the next periodic check of
/// [`crate::push`]); the desktop has no push provider (it follows SSE).
fn push_sync<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(mobile)]
    {
        let app = app.clone();
        tauri::async_runtime::spawn(async move { crate::push::sync(&app).await });
    }
    #[cfg(desktop)]
    let _ = app;
}
