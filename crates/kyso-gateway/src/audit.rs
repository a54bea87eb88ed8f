//! The append-only, hash-chained audit log: each entry's hash covers the
//! previous entry's hash and its own fields, so removing or editing any entry
//! breaks every hash after it. `verify` recomputes the chain.

use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::db::Db;
use crate::store::hex;

/// The hash of the entry before the first.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over length-prefixed fields (no separator ambiguity).
pub fn entry_hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for f in [prev, &seq.to_string(), at, actor, action, subject, detail] {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex(&h.finalize())
}

/// Appends an entry inside the caller's transaction.
pub async fn append(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    if db.is_postgres() {
        // One appender at a time, so the chain never forks.
        sqlx::query("LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **tx)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (seq, prev) = match last {
        Some(r) => (r.try_get::<i64, _>(0)? + 1, r.try_get::<String, _>(1)?),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(&prev, seq, at, actor, action, subject, detail);
    sqlx::query(&db.sql(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every entry, oldest first.
pub async fn entries(db: &Db) -> Result<Vec<kyso_api::AuditEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(kyso_api::AuditEntry {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                subject: r.try_get(4)?,
                detail: r.try_get(5)?,
                prev_hash: r.try_get(6)?,
                hash: r.try_get(7)?,
            })
        })
        .collect()
}

/// Recomputes the chain: `Ok(n)` for `n` intact entries, `Err(seq)` at the
/// first entry that does not follow.
pub fn verify_chain(entries: &[kyso_api::AuditEntry]) -> Result<usize, i64> {
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        let h = entry_hash(
            &prev, e.seq, &e.at, &e.actor, &e.action, &e.subject, &e.detail,
        );
        if e.seq != expected_seq || e.prev_hash != prev || e.hash != h {
            return Err(e.seq);
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<kyso_api::AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, seq, "t", "a", "act", "s", "d");
                let e = kyso_api::AuditEntry {
                    seq,
                    at: "t".into(),
                    actor: "a".into(),
                    action: "act".into(),
                    subject: "s".into(),
                    detail: "d".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5), "five linked entries");
    }

    #[test]
    fn edits_and_removals_break_the_chain() {
        let mut edited = chain(5);
        edited[2].detail = "changed".into();
        assert_eq!(
            verify_chain(&edited),
            Err(3),
            "an edited entry no longer matches its hash"
        );
        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(
            verify_chain(&removed),
            Err(3),
            "a gap in the sequence is found"
        );
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        assert_ne!(
            entry_hash(GENESIS, 1, "t", "ab", "c", "s", "d"),
            entry_hash(GENESIS, 1, "t", "a", "bc", "s", "d"),
            "length prefixes keep field boundaries"
        );
    }
}
