//! The OS keyring (Secret Service on Linux, Keychain, Credential Manager)
//! through the `keyring` crate, under the service name [`SERVICE`]. Where the
//! crate is not built in (mobile targets, or without the `os-keyring`
//! feature) every call fails with [`Error::Keyring`].

use crate::error::{Error, Result};

/// The keyring service every Kyso entry is filed under.
pub const SERVICE: &str = "kyso";

#[cfg(all(
    feature = "os-keyring",
    any(target_os = "linux", target_os = "macos", target_os = "windows")
))]
mod imp {
    use super::*;

    fn entry(account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, account).map_err(|e| Error::Keyring(e.to_string()))
    }

    fn err(e: keyring::Error) -> Error {
        Error::Keyring(match e {
            keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
                let mut s = e.to_string();
                let mut cur = e.source();
                while let Some(c) = cur {
                    s.push_str(": ");
                    s.push_str(&c.to_string());
                    cur = c.source();
                }
                s
            }
            other => other.to_string(),
        })
    }

    pub fn set(account: &str, secret: &[u8]) -> Result<()> {
        entry(account)?.set_secret(secret).map_err(err)
    }

    pub fn get(account: &str) -> Result<Option<Vec<u8>>> {
        match entry(account)?.get_secret() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(err(e)),
        }
    }

    pub fn delete(account: &str) -> Result<()> {
        match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(err(e)),
        }
    }
}

#[cfg(not(all(
    feature = "os-keyring",
    any(target_os = "linux", target_os = "macos", target_os = "windows")
)))]
mod imp {
    use super::*;

    fn none() -> Error {
        Error::Keyring("this build has no OS keyring".into())
    }

    pub fn set(_account: &str, _secret: &[u8]) -> Result<()> {
        Err(none())
    }

    pub fn get(_account: &str) -> Result<Option<Vec<u8>>> {
        Err(none())
    }

    pub fn delete(_account: &str) -> Result<()> {
        Err(none())
    }
}

/// Runs a keyring call. `secret-service` (under `keyring` on Linux) panics
/// when the keyring asks to be unlocked and its prompt ends with no answer
/// (a locked keyring and no prompter, e.g. a headless session): that is an
/// error of the call here, never the end of the app.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::Keyring(
            "the keyring is locked and no prompt could unlock it".into(),
        ))
    })
}

/// Stores `secret` under `account` (replacing what was there).
pub fn set(account: &str, secret: &[u8]) -> Result<()> {
    guarded(|| imp::set(account, secret))
}

/// The secret under `account`; `None` when there is no such entry.
pub fn get(account: &str) -> Result<Option<Vec<u8>>> {
    guarded(|| imp::get(account))
}

/// Removes `account` (no error when it is absent).
pub fn delete(account: &str) -> Result<()> {
    guarded(|| imp::delete(account))
}
