//! [`ApiTokenStore`] on SQLite.

use folio_core::access::TokenId;
use folio_core::time::Timestamp;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::SqliteStorage;
use crate::storage::{ApiToken, ApiTokenStore, StorageError, StorageFuture, TokenHash, UserId};

const COLUMNS: &str =
    "id, user_id, name, scopes, created_by, created_at, revoked_at, last_used_at, replaced_by";

fn row_to_token(row: &SqliteRow) -> Result<ApiToken, StorageError> {
    let scopes: &str = row.try_get("scopes")?;
    Ok(ApiToken {
        id: TokenId::new(row.try_get::<String, _>("id")?),
        user: UserId(row.try_get("user_id")?),
        name: row.try_get("name")?,
        scopes: serde_json::from_str(scopes)
            .map_err(|_| StorageError::Corrupt(format!("token scopes `{scopes}`")))?,
        created_by: row.try_get::<Option<i64>, _>("created_by")?.map(UserId),
        created_at: Timestamp(row.try_get("created_at")?),
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(Timestamp),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp),
        replaced_by: row.try_get::<Option<String>, _>("replaced_by")?.map(TokenId::new),
    })
}

async fn insert(conn: &mut SqliteConnection, t: &ApiToken, hash: &TokenHash) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO api_tokens (id, token_hash, user_id, name, scopes, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(t.id.as_str())
    .bind(&hash.0[..])
    .bind(t.user.0)
    .bind(&t.name)
    .bind(serde_json::to_string(&t.scopes).map_err(|e| StorageError::Corrupt(e.to_string()))?)
    .bind(t.created_by.map(|u| u.0))
    .bind(t.created_at.millis())
    .bind(t.scopes.expires.map(Timestamp::millis))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl ApiTokenStore for SqliteStorage {
    fn create_api_token<'a>(&'a self, token: &'a ApiToken, hash: &'a TokenHash) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            insert(&mut conn, token, hash).await
        })
    }

    fn api_token_by_hash<'a>(&'a self, hash: &'a TokenHash) -> StorageFuture<'a, Option<ApiToken>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = ?"))
                .bind(&hash.0[..])
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_token).transpose()
        })
    }

    fn api_token<'a>(&'a self, id: &'a TokenId) -> StorageFuture<'a, Option<ApiToken>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = ?"))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_token).transpose()
        })
    }

    fn list_api_tokens(&self) -> StorageFuture<'_, Vec<ApiToken>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"))
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_token).collect()
        })
    }

    fn revoke_api_token<'a>(&'a self, id: &'a TokenId, now: Timestamp) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(now.millis())
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn rotate_api_token<'a>(
        &'a self,
        old: &'a TokenId,
        new: &'a ApiToken,
        hash: &'a TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = ?, replaced_by = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(now.millis())
                .bind(new.id.as_str())
                .bind(old.as_str())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert(&mut tx, new, hash).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    fn touch_api_token<'a>(&'a self, id: &'a TokenId, now: Timestamp) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                .bind(now.millis())
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }
}
