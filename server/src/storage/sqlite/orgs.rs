//! [`OrgStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStorage, conflict};
use crate::storage::{
    Membership, OrgId, OrgStore, Organisation, RoleName, StorageError, StorageFuture, UserId,
};

fn row_to_org(row: &SqliteRow) -> Result<Organisation, StorageError> {
    Ok(Organisation {
        id: OrgId(row.try_get("id")?),
        name: row.try_get("name")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

fn row_to_membership(row: &SqliteRow) -> Result<Membership, StorageError> {
    Ok(Membership {
        org: OrgId(row.try_get("org_id")?),
        user: UserId(row.try_get("user_id")?),
        role: RoleName::parse(row.try_get::<&str, _>("role")?)?,
    })
}

impl OrgStore for SqliteStorage {
    fn create_org<'a>(&'a self, name: &'a str, now: Timestamp) -> StorageFuture<'a, Organisation> {
        Box::pin(async move {
            let row = sqlx::query("INSERT INTO organisations (name, created_at) VALUES (?, ?) RETURNING id, name, created_at")
                .bind(name)
                .bind(now.millis())
                .fetch_one(&self.pool)
                .await
                .map_err(|e| conflict(e, "organisation", name))?;
            row_to_org(&row)
        })
    }

    fn org_by_name<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<Organisation>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT id, name, created_at FROM organisations WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_org).transpose()
        })
    }

    fn list_orgs(&self) -> StorageFuture<'_, Vec<Organisation>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT id, name, created_at FROM organisations ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_org).collect()
        })
    }

    fn add_membership<'a>(&'a self, m: &'a Membership, now: Timestamp) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("INSERT OR IGNORE INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)")
                .bind(m.org.0)
                .bind(m.user.0)
                .bind(m.role.as_str())
                .bind(now.millis())
                .execute(&self.pool)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        StorageError::NotFound { what: "organisation or user", value: format!("{}/{}", m.org, m.user) }
                    }
                    _ => StorageError::Database(e),
                })?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn remove_membership<'a>(&'a self, m: &'a Membership) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query(
                "DELETE FROM memberships WHERE org_id = ? AND user_id = ? AND role = ?",
            )
            .bind(m.org.0)
            .bind(m.user.0)
            .bind(m.role.as_str())
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn org_members(&self, org: OrgId) -> StorageFuture<'_, Vec<Membership>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT org_id, user_id, role FROM memberships WHERE org_id = ? ORDER BY user_id, role")
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_membership).collect()
        })
    }

    fn user_memberships(&self, user: UserId) -> StorageFuture<'_, Vec<Membership>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT org_id, user_id, role FROM memberships WHERE user_id = ? ORDER BY org_id, role")
                .bind(user.0)
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_membership).collect()
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
        let u = s.create_user(&new, Timestamp(0)).await.unwrap();
        (s, u.id)
    }

    #[tokio::test]
    async fn organisation_names_are_unique_regardless_of_case() {
        let (s, _) = setup().await;
        s.create_org("Windesheim", Timestamp(0)).await.unwrap();
        assert!(matches!(
            s.create_org("WINDESHEIM", Timestamp(0)).await,
            Err(StorageError::Conflict { .. })
        ));
        assert_eq!(
            s.org_by_name("windesheim").await.unwrap().unwrap().name,
            "Windesheim"
        );
    }

    #[tokio::test]
    async fn a_member_can_hold_several_roles_and_adding_one_twice_is_harmless() {
        let (s, user) = setup().await;
        let org = s.create_org("Windesheim", Timestamp(0)).await.unwrap().id;
        let teacher = Membership {
            org,
            user,
            role: RoleName::parse("teacher").unwrap(),
        };
        let mentor = Membership {
            org,
            user,
            role: RoleName::parse("mentor").unwrap(),
        };
        assert!(s.add_membership(&teacher, Timestamp(0)).await.unwrap());
        assert!(!s.add_membership(&teacher, Timestamp(0)).await.unwrap());
        assert!(s.add_membership(&mentor, Timestamp(0)).await.unwrap());
        assert_eq!(
            s.org_members(org).await.unwrap(),
            vec![mentor.clone(), teacher.clone()]
        );
        assert!(s.remove_membership(&mentor).await.unwrap());
        assert_eq!(s.user_memberships(user).await.unwrap(), vec![teacher]);
    }

    #[tokio::test]
    async fn a_membership_in_an_unknown_organisation_is_not_found() {
        let (s, user) = setup().await;
        let m = Membership {
            org: OrgId(77),
            user,
            role: RoleName::parse("teacher").unwrap(),
        };
        assert!(matches!(
            s.add_membership(&m, Timestamp(0)).await,
            Err(StorageError::NotFound { .. })
        ));
    }
}
