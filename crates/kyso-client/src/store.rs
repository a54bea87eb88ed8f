//! Local state in the user's configuration directory
//! (`$XDG_CONFIG_HOME/kyso`, else the platform's, e.g. `~/.config/kyso`):
//!
//! * `session.json`: server, pin, user, expiry, and where the token is;
//!   the token itself goes to the OS keyring when one is usable, else into
//!   this file (mode 0600) and the caller is told so;
//! * `device.json`: the enrolled device and where its key is (keyring entry
//!   or passphrase-encrypted file); never the key;
//! * `device-chain.pem`: the device certificate and its CA, from enrollment.
//!
//! Every file is written to a temporary file (0600) and renamed, in a
//! directory created 0700.

use std::io::Write;
use std::path::{Path, PathBuf};

use kyso_api::{SecurityLevel, User};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::os_keyring;
use crate::secret::Secret;
use crate::tls::SpkiPin;

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The gateway (`https://host:port/`).
    pub server: String,
    /// The gateway's pinned public key.
    pub pin: Option<SpkiPin>,
    /// Who.
    pub user: User,
    /// Expiry (RFC 3339).
    pub expires_at: String,
    /// Bearer token.
    pub token: Secret<String>,
}

impl Session {
    /// Whether the session has expired by the local clock.
    pub fn is_expired(&self) -> bool {
        time::OffsetDateTime::parse(
            &self.expires_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map(|t| t <= time::OffsetDateTime::now_utc())
        .unwrap_or(false)
    }
}

/// Where a secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStorage {
    /// In the OS keyring.
    Keyring,
    /// In the session file (0600), because no keyring was usable; the
    /// reason says why.
    File {
        /// Why the keyring could not be used.
        reason: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TokenRef {
    /// An entry in the OS keyring.
    Keyring { service: String, account: String },
    /// The token itself (no keyring was usable).
    File { value: String },
}

#[derive(Serialize, Deserialize)]
struct SessionFile {
    version: u32,
    server: String,
    #[serde(default)]
    pin: Option<SpkiPin>,
    user: User,
    expires_at: String,
    token: TokenRef,
}

/// Where a device key lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyLocation {
    /// An OS keyring entry (service [`os_keyring::SERVICE`]).
    Keyring {
        /// Entry name.
        account: String,
    },
    /// A passphrase-encrypted key file.
    File {
        /// Its path.
        path: PathBuf,
    },
}

/// An enrolled device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// Format version.
    pub version: u32,
    /// The gateway it is enrolled with.
    pub server: String,
    /// The user it belongs to.
    pub username: String,
    /// The gateway's device id.
    pub device_id: String,
    /// The security level the gateway recorded.
    pub security_level: SecurityLevel,
    /// Where the key is.
    pub key: KeyLocation,
    /// Enrolled (RFC 3339).
    pub enrolled_at: String,
}

/// The configuration directory and its files.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

const SESSION: &str = "session.json";
const DEVICE: &str = "device.json";
const CHAIN: &str = "device-chain.pem";

impl Store {
    /// A store in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_CONFIG_HOME/kyso` when set, else the platform's configuration
    /// directory (`~/.config/kyso` on Linux).
    pub fn default_dir() -> Result<PathBuf> {
        if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from)
            && x.is_absolute()
        {
            return Ok(x.join("kyso"));
        }
        dirs::config_dir()
            .or_else(|| dirs::home_dir().map(|h| h.join(".config")))
            .map(|d| d.join("kyso"))
            .ok_or_else(|| Error::Storage {
                what: "config directory",
                path: "~/.config/kyso".into(),
                reason: "no home directory".into(),
            })
    }

    /// The store in [`Store::default_dir`].
    pub fn open_default() -> Result<Self> {
        Self::default_dir().map(Self::new)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `session.json`.
    pub fn session_path(&self) -> PathBuf {
        self.dir.join(SESSION)
    }

    /// `device.json`.
    pub fn device_path(&self) -> PathBuf {
        self.dir.join(DEVICE)
    }

    /// `device-chain.pem`.
    pub fn chain_path(&self) -> PathBuf {
        self.dir.join(CHAIN)
    }

    fn ensure_dir(&self) -> Result<()> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&self.dir)
            .map_err(|e| Error::storage("config directory", &self.dir, e))
    }

    fn token_account(server: &str, username: &str) -> String {
        format!("session:{server}:{username}")
    }

    /// Saves a session: the token to the OS keyring when it works, else into
    /// the file; says which.
    pub fn save_session(&self, s: &Session) -> Result<TokenStorage> {
        self.save_session_with(s, true)
    }

    /// As [`Store::save_session`]; `use_keyring: false` keeps the token in
    /// the file without trying the keyring.
    pub fn save_session_with(&self, s: &Session, use_keyring: bool) -> Result<TokenStorage> {
        self.ensure_dir()?;
        let account = Self::token_account(&s.server, &s.user.username);
        let attempt = if use_keyring {
            os_keyring::set(&account, s.token.expose().as_bytes())
        } else {
            Err(Error::Keyring("not requested".into()))
        };
        let (token, storage) = match attempt {
            Ok(()) => (
                TokenRef::Keyring {
                    service: os_keyring::SERVICE.into(),
                    account,
                },
                TokenStorage::Keyring,
            ),
            Err(e) => (
                TokenRef::File {
                    value: s.token.expose().clone(),
                },
                TokenStorage::File {
                    reason: match e {
                        Error::Keyring(m) => m,
                        other => other.to_string(),
                    },
                },
            ),
        };
        let file = SessionFile {
            version: 1,
            server: s.server.clone(),
            pin: s.pin,
            user: s.user.clone(),
            expires_at: s.expires_at.clone(),
            token,
        };
        let mut json = serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::storage("session", &self.session_path(), e))?;
        let r = write_private(&self.session_path(), &json)
            .map_err(|e| Error::storage("session", &self.session_path(), e));
        zeroize::Zeroize::zeroize(&mut json);
        r.map(|()| storage)
    }

    /// The saved session, if any.
    pub fn load_session(&self) -> Result<Option<Session>> {
        let path = self.session_path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::storage("session", &path, e)),
        };
        let f: SessionFile =
            serde_json::from_slice(&bytes).map_err(|e| Error::storage("session", &path, e))?;
        let token = match f.token {
            TokenRef::File { value } => Secret::new(value),
            TokenRef::Keyring { account, .. } => {
                let v = os_keyring::get(&account)?.ok_or(Error::NotLoggedIn(None))?;
                Secret::new(
                    String::from_utf8(v)
                        .map_err(|_| Error::Keyring("the stored token is not text".into()))?,
                )
            }
        };
        Ok(Some(Session {
            server: f.server,
            pin: f.pin,
            user: f.user,
            expires_at: f.expires_at,
            token,
        }))
    }

    /// Forgets the session (file and keyring entry).
    pub fn clear_session(&self) -> Result<()> {
        let path = self.session_path();
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(SessionFile {
                token: TokenRef::Keyring { account, .. },
                ..
            }) = serde_json::from_slice::<SessionFile>(&bytes)
        {
            let _ = os_keyring::delete(&account);
        }
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::storage("session", &path, e)),
        }
    }

    /// Saves the enrolled device and its certificate chain.
    pub fn save_device(&self, d: &DeviceRecord, chain_pem: &str) -> Result<()> {
        self.ensure_dir()?;
        write_private(&self.chain_path(), chain_pem.as_bytes())
            .map_err(|e| Error::storage("certificate chain", &self.chain_path(), e))?;
        let json = serde_json::to_vec_pretty(d)
            .map_err(|e| Error::storage("device", &self.device_path(), e))?;
        write_private(&self.device_path(), &json)
            .map_err(|e| Error::storage("device", &self.device_path(), e))
    }

    /// The enrolled device and its chain (PEM), if any.
    pub fn load_device(&self) -> Result<Option<(DeviceRecord, String)>> {
        let path = self.device_path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::storage("device", &path, e)),
        };
        let d: DeviceRecord =
            serde_json::from_slice(&bytes).map_err(|e| Error::storage("device", &path, e))?;
        let chain = std::fs::read_to_string(self.chain_path())
            .map_err(|e| Error::storage("certificate chain", &self.chain_path(), e))?;
        Ok(Some((d, chain)))
    }
}

/// Writes `bytes` to `path` through a temporary file created 0600 beside it,
/// then renames: readers never see half a file, and nobody else can read it.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_new_private(path, bytes, false)
}

/// As [`write_private`]; with `exclusive`, fails if `path` exists.
pub fn write_new_private(path: &Path, bytes: &[u8], exclusive: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut n = 0u32;
    let (tmp, mut f) = loop {
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        match o.open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let r = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| {
            if exclusive {
                // hard_link fails if the target exists: no race with another writer.
                std::fs::hard_link(&tmp, path).and_then(|()| std::fs::remove_file(&tmp))
            } else {
                std::fs::rename(&tmp, path)
            }
        });
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyso_api::Role;

    fn user() -> User {
        User {
            id: "u1".into(),
            username: "leader1".into(),
            full_name: "Nguyễn Văn An".into(),
            title: "Chủ tịch".into(),
            role: Role::Leader,
            unit_id: "unit".into(),
        }
    }

    #[test]
    fn session_round_trips_in_a_private_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path().join("kyso"));
        assert!(store.load_session().expect("reads").is_none(), "none yet");
        let s = Session {
            server: "http://127.0.0.1:1/".into(),
            pin: Some(SpkiPin([7; 32])),
            user: user(),
            expires_at: "2999-01-01T00:00:00Z".into(),
            token: Secret::from("kyso_s_abc"),
        };
        let how = store.save_session_with(&s, false).expect("saves");
        assert!(matches!(how, TokenStorage::File { .. }), "{how:?}");
        let back = store.load_session().expect("reads").expect("some");
        assert_eq!(back.token.expose(), "kyso_s_abc", "token kept");
        assert_eq!(back.pin, s.pin, "pin kept");
        assert_eq!(back.user, s.user, "user kept");
        assert!(!back.is_expired(), "far future");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
            assert_eq!(mode(&store.session_path()), 0o600, "file mode");
            assert_eq!(mode(store.dir()), 0o700, "directory mode");
        }
        store.clear_session().expect("clears");
        assert!(store.load_session().expect("reads").is_none(), "gone");
        assert_eq!(
            std::fs::read_dir(store.dir()).expect("dir").count(),
            0,
            "no temporary files left"
        );
    }

    #[test]
    fn exclusive_writes_do_not_replace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("k");
        write_new_private(&p, b"one", true).expect("first");
        assert!(write_new_private(&p, b"two", true).is_err(), "exists");
        assert_eq!(std::fs::read(&p).expect("read"), b"one", "kept");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "no temporary file left"
        );
    }
}
