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
        if !postgres {
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        let db = Self {
            pool,
            postgres,
            write: Arc::new(Mutex::new(())),
        };
        sqlx::migrate!("./migrations").run(&db.pool).await?;
        Ok(db)
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
        if !self.postgres {
            return Cow::Borrowed(sql);
        }
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
        Cow::Owned(out)
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
    #[test]
    fn placeholders_are_numbered_for_postgres() {
        let number = |sql: &str| {
            let mut out = String::new();
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        };
        assert_eq!(
            number("a = ? AND b = ?"),
            "a = $1 AND b = $2",
            "numbered in order"
        );
    }
}
