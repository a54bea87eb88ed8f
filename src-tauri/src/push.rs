//! Push on the phones (DESIGN.md §4.5, §7.6): `tauri-plugin-kyso-push`
//! gets the FCM or APNs token and shows the gateway's content-free pushes
//! with "Xem" and "Ký ngay"; this module keeps the gateway told of the
//! token and turns taps into the app's links. Registered on Android and
//! iOS only (lib.rs); the desktop follows the gateway's events
//! ([`crate::sync`], [`crate::notify`]).
//!
//! **The token.** What the gateway was last told is remembered in
//! `push.json` in the app's directory: the gateway, the device id and the
//! SHA-256 of the token (never the token). [`sync`] compares it with now
//! ([`plan`]) and, when they differ, registers the token for the enrolled
//! device (`PUT /device/devices/{id}/push`), or, when the device key was
//! removed, unregisters the old device (`DELETE`). It runs when the plugin
//! is ready, when the platform hands out a new token, and every
//! [`CHECK`] (so an enrollment, a login or a removed key is noticed
//! without any call from the session code). A device without a token asks
//! the plugin once per run (`register`: the first time, the system asks
//! the user to allow notifications). A logout keeps the registration: the
//! phone is still the leader's enrolled device, and a tap then opens the
//! login first.
//!
//! **Taps.** A tap on a notification or "Xem" opens `kyso://request/<id>`,
//! "Ký ngay" `kyso://request/<id>/sign` (the sign sheet; signing still
//! needs the confirmation and the key's biometric prompt), through
//! [`links::open_url`], the same path as any deep link. The plugin hands
//! over only taps with a valid id (the rule of [`links::valid_id`]) and a
//! known action; anything else never reaches here.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kyso_api::{PushProvider, PushRegistration};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_kyso_push::{Provider, PushEvent, PushExt, PushToken, Tap};

use crate::links;
use crate::state::{Kyso, same_server};

/// How often [`sync`] looks again without being woken.
pub const CHECK: Duration = Duration::from_secs(30);

/// What the gateway was told, in the app's directory.
const RECORD: &str = "push.json";

/// The plugin as the app registers it (lib.rs, phones only).
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_kyso_push::Builder::new()
        .on_event(on_event)
        .build()
}

/// What the plugin tells the app.
pub fn on_event<R: Runtime>(app: &AppHandle<R>, event: PushEvent) {
    match event {
        PushEvent::Ready => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { run(app).await });
        }
        PushEvent::Token(token) => {
            let pushes = pushes(app);
            pushes.set_token(token);
            pushes.wake.notify_one();
        }
        PushEvent::Tap(tap) => links::open_url(app, &link(&tap)),
    }
}

/// The app's link for a tap: `kyso://request/<id>` or
/// `kyso://request/<id>/sign`.
pub fn link(tap: &Tap) -> String {
    tap.deep_link()
}

/// The push state of this run.
#[derive(Default)]
pub struct Pushes {
    token: Mutex<Option<PushToken>>,
    /// `register` was asked in this run.
    asked: AtomicBool,
    wake: tokio::sync::Notify,
    /// One [`sync`] at a time.
    one: tokio::sync::Mutex<()>,
}

impl Pushes {
    fn token(&self) -> Option<PushToken> {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_token(&self, t: PushToken) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(t);
    }
}

fn pushes<R: Runtime>(app: &AppHandle<R>) -> tauri::State<'_, Pushes> {
    if app.try_state::<Pushes>().is_none() {
        app.manage(Pushes::default());
    }
    app.state::<Pushes>()
}

async fn run<R: Runtime>(app: AppHandle<R>) {
    loop {
        sync(&app).await;
        let pushes = pushes(&app);
        tokio::select! {
            _ = pushes.wake.notified() => {}
            _ = tokio::time::sleep(CHECK) => {}
        }
    }
}

/// What the gateway was last told: on which gateway, for which device,
/// which token (its SHA-256, hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The gateway's URL.
    pub server: String,
    /// The device the token was registered for.
    pub device_id: String,
    /// SHA-256 of `provider:token`, hex.
    pub token_sha256: String,
}

/// The digest [`Registered`] keeps of a token.
pub fn digest(t: &PushToken) -> String {
    let mut h = Sha256::new();
    h.update(t.provider.as_str().as_bytes());
    h.update(b":");
    h.update(t.token.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What [`sync`] does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The gateway knows what it should.
    Nothing,
    /// Register the token for this device (new device, new token, or
    /// another gateway than last time).
    Register(String),
    /// The device is gone here (its key removed): no more pushes to it.
    Unregister(String),
}

/// Compares what the gateway was told (`registered`) with now: the
/// session's gateway `server`, the enrolled device of the session's user
/// there, the platform's token.
pub fn plan(
    server: &str,
    registered: Option<&Registered>,
    device: Option<&str>,
    token: Option<&PushToken>,
) -> Step {
    let here = registered.filter(|r| same_server(&r.server, server));
    match (device, token) {
        (Some(d), Some(t)) => {
            if here.is_some_and(|r| r.device_id == d && r.token_sha256 == digest(t)) {
                Step::Nothing
            } else {
                // The gateway moves a token off any other device itself.
                Step::Register(d.to_string())
            }
        }
        (Some(_), None) => Step::Nothing,
        (None, _) => match here {
            Some(r) => Step::Unregister(r.device_id.clone()),
            None => Step::Nothing,
        },
    }
}

fn record_path(dir: &Path) -> PathBuf {
    dir.join(RECORD)
}

fn load(dir: &Path) -> Option<Registered> {
    std::fs::read(record_path(dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn save(dir: &Path, r: &Registered) {
    let path = record_path(dir);
    let written = serde_json::to_vec_pretty(r)
        .map_err(std::io::Error::other)
        .and_then(|json| kyso_client::store::write_private(&path, &json));
    if let Err(e) = written {
        eprintln!("kyso: push: cannot write {}: {e}", path.display());
    }
}

fn forget(dir: &Path) {
    let _ = std::fs::remove_file(record_path(dir));
}

fn provider(p: Provider) -> PushProvider {
    match p {
        Provider::Fcm => PushProvider::Fcm,
        Provider::Apns => PushProvider::Apns,
    }
}

/// Brings the gateway up to date (see the module's documentation). Quiet
/// without a session: nothing can be told then. Never logs the token.
pub async fn sync<R: Runtime>(app: &AppHandle<R>) {
    let Some(kyso) = app.try_state::<Kyso>() else {
        return;
    };
    let pushes = pushes(app);
    let _one = pushes.one.lock().await;
    let Ok(session) = kyso.session() else {
        return;
    };
    let device = kyso.device(&session).ok().map(|(r, _, _)| r.device_id);
    if device.is_some() && pushes.token().is_none() && !pushes.asked.swap(true, Ordering::SeqCst) {
        match app.push().register().await {
            Ok(t) => pushes.set_token(t),
            Err(e) => eprintln!("kyso: push: no push token: {e}"),
        }
    }
    let token = pushes.token();
    let registered = load(&kyso.dir);
    let step = plan(
        &session.server,
        registered.as_ref(),
        device.as_deref(),
        token.as_ref(),
    );
    let Ok(client) = kyso.client() else {
        return;
    };
    match (step, token) {
        (Step::Register(device_id), Some(t)) => {
            let reg = PushRegistration {
                provider: provider(t.provider),
                token: t.token.clone(),
                app_id: Some(app.config().identifier.clone()),
            };
            let r = client.register_push(&device_id, &reg).await;
            match kyso.seen(app, r, true) {
                Ok(()) => save(
                    &kyso.dir,
                    &Registered {
                        server: session.server.clone(),
                        device_id,
                        token_sha256: digest(&t),
                    },
                ),
                Err(e) => eprintln!("kyso: push: the gateway did not take the token: {e}"),
            }
        }
        (Step::Unregister(device_id), _) => {
            let r = client.unregister_push(&device_id).await;
            // Not found: the device is revoked or someone else's; either
            // way it gets no pushes.
            let gone = matches!(&r, Err(kyso_client::Error::Api { status: 404, .. }));
            match kyso.seen(app, r, true) {
                Ok(()) => forget(&kyso.dir),
                Err(_) if gone => forget(&kyso.dir),
                Err(e) => eprintln!("kyso: push: the gateway did not drop the token: {e}"),
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri_plugin_kyso_push::valid_request_id;

    const ID: &str = "0b6f1c3e-5d2a-4f4e-9a57-3c1d2e8b9f10";
    const GW: &str = "https://gw.example";

    fn token(s: &str) -> PushToken {
        PushToken {
            provider: Provider::Fcm,
            token: s.into(),
        }
    }

    fn registered(device: &str, t: &str) -> Registered {
        Registered {
            server: GW.into(),
            device_id: device.into(),
            token_sha256: digest(&token(t)),
        }
    }

    #[test]
    fn taps_open_the_apps_links() {
        let view = Tap::parse(ID, "view").expect("tap");
        assert_eq!(link(&view), links::request_url(ID));
        assert!(
            links::parse_request_url(&link(&view)).is_some(),
            "a link the app opens"
        );
        // The sign sheet's link, as links.rs spells it (`sign_url`).
        let sign = Tap::parse(ID, "sign").expect("tap");
        assert_eq!(link(&sign), format!("kyso://request/{ID}/sign"));
    }

    #[test]
    fn the_plugin_checks_ids_as_the_links_do() {
        let long = "a".repeat(64);
        let too_long = "a".repeat(65);
        for id in [
            ID,
            "req_42-A",
            "sign",
            long.as_str(),
            too_long.as_str(),
            "",
            "a.b",
            "a/b",
            "../x",
            "a%2F",
            "a b",
            "ab\n",
            "tài-liệu",
            "abc?x",
            "abc#x",
        ] {
            assert_eq!(
                valid_request_id(id),
                links::valid_id(id),
                "{id:?}: one rule for pushes and links"
            );
            assert_eq!(Tap::parse(id, "view").is_some(), links::valid_id(id));
        }
        for action in ["", "open", "SIGN", "approve", "decline"] {
            assert_eq!(Tap::parse(ID, action), None, "{action:?} is ignored");
        }
    }

    #[test]
    fn a_new_device_or_token_is_registered_once() {
        let t = token("tok-1");
        assert_eq!(
            plan(GW, None, Some("d1"), Some(&t)),
            Step::Register("d1".into()),
            "just enrolled"
        );
        assert_eq!(
            plan(GW, Some(&registered("d1", "tok-1")), Some("d1"), Some(&t)),
            Step::Nothing,
            "told already"
        );
        assert_eq!(
            plan(GW, Some(&registered("d1", "tok-0")), Some("d1"), Some(&t)),
            Step::Register("d1".into()),
            "the platform rotated the token"
        );
        assert_eq!(
            plan(GW, Some(&registered("d0", "tok-1")), Some("d1"), Some(&t)),
            Step::Register("d1".into()),
            "enrolled again: the gateway moves the token to the new device"
        );
        assert_eq!(
            plan(
                "https://other.example",
                Some(&registered("d1", "tok-1")),
                Some("d1"),
                Some(&t)
            ),
            Step::Register("d1".into()),
            "another gateway was told, not this one"
        );
        assert_eq!(
            plan(GW, Some(&registered("d1", "tok-1")), Some("d1"), None),
            Step::Nothing,
            "no token yet: nothing to tell"
        );
        let apns = PushToken {
            provider: Provider::Apns,
            token: "tok-1".into(),
        };
        assert_ne!(digest(&apns), digest(&t), "the provider is part of it");
        assert_eq!(digest(&t).len(), 64);
    }

    #[test]
    fn a_removed_key_is_unregistered() {
        let t = token("tok-1");
        assert_eq!(
            plan(GW, Some(&registered("d1", "tok-1")), None, Some(&t)),
            Step::Unregister("d1".into())
        );
        assert_eq!(
            plan(GW, Some(&registered("d1", "tok-1")), None, None),
            Step::Unregister("d1".into())
        );
        assert_eq!(plan(GW, None, None, Some(&t)), Step::Nothing);
        assert_eq!(
            plan(
                "https://other.example",
                Some(&registered("d1", "tok-1")),
                None,
                None
            ),
            Step::Nothing,
            "the other gateway cannot be told without its session"
        );
    }

    #[test]
    fn the_record_keeps_no_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(load(dir.path()), None);
        let r = registered("d1", "very-secret-token");
        save(dir.path(), &r);
        assert_eq!(load(dir.path()), Some(r));
        let text = std::fs::read_to_string(record_path(dir.path())).expect("record");
        assert!(!text.contains("very-secret-token"), "{text}");
        forget(dir.path());
        assert_eq!(load(dir.path()), None);
    }
}
