//! [`SessionStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStorage, hash32};
use crate::storage::{Session, SessionStore, StorageError, StorageFuture, TokenHash, UserId};

fn row_to_session(row: &SqliteRow) -> Result<Session, StorageError> {
    Ok(Session {
        token_hash: TokenHash(hash32(row.try_get::<&[u8], _>("token_hash")?)?),
        user: UserId(row.try_get("user_id")?),
        created_at: Timestamp(row.try_get("created_at")?),
        expires_at: Timestamp(row.try_get("expires_at")?),
    })
}

impl SessionStore for SqliteStorage {
    fn create_session<'a>(&'a self, s: &'a Session) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
                .bind(&s.token_hash.0[..])
                .bind(s.user.0)
                .bind(s.created_at.millis())
                .bind(s.expires_at.millis())
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn session<'a>(
        &'a self,
        token_hash: &'a TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'a, Option<Session>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?")
                .bind(&token_hash.0[..])
                .bind(now.millis())
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_session).transpose()
        })
    }

    fn delete_session<'a>(&'a self, token_hash: &'a TokenHash) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
                .bind(&token_hash.0[..])
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn delete_user_sessions(&self, user: UserId) -> StorageFuture<'_, u64> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
                .bind(user.0)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    fn purge_expired_sessions(&self, now: Timestamp) -> StorageFuture<'_, u64> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
                .bind(now.millis())
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Email, NewUser, UserKind, UserStore};

    async fn setup() -> (SqliteStorage, UserId) {
        let s = SqliteStorage::in_memory().await.unwrap();
        let new = NewUser {
            email: Email::parse("ada@uni.nl").unwrap(),
            display_name: "Ada".into(),
            password_hash: None,
            is_admin: false,
            kind: UserKind::Member,
        };
        let id = s.create_user(&new, Timestamp(0)).await.unwrap().id;
        (s, id)
    }

    fn session(byte: u8, user: UserId, expires: i64) -> Session {
        Session {
            token_hash: TokenHash([byte; 32]),
            user,
            created_at: Timestamp(0),
            expires_at: Timestamp(expires),
        }
    }

    #[tokio::test]
    async fn a_session_is_found_until_it_expires() {
        let (s, user) = setup().await;
        let sess = session(1, user, 100);
        s.create_session(&sess).await.unwrap();
        assert_eq!(
            s.session(&sess.token_hash, Timestamp(99)).await.unwrap(),
            Some(sess.clone())
        );
        assert_eq!(
            s.session(&sess.token_hash, Timestamp(100)).await.unwrap(),
            None
        );
        assert_eq!(s.purge_expired_sessions(Timestamp(100)).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn deleting_a_users_sessions_ends_all_of_them() {
        let (s, user) = setup().await;
        s.create_session(&session(1, user, 100)).await.unwrap();
        s.create_session(&session(2, user, 100)).await.unwrap();
        assert!(s.delete_session(&TokenHash([1; 32])).await.unwrap());
        assert!(!s.delete_session(&TokenHash([1; 32])).await.unwrap());
        assert_eq!(s.delete_user_sessions(user).await.unwrap(), 1);
        assert_eq!(
            s.session(&TokenHash([2; 32]), Timestamp(0)).await.unwrap(),
            None
        );
    }
}
