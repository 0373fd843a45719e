//! [`AccountStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;

use super::SqliteStorage;
use crate::storage::{AccountStore, StorageError, StorageFuture, TokenHash, TotpRecord, UserId};

impl AccountStore for SqliteStorage {
    fn set_display_name<'a>(&'a self, user: UserId, name: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE users SET display_name = ? WHERE id = ?")
                .bind(name)
                .bind(user.0)
                .execute(&self.pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound { what: "user", value: user.to_string() });
            }
            Ok(())
        })
    }

    fn user_lang(&self, user: UserId) -> StorageFuture<'_, Option<String>> {
        Box::pin(async move {
            Ok(sqlx::query_scalar("SELECT lang FROM user_prefs WHERE user_id = ?")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?)
        })
    }

    fn set_user_lang<'a>(&'a self, user: UserId, lang: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT INTO user_prefs (user_id, lang) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang")
                .bind(user.0)
                .bind(lang)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn totp(&self, user: UserId) -> StorageFuture<'_, Option<TotpRecord>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT secret, enabled_at, last_step FROM totp WHERE user_id = ?")
                .bind(user.0)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| {
                Ok(TotpRecord {
                    secret: row.try_get("secret")?,
                    enabled_at: row.try_get::<Option<i64>, _>("enabled_at")?.map(Timestamp),
                    last_step: row.try_get("last_step")?,
                })
            })
            .transpose()
        })
    }

    fn begin_totp<'a>(&'a self, user: UserId, secret: &'a [u8], now: Timestamp) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO totp (user_id, secret, enabled_at, last_step, created_at) VALUES (?, ?, NULL, -1, ?)
                 ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = -1
                 WHERE totp.enabled_at IS NULL",
            )
            .bind(user.0)
            .bind(secret)
            .bind(now.millis())
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::Conflict { what: "second factor", value: user.to_string() });
            }
            Ok(())
        })
    }

    fn enable_totp<'a>(
        &'a self,
        user: UserId,
        step: i64,
        recovery: &'a [TokenHash],
        now: Timestamp,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query("UPDATE totp SET enabled_at = ?, last_step = ? WHERE user_id = ? AND enabled_at IS NULL")
                .bind(now.millis())
                .bind(step)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound { what: "pending second factor", value: user.to_string() });
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            for h in recovery {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")
                    .bind(user.0)
                    .bind(&h.0[..])
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn advance_totp_step(&self, user: UserId, step: i64) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE totp SET last_step = ? WHERE user_id = ? AND last_step < ?")
                .bind(step)
                .bind(user.0)
                .bind(step)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn use_recovery_code<'a>(
        &'a self,
        user: UserId,
        hash: &'a TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL")
                .bind(now.millis())
                .bind(user.0)
                .bind(&hash.0[..])
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn recovery_codes_left(&self, user: UserId) -> StorageFuture<'_, u32> {
        Box::pin(async move {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL")
                .bind(user.0)
                .fetch_one(&self.pool)
                .await?;
            Ok(n as u32)
        })
    }

    fn disable_totp(&self, user: UserId) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            sqlx::query("DELETE FROM totp WHERE user_id = ?").bind(user.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?").bind(user.0).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
