//! The local cache, sealed by [`Vault`]: the last inbox and every request
//! the app has seen (`cache/requests`), and the documents opened
//! (`cache/doc-<sha256>`), so a leader can read and sign without a network
//! (DESIGN.md §4.4). Anything unreadable is a miss, never an error: the app
//! fetches again.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

use kyso_api::{Meeting, MeetingDocument, RequestStatus, SigningRequest};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::vault::Vault;

const REQUESTS: &str = "requests";

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Requests {
    /// The ids of the last inbox, in the gateway's order.
    inbox: Vec<String>,
    /// When it was fetched.
    fetched_at: Option<String>,
    /// Every request seen, as last seen.
    requests: BTreeMap<String, SigningRequest>,
    /// The ids of the last meeting list, soonest first.
    #[serde(default)]
    meeting_list: Vec<String>,
    /// When it was fetched.
    #[serde(default)]
    meetings_fetched_at: Option<String>,
    /// Every meeting seen, as last seen: its agenda documents are kept.
    #[serde(default)]
    meetings: BTreeMap<String, Meeting>,
}

impl Requests {
    /// The documents to keep: the last inbox's and the meetings'.
    fn keep(&self) -> HashSet<String> {
        self.inbox
            .iter()
            .filter_map(|id| self.requests.get(id))
            .map(|r| r.document_sha256.to_ascii_lowercase())
            .chain(self.meeting_documents().map(str::to_ascii_lowercase))
            .collect()
    }

    /// The SHA-256 of every agenda document of the meetings kept.
    fn meeting_documents(&self) -> impl Iterator<Item = &str> {
        self.meetings
            .values()
            .flat_map(|m| m.agenda.iter())
            .flat_map(|i| i.documents.iter())
            .map(|d| d.sha256.as_str())
    }
}

/// The cache.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    vault: Vault,
    state: Mutex<Requests>,
}

fn doc_name(sha256: &str) -> Option<String> {
    let ok = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("doc-{}", sha256.to_ascii_lowercase()))
}

impl Cache {
    /// The cache in `dir`, sealed with `vault`.
    pub fn open(dir: PathBuf, vault: Vault) -> Self {
        let state = vault
            .read(&dir, REQUESTS)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            dir,
            vault,
            state: Mutex::new(state),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Requests) -> T) -> Result<T> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let out = f(&mut s);
        let json = serde_json::to_vec(&*s).map_err(|e| crate::IpcError::internal(e.to_string()))?;
        self.vault.write(&self.dir, REQUESTS, &json)?;
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&Requests) -> T) -> T {
        f(&self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Remembers the inbox just fetched; documents no pending request needs
    /// any more are deleted.
    pub fn put_inbox(&self, list: &[SigningRequest], fetched_at: &str) -> Result<()> {
        let keep = self.with(|s| {
            s.inbox = list.iter().map(|r| r.id.clone()).collect();
            s.fetched_at = Some(fetched_at.to_string());
            for r in list {
                s.requests.insert(r.id.clone(), r.clone());
            }
            s.keep()
        })?;
        self.prune_documents(&keep);
        Ok(())
    }

    /// Remembers the meeting list just fetched; meetings no longer in it
    /// are forgotten, and their documents deleted unless still needed.
    pub fn put_meetings(&self, list: &[Meeting], fetched_at: &str) -> Result<()> {
        let keep = self.with(|s| {
            s.meeting_list = list.iter().map(|m| m.id.clone()).collect();
            s.meetings_fetched_at = Some(fetched_at.to_string());
            s.meetings = list.iter().map(|m| (m.id.clone(), m.clone())).collect();
            s.keep()
        })?;
        self.prune_documents(&keep);
        Ok(())
    }

    /// The last meeting list and when it was fetched.
    pub fn meetings(&self) -> Option<(Vec<Meeting>, String)> {
        self.read(|s| {
            let at = s.meetings_fetched_at.clone()?;
            let list = s
                .meeting_list
                .iter()
                .filter_map(|id| s.meetings.get(id).cloned())
                .collect();
            Some((list, at))
        })
    }

    /// Remembers one meeting as just seen.
    pub fn put_meeting(&self, m: &Meeting) -> Result<()> {
        self.with(|s| {
            s.meetings.insert(m.id.clone(), m.clone());
        })
    }

    /// A meeting as last seen.
    pub fn meeting(&self, id: &str) -> Option<Meeting> {
        self.read(|s| s.meetings.get(id).cloned())
    }

    /// An agenda document of a kept meeting, by its id.
    pub fn meeting_document(&self, document_id: &str) -> Option<(String, MeetingDocument)> {
        self.read(|s| {
            s.meetings.values().find_map(|m| {
                m.agenda
                    .iter()
                    .flat_map(|i| i.documents.iter())
                    .find(|d| d.id == document_id)
                    .map(|d| (m.id.clone(), d.clone()))
            })
        })
    }

    /// Whether the document with this SHA-256 is in the cache (not read).
    pub fn has_document(&self, sha256: &str) -> bool {
        doc_name(sha256).is_some_and(|n| self.dir.join(n).is_file())
    }

    /// The last inbox (still pending as far as the app knows) and when it
    /// was fetched.
    pub fn inbox(&self) -> Option<(Vec<SigningRequest>, String)> {
        self.read(|s| {
            let at = s.fetched_at.clone()?;
            let list = s
                .inbox
                .iter()
                .filter_map(|id| s.requests.get(id))
                .filter(|r| r.status == RequestStatus::Pending)
                .cloned()
                .collect();
            Some((list, at))
        })
    }

    /// Remembers a request as the gateway has it now.
    pub fn put_request(&self, r: &SigningRequest) -> Result<()> {
        self.with(|s| {
            s.requests.insert(r.id.clone(), r.clone());
        })
    }

    /// A request as last seen.
    pub fn request(&self, id: &str) -> Option<SigningRequest> {
        self.read(|s| s.requests.get(id).cloned())
    }

    /// Notes a status change announced by the gateway's events.
    pub fn set_status(&self, id: &str, status: RequestStatus) -> Result<()> {
        if self.read(|s| s.requests.get(id).is_none_or(|r| r.status == status)) {
            return Ok(());
        }
        self.with(|s| {
            if let Some(r) = s.requests.get_mut(id) {
                r.status = status;
            }
        })
    }

    /// Requests of `user_id` signed, issued or declined, newest first.
    pub fn history(&self, user_id: &str) -> Vec<SigningRequest> {
        let mut v: Vec<SigningRequest> = self.read(|s| {
            s.requests
                .values()
                .filter(|r| r.signer.id == user_id)
                .filter(|r| {
                    matches!(
                        r.status,
                        RequestStatus::Signed | RequestStatus::Issued | RequestStatus::Declined
                    )
                })
                .cloned()
                .collect()
        });
        v.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        v
    }

    /// The cached document with this SHA-256, checked.
    pub fn document(&self, sha256: &str) -> Option<Vec<u8>> {
        let name = doc_name(sha256)?;
        let bytes = self.vault.read(&self.dir, &name)?;
        (kyso_client::flow::sha256_hex(&bytes).eq_ignore_ascii_case(sha256)).then_some(bytes)
    }

    /// Keeps a document (already checked against its request).
    pub fn put_document(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        match doc_name(sha256) {
            Some(name) => self.vault.write(&self.dir, &name, bytes),
            None => Ok(()),
        }
    }

    fn prune_documents(&self, keep: &HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(sha) = name.strip_prefix("doc-")
                && !keep.contains(sha)
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// Forgets everything (logout, another user or gateway).
    pub fn clear(&self) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Requests::default();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
