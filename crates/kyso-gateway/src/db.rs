//! The database: embedded SQLite (default, WAL, foreign keys) or
//! PostgreSQL, behind sqlx's `Any` driver with one portable schema.
//!
//! Queries are written with `?` placeholders and numbered for PostgreSQL
//! here: SQLite binds `$n` by order of first appearance, a trap we avoid by
//! not using it. SQLite allows one writer at a time; write transactions take
//! an in-process lock so concurrent requests queue instead of failing with
//! "database is locked".

use std::borrow::Cow;
use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, MutexGuard};

/// A connection pool and what kind of database is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    postgres: bool,
    write: Arc<Mutex<()>>,
}

/// `sql` with `?` numbered as `$1, $2, …`.
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs of the migrator before its error is final (SQLite).
const MIGRATION_ATTEMPTS: u64 = 6;

/// A write transaction (and, on SQLite, the writer lock it holds).
pub struct WriteTx<'a> {
    /// The transaction.
    pub tx: Transaction<'static, Any>,
    _guard: Option<MutexGuard<'a, ()>>,
}

impl Db {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and migrates.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        install_default_drivers();
        let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
        let pool = if postgres {
            AnyPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?
        } else {
            AnyPoolOptions::new()
                .max_connections(8)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await?
        };
        let db = Self {
            pool,
            postgres,
            write: Arc::new(Mutex::new(())),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Switches SQLite to WAL and brings the schema up to date. Each
    /// migration is one transaction, so when two processes set up a new
    /// SQLite database at once (`kyso admin` while `kyso serve` starts),
    /// the one that loses the race has changed nothing; run again, it finds
    /// WAL on and the migrations applied. The switch to WAL is retried the
    /// same way: it needs the database to itself, and SQLite answers "database
    /// is locked" at once, without waiting out the busy timeout, when two
    /// connections would otherwise deadlock over it (seen in CI).
    /// PostgreSQL's migrator takes an advisory lock instead.
    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let migrator = sqlx::migrate!("./migrations");
        let mut attempt = 1;
        loop {
            let run = async {
                if !self.postgres {
                    self.pool.execute("PRAGMA journal_mode = WAL").await?;
                }
                migrator.run(&self.pool).await.map_err(sqlx::Error::from)
            };
            match run.await {
                Ok(()) => return Ok(()),
                Err(e) if !self.postgres && attempt < MIGRATION_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "migration raced; again");
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The SQLite URL for a database file in `dir`.
    pub fn sqlite_url(dir: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", dir.join("kyso.db").display())
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// `sql` with `?` numbered as `$1, $2, …` on PostgreSQL.
    pub fn sql<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        if self.postgres {
            Cow::Owned(number_placeholders(sql))
        } else {
            Cow::Borrowed(sql)
        }
    }

    /// Starts a write transaction.
    pub async fn begin_write(&self) -> Result<WriteTx<'_>, sqlx::Error> {
        let guard = if self.postgres {
            None
        } else {
            Some(self.write.lock().await)
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            number_placeholders("a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)",
            "numbered in order"
        );
        assert_eq!(
            number_placeholders("SELECT 1"),
            "SELECT 1",
            "none to number"
        );
    }

    /// `kyso admin` and `kyso serve` starting together on a new data
    /// directory both migrate it; neither may fail.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_starts_both_migrate() {
        for round in 0..4 {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = Db::sqlite_url(dir.path());
            let (a, b, c) = tokio::join!(Db::connect(&url), Db::connect(&url), Db::connect(&url));
            for (who, r) in [("a", a), ("b", b), ("c", c)] {
                let db = r.unwrap_or_else(|e| panic!("round {round}: {who} failed: {e}"));
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
                    .fetch_one(db.pool())
                    .await
                    .expect("counts");
                assert_eq!(
                    n as usize,
                    sqlx::migrate!("./migrations").iter().count(),
                    "round {round}: every migration recorded once"
                );
            }
        }
    }

    /// Migration numbers are handed out to parallel changes, so one can land
    /// before a lower one (0007 before 0006): the migrator applies every
    /// version a database lacks, whatever its place, so the lower one is
    /// applied when it arrives. What it refuses is a database with a version
    /// the binary does not know (an older binary on newer data).
    #[tokio::test]
    async fn a_gap_in_migration_numbers_is_filled_later() {
        install_default_drivers();
        let dir = tempfile::tempdir().expect("tempdir");
        let mig = dir.path().join("migrations");
        std::fs::create_dir(&mig).expect("dir");
        let write = |name: &str, table: &str| {
            std::fs::write(mig.join(name), format!("CREATE TABLE {table} (x BIGINT);"))
                .expect("write")
        };
        write("0001_a.sql", "a");
        write("0003_c.sql", "c");
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&Db::sqlite_url(dir.path()))
            .await
            .expect("sqlite");
        let run = || async {
            sqlx::migrate::Migrator::new(mig.as_path())
                .await
                .expect("migrations read")
                .run(&pool)
                .await
        };
        run().await.expect("0001 and 0003 applied across the gap");
        write("0002_b.sql", "b");
        run().await.expect("0002 applied after 0003");
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .expect("versions");
        assert_eq!(applied, [1, 2, 3], "all three recorded");
        sqlx::query("INSERT INTO b (x) VALUES (1)")
            .execute(&pool)
            .await
            .expect("0002's table exists");
        std::fs::remove_file(mig.join("0003_c.sql")).expect("rm");
        let e = run().await.expect_err("a binary without 0003");
        assert!(
            matches!(e, sqlx::migrate::MigrateError::VersionMissing(3)),
            "{e}"
        );
    }
}
