//! The embedded SQLite backend.
//!
//! Queries are checked at run time (`sqlx::query`), not by the compile-time
//! macros, so building needs no database. The schema lives in
//! `server/migrations/` and is embedded with `sqlx::migrate!`; opening a
//! database applies whatever migrations it has not seen.
//!
//! Pragmas: `journal_mode=WAL` (readers never block the writer),
//! `synchronous=FULL` (a committed transaction survives power loss, which is what
//! "durable before acknowledged" needs), `foreign_keys=ON`, `busy_timeout=5s`.
//!
//! Each topic trait is implemented in its own file: `users.rs`, `orgs.rs`,
//! `portfolios.rs`, `sessions.rs`, `documents.rs`, `audit.rs`, `blobs.rs`,
//! `outbox.rs`. Appends of document changes from every document go through
//! one writer task that commits them in groups (`group.rs`).

mod access_requests;
mod accounts;
mod api_tokens;
mod audit;
mod blobs;
mod departures;
mod documents;
mod grant_tx;
mod grants;
mod group;
mod invitations;
mod links;
mod org_logos;
mod orgs;
mod outbox;
mod portfolios;
mod sessions;
mod tree;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{Storage, StorageError, StorageFuture};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "folio.db";

/// Folio's storage in one SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStorage {
    pool: SqlitePool,
    /// Appends of document changes, committed in groups (see `group.rs`).
    appends: group::GroupWriter,
}

impl SqliteStorage {
    /// Opens (creating if needed) `<data_dir>/folio.db` and migrates it.
    /// The data directory itself must exist.
    pub async fn open(data_dir: &Path) -> Result<Self, StorageError> {
        let path = data_dir.join(DB_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Open {
                path: path.display().to_string(),
                source,
            })?;
        Self::migrated(pool).await
    }

    /// A private, empty database in memory, for tests. One connection, kept open
    /// for the pool's life (an in-memory database dies with its last connection).
    pub async fn in_memory() -> Result<Self, StorageError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Open {
                path: ":memory:".into(),
                source,
            })?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> Result<Self, StorageError> {
        sqlx::migrate!("./migrations").run(&pool).await?;
        let appends = group::GroupWriter::spawn(pool.clone());
        Ok(SqliteStorage { pool, appends })
    }

    /// Closes every connection (waits for running queries).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Storage for SqliteStorage {
    fn ping(&self) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
    }
}

/// Turns a unique-constraint violation into [`StorageError::Conflict`].
fn conflict(e: sqlx::Error, what: &'static str, value: &str) -> StorageError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict {
            what,
            value: value.to_owned(),
        },
        _ => StorageError::Database(e),
    }
}

/// Reads a 32-byte hash column.
fn hash32(bytes: &[u8]) -> Result<[u8; 32], StorageError> {
    bytes.try_into().map_err(|_| {
        StorageError::Corrupt(format!("a hash column holds {} bytes, not 32", bytes.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_a_data_dir_creates_folio_db_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        assert!(dir.path().join(DB_FILE).exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&storage.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&storage.pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        storage.ping().await.unwrap();
    }

    #[tokio::test]
    async fn reopening_a_database_keeps_its_data_and_does_not_remigrate() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path()).await.unwrap();
        crate::storage::OrgStore::create_org(
            &storage,
            "Windesheim",
            folio_core::time::Timestamp(1),
        )
        .await
        .unwrap();
        storage.close().await;
        let again = SqliteStorage::open(dir.path()).await.unwrap();
        let orgs = crate::storage::OrgStore::list_orgs(&again).await.unwrap();
        assert_eq!(orgs.len(), 1);
    }

    #[tokio::test]
    async fn opening_a_missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = SqliteStorage::open(&dir.path().join("nope"))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("cannot open the database"),
            "{err}"
        );
    }
}
