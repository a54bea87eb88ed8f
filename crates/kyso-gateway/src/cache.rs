//! In-memory caches for the two hottest reads, sessions and leaders' inboxes
//! (DESIGN.md §8: inbox p99 ≤ 20 ms under 500 concurrent clients).
//!
//! Both are exact, not "eventually" right, because every change they depend
//! on goes through this process:
//!
//! * a session is only created by login, ended by logout (which evicts it
//!   here) or by its expiry time (checked on every hit); users are never
//!   disabled or deleted by the gateway or `kyso admin` today. A future route
//!   that disables a user must call [`Sessions::clear`];
//! * an inbox changes only when a request addressed to the leader changes,
//!   and every such change calls `requests::notify`, which calls
//!   [`Inboxes::invalidate`] after its transaction committed. A reader that
//!   queried before the commit cannot store its stale answer afterwards: it
//!   carries the generation it started from, and the invalidation bumped it.
//!
//! They are switched on only with SQLite (one gateway process per data
//! directory). With PostgreSQL, several gateways may share one database, so
//! one process cannot see the others' changes: every read goes to the
//! database there.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::HeaderValue;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::auth::CallerUser;

/// Beyond this many entries the session cache starts over (a bound on memory, not a
/// policy: the entries are cheap to recompute).
const MAX_ENTRIES: usize = 100_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Live sessions by token hash.
#[derive(Debug)]
pub struct Sessions {
    enabled: bool,
    map: Mutex<SessionMap>,
}

#[derive(Debug, Default)]
struct SessionMap {
    /// Bumped by every eviction, so that a reader who queried the database
    /// before a logout committed cannot put the session back afterwards.
    epoch: u64,
    live: HashMap<String, (CallerUser, OffsetDateTime)>,
}

impl Sessions {
    /// A cache that holds entries only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            map: Mutex::default(),
        }
    }

    /// The session's user, if cached and not expired at `now`; else the
    /// epoch to [`Sessions::put`] a database read under.
    pub fn get(&self, token_hash: &str, now: OffsetDateTime) -> Result<CallerUser, u64> {
        let mut map = lock(&self.map);
        match map.live.get(token_hash) {
            Some((u, expires)) if now < *expires => Ok(u.clone()),
            Some(_) => {
                map.live.remove(token_hash);
                Err(map.epoch)
            }
            None => Err(map.epoch),
        }
    }

    /// Remembers a session read from the database at `epoch`, unless a
    /// session was evicted meanwhile.
    pub fn put(&self, token_hash: &str, user: &CallerUser, expires: OffsetDateTime, epoch: u64) {
        if !self.enabled {
            return;
        }
        let mut map = lock(&self.map);
        if map.epoch != epoch {
            return;
        }
        if map.live.len() >= MAX_ENTRIES {
            map.live.clear();
        }
        map.live
            .insert(token_hash.to_string(), (user.clone(), expires));
    }

    /// Forgets one session (logout).
    pub fn remove(&self, token_hash: &str) {
        let mut map = lock(&self.map);
        map.epoch += 1;
        map.live.remove(token_hash);
    }

    /// Forgets every session.
    pub fn clear(&self) {
        let mut map = lock(&self.map);
        map.epoch += 1;
        map.live.clear();
    }
}

/// A leader's pending requests as the inbox route answers them, made once
/// per change of the inbox and served as is until the next: the JSON and
/// its gzip coding (for clients that accept it: phones' HTTP stacks do, and
/// 20 pending requests are about 20 KB of JSON and 3 KB of gzip), each with
/// its strong entity tag, ready as header values.
#[derive(Debug, Clone)]
pub struct InboxBody {
    /// `application/json` body.
    pub json: Bytes,
    /// The same, `Content-Encoding: gzip`.
    pub gzip: Bytes,
    /// Strong entity tag of the JSON (quoted), derived from it.
    pub etag: HeaderValue,
    /// Strong entity tag of the gzip coding: the JSON's with `-gz`
    /// (another representation, another strong tag).
    pub etag_gzip: HeaderValue,
}

impl InboxBody {
    /// The answer for `json`.
    pub fn new(json: Vec<u8>) -> Self {
        use std::io::Write;
        let tag = crate::store::hex(&Sha256::digest(&json)[..16]);
        let mut z = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 4 + 64),
            flate2::Compression::default(),
        );
        // Writing to a Vec cannot fail.
        let gzip = z
            .write_all(&json)
            .and_then(|()| z.finish())
            .unwrap_or_default();
        let header =
            |t: String| HeaderValue::from_str(&t).expect("hex in quotes is a header value");
        Self {
            json: json.into(),
            gzip: gzip.into(),
            etag: header(format!("\"{tag}\"")),
            etag_gzip: header(format!("\"{tag}-gz\"")),
        }
    }

    /// Whether an `If-None-Match` value names this inbox (in either coding:
    /// the list is the same), or is `*`.
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').map(str::trim).any(|t| {
            t == "*"
                || t.as_bytes() == self.etag.as_bytes()
                || t.as_bytes() == self.etag_gzip.as_bytes()
        })
    }
}

/// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 §12.5.3:
/// `gzip` or `*`, unless given `q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let zero = parts.any(|p| {
            p.strip_prefix("q=")
                .or_else(|| p.strip_prefix("Q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero
    })
}

#[derive(Debug, Default)]
struct InboxEntry {
    generation: u64,
    body: Option<InboxBody>,
}

/// What [`Inboxes::get`] found.
#[derive(Debug)]
pub enum Lookup {
    /// The cached answer.
    Hit(InboxBody),
    /// Not cached: read the database, then [`Inboxes::put`] with this generation.
    Miss(u64),
}

/// Leaders' inboxes by user id.
#[derive(Debug)]
pub struct Inboxes {
    enabled: bool,
    map: Mutex<HashMap<String, InboxEntry>>,
}

impl Inboxes {
    /// A cache that holds entries only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            map: Mutex::default(),
        }
    }

    /// The cached inbox of `user_id`, or the generation to store a fresh one under.
    pub fn get(&self, user_id: &str) -> Lookup {
        if !self.enabled {
            return Lookup::Miss(0);
        }
        let map = lock(&self.map);
        match map.get(user_id) {
            Some(InboxEntry {
                body: Some(b),
                generation: _,
            }) => Lookup::Hit(b.clone()),
            Some(e) => Lookup::Miss(e.generation),
            None => Lookup::Miss(0),
        }
    }

    /// Stores an inbox read at `generation`, unless a change came meanwhile.
    pub fn put(&self, user_id: &str, generation: u64, body: InboxBody) {
        if !self.enabled {
            return;
        }
        // One entry per leader who ever read an inbox (authenticated users
        // only): bounded by the users table, and never removed, so a reader
        // in flight can always compare its generation.
        let mut map = lock(&self.map);
        let e = map.entry(user_id.to_string()).or_default();
        if e.generation == generation {
            e.body = Some(body);
        }
    }

    /// A request addressed to `user_id` changed (after its commit).
    pub fn invalidate(&self, user_id: &str) {
        if !self.enabled {
            return;
        }
        let mut map = lock(&self.map);
        let e = map.entry(user_id.to_string()).or_default();
        e.generation += 1;
        e.body = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        for yes in [
            "gzip",
            "gzip, deflate, br",
            "br;q=1.0, gzip;q=0.5",
            "*",
            "GZIP",
            "deflate, *;q=0.1",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "br, deflate",
            "gzip;q=0",
            "gzip; q=0.0",
            "x-gzip-not",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }

    #[test]
    fn an_inbox_answer_is_made_once_with_both_codings() {
        let json = br#"[{"id":"a","title":"Cong van"},{"id":"b","title":"Cong van"}]"#.to_vec();
        let b = InboxBody::new(json.clone());
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&b.gzip[..]), &mut back)
            .expect("gzip");
        assert_eq!(back, json);
        let (t, tz) = (
            b.etag.to_str().expect("tag"),
            b.etag_gzip.to_str().expect("tag"),
        );
        assert!(
            t.starts_with('"') && t.ends_with('"') && t.len() == 34,
            "{t}"
        );
        assert_eq!(tz, format!("{}-gz\"", &t[..t.len() - 1]));
        assert!(
            b.matches(t) && b.matches(tz) && b.matches("*") && b.matches(&format!("\"x\", {tz}"))
        );
        assert!(!b.matches("\"other\"") && !b.matches(""));
        assert_eq!(
            InboxBody::new(json).etag,
            b.etag,
            "the same list, the same tag"
        );
    }
    use kyso_api::Role;

    fn user() -> CallerUser {
        CallerUser {
            id: "u1".into(),
            username: "leader1".into(),
            role: Role::Leader,
            unit_id: "unit".into(),
        }
    }

    fn body(s: &str) -> InboxBody {
        InboxBody::new(s.as_bytes().to_vec())
    }

    #[test]
    fn sessions_expire_and_are_removed() {
        let s = Sessions::new(true);
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let exp = t0 + time::Duration::hours(1);
        let e = s.get("h", t0).expect_err("empty");
        s.put("h", &user(), exp, e);
        assert_eq!(s.get("h", t0).map(|u| u.id), Ok("u1".into()));
        let e = s
            .get("h", exp)
            .expect_err("a session is over at its expiry");
        s.put("h", &user(), exp, e);
        s.remove("h");
        assert!(s.get("h", t0).is_err(), "logout evicts at once");
        assert!(s.get("other", t0).is_err());
    }

    #[test]
    fn a_session_read_before_a_logout_is_not_put_back() {
        let s = Sessions::new(true);
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let read_at = s.get("h", t0).expect_err("empty");
        // The reader found the row; the logout evicts and deletes it meanwhile.
        s.remove("h");
        s.put("h", &user(), t0 + time::Duration::hours(1), read_at);
        assert!(s.get("h", t0).is_err(), "the stale read was stored");
    }

    #[test]
    fn disabled_caches_hold_nothing() {
        let s = Sessions::new(false);
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let e = s.get("h", t0).expect_err("empty");
        s.put("h", &user(), t0 + time::Duration::hours(1), e);
        assert!(s.get("h", t0).is_err());
        let i = Inboxes::new(false);
        i.put("u1", 0, body("a"));
        assert!(matches!(i.get("u1"), Lookup::Miss(_)));
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_stored() {
        let i = Inboxes::new(true);
        let Lookup::Miss(g) = i.get("u1") else {
            panic!("empty cache hit")
        };
        // The reader queried the old inbox; a change commits and invalidates.
        i.invalidate("u1");
        i.put("u1", g, body("stale"));
        let Lookup::Miss(g2) = i.get("u1") else {
            panic!("the stale read was stored")
        };
        assert_eq!(g2, g + 1);
        i.put("u1", g2, body("fresh"));
        match i.get("u1") {
            Lookup::Hit(b) => assert_eq!(&b.json[..], b"fresh"),
            Lookup::Miss(_) => panic!("a read after the change is cached"),
        }
        i.invalidate("u1");
        assert!(matches!(i.get("u1"), Lookup::Miss(_)), "changes evict");
        assert!(
            matches!(i.get("u2"), Lookup::Miss(0)),
            "other leaders are separate"
        );
    }
}
