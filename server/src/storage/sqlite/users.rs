//! [`UserStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStorage, conflict};
use crate::secret::Secret;
use crate::storage::{
    Email, NewUser, StorageError, StorageFuture, User, UserId, UserKind, UserStore,
};

const COLUMNS: &str = "id, email, display_name, password_hash, is_admin, kind, created_at";
const FIRST_ADMIN_KEY: &str = "first_admin_created_at";

fn row_to_user(row: &SqliteRow) -> Result<User, StorageError> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        email: Email::parse(row.try_get::<&str, _>("email")?)?,
        display_name: row.try_get("display_name")?,
        password_hash: row
            .try_get::<Option<String>, _>("password_hash")?
            .map(Secret::new),
        is_admin: row.try_get("is_admin")?,
        kind: UserKind::parse(row.try_get::<&str, _>("kind")?)?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

async fn insert<'e, E: sqlx::SqliteExecutor<'e>>(
    exec: E,
    user: &NewUser,
    now: Timestamp,
) -> Result<User, StorageError> {
    let row = sqlx::query(&format!(
        "INSERT INTO users (email, display_name, password_hash, is_admin, kind, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(user.email.as_str())
    .bind(&user.display_name)
    .bind(user.password_hash.as_ref().map(|h| h.expose().as_str()))
    .bind(user.is_admin)
    .bind(user.kind.as_str())
    .bind(now.millis())
    .fetch_one(exec)
    .await
    .map_err(|e| conflict(e, "user", user.email.as_str()))?;
    row_to_user(&row)
}

impl UserStore for SqliteStorage {
    fn create_user<'a>(&'a self, user: &'a NewUser, now: Timestamp) -> StorageFuture<'a, User> {
        Box::pin(insert(&self.pool, user, now))
    }

    fn create_first_admin<'a>(
        &'a self,
        user: &'a NewUser,
        now: Timestamp,
    ) -> StorageFuture<'a, Option<User>> {
        Box::pin(async move {
            // BEGIN IMMEDIATE: take the write lock first, so two servers starting on
            // one new file cannot both create an administrator.
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
            let done: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
                .bind(FIRST_ADMIN_KEY)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                return Ok(None);
            }
            let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
                .fetch_one(&mut *tx)
                .await?;
            let created = if users == 0 {
                Some(insert(&mut *tx, user, now).await?)
            } else {
                None
            };
            // Remember even when users already existed (made by the admin CLI before
            // the first start): the first-admin moment has passed either way.
            sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?)")
                .bind(FIRST_ADMIN_KEY)
                .bind(now.millis().to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(created)
        })
    }

    fn user(&self, id: UserId) -> StorageFuture<'_, Option<User>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = ?"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_user).transpose()
        })
    }

    fn user_by_email<'a>(&'a self, email: &'a Email) -> StorageFuture<'a, Option<User>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE email = ?"))
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_user).transpose()
        })
    }

    fn list_users(&self) -> StorageFuture<'_, Vec<User>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users ORDER BY id"))
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_user).collect()
        })
    }

    fn set_password_hash<'a>(
        &'a self,
        id: UserId,
        hash: Option<&'a Secret<String>>,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
                .bind(hash.map(|h| h.expose().as_str()))
                .bind(id.0)
                .execute(&self.pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound {
                    what: "user",
                    value: id.to_string(),
                });
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn new_user(email: &str) -> NewUser {
        NewUser {
            email: Email::parse(email).unwrap(),
            display_name: "Ada".into(),
            password_hash: Some(Secret::new("$argon2id$fake".into())),
            is_admin: false,
            kind: UserKind::Member,
        }
    }

    #[tokio::test]
    async fn a_created_user_is_found_by_id_and_by_email() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let u = s
            .create_user(&new_user("ada@uni.nl"), Timestamp(5))
            .await
            .unwrap();
        assert_eq!(u.created_at, Timestamp(5));
        assert_eq!(s.user(u.id).await.unwrap().as_ref(), Some(&u));
        assert_eq!(
            s.user_by_email(&Email::parse("ADA@uni.nl").unwrap())
                .await
                .unwrap(),
            Some(u)
        );
        assert_eq!(s.user(UserId(999)).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_second_user_with_the_same_email_is_a_conflict() {
        let s = SqliteStorage::in_memory().await.unwrap();
        s.create_user(&new_user("ada@uni.nl"), Timestamp(0))
            .await
            .unwrap();
        let err = s
            .create_user(&new_user("ada@uni.nl"), Timestamp(0))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StorageError::Conflict { what: "user", .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn the_first_admin_is_created_once_in_the_life_of_a_database() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let admin = s
            .create_first_admin(&new_user("admin@folio.local"), Timestamp(1))
            .await
            .unwrap();
        assert!(admin.is_some());
        assert_eq!(
            s.create_first_admin(&new_user("other@folio.local"), Timestamp(2))
                .await
                .unwrap(),
            None
        );
        assert_eq!(s.list_users().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn no_first_admin_is_made_when_users_already_exist() {
        let s = SqliteStorage::in_memory().await.unwrap();
        s.create_user(&new_user("ada@uni.nl"), Timestamp(0))
            .await
            .unwrap();
        assert_eq!(
            s.create_first_admin(&new_user("admin@folio.local"), Timestamp(1))
                .await
                .unwrap(),
            None
        );
        assert_eq!(s.list_users().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn setting_a_password_hash_replaces_it_and_unknown_users_are_not_found() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let u = s
            .create_user(&new_user("ada@uni.nl"), Timestamp(0))
            .await
            .unwrap();
        let new = Secret::new("$argon2id$new".to_string());
        s.set_password_hash(u.id, Some(&new)).await.unwrap();
        assert_eq!(
            s.user(u.id).await.unwrap().unwrap().password_hash,
            Some(new.clone())
        );
        assert!(matches!(
            s.set_password_hash(UserId(42), Some(&new)).await,
            Err(StorageError::NotFound { .. })
        ));
    }
}
