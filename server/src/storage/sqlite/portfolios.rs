//! [`PortfolioStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStorage, conflict};
use crate::storage::{
    DocumentId, Portfolio, PortfolioRole, PortfolioStore, RoleName, StorageError, StorageFuture,
    UserId,
};

fn row_to_portfolio(row: &SqliteRow) -> Result<Portfolio, StorageError> {
    Ok(Portfolio {
        id: DocumentId::parse(row.try_get::<&str, _>("id")?)?,
        owner: UserId(row.try_get("owner_id")?),
        title: row.try_get("title")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

fn row_to_role(row: &SqliteRow) -> Result<PortfolioRole, StorageError> {
    Ok(PortfolioRole {
        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
        user: UserId(row.try_get("user_id")?),
        role: RoleName::parse(row.try_get::<&str, _>("role")?)?,
    })
}

fn missing_reference(e: sqlx::Error, value: String) -> StorageError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StorageError::NotFound {
            what: "portfolio or user",
            value,
        },
        _ => StorageError::Database(e),
    }
}

impl PortfolioStore for SqliteStorage {
    fn create_portfolio<'a>(&'a self, p: &'a Portfolio) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO portfolios (id, owner_id, title, created_at) VALUES (?, ?, ?, ?)",
            )
            .bind(p.id.as_str())
            .bind(p.owner.0)
            .bind(&p.title)
            .bind(p.created_at.millis())
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StorageError::NotFound {
                        what: "user",
                        value: p.owner.to_string(),
                    }
                }
                _ => conflict(e, "portfolio", p.id.as_str()),
            })?;
            Ok(())
        })
    }

    fn portfolio<'a>(&'a self, id: &'a DocumentId) -> StorageFuture<'a, Option<Portfolio>> {
        Box::pin(async move {
            let row =
                sqlx::query("SELECT id, owner_id, title, created_at FROM portfolios WHERE id = ?")
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
            row.as_ref().map(row_to_portfolio).transpose()
        })
    }

    fn portfolios_owned_by(&self, owner: UserId) -> StorageFuture<'_, Vec<Portfolio>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT id, owner_id, title, created_at FROM portfolios WHERE owner_id = ? ORDER BY created_at, id")
                .bind(owner.0)
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_portfolio).collect()
        })
    }

    fn add_portfolio_role<'a>(
        &'a self,
        r: &'a PortfolioRole,
        now: Timestamp,
    ) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("INSERT OR IGNORE INTO portfolio_roles (portfolio_id, user_id, role, created_at) VALUES (?, ?, ?, ?)")
                .bind(r.portfolio.as_str())
                .bind(r.user.0)
                .bind(r.role.as_str())
                .bind(now.millis())
                .execute(&self.pool)
                .await
                .map_err(|e| missing_reference(e, format!("{}/{}", r.portfolio, r.user)))?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn remove_portfolio_role<'a>(&'a self, r: &'a PortfolioRole) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query(
                "DELETE FROM portfolio_roles WHERE portfolio_id = ? AND user_id = ? AND role = ?",
            )
            .bind(r.portfolio.as_str())
            .bind(r.user.0)
            .bind(r.role.as_str())
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn portfolio_roles<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<PortfolioRole>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT portfolio_id, user_id, role FROM portfolio_roles WHERE portfolio_id = ? ORDER BY user_id, role")
                .bind(portfolio.as_str())
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_role).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Email, NewUser, UserKind, UserStore};

    #[tokio::test]
    async fn a_portfolio_is_listed_for_its_owner_and_carries_roles() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let new = |e: &str| NewUser {
            email: Email::parse(e).unwrap(),
            display_name: "x".into(),
            password_hash: None,
            is_admin: false,
            kind: UserKind::Member,
        };
        let owner = s
            .create_user(&new("owner@uni.nl"), Timestamp(0))
            .await
            .unwrap()
            .id;
        let teacher = s
            .create_user(&new("teacher@uni.nl"), Timestamp(0))
            .await
            .unwrap()
            .id;
        let id = DocumentId::parse("3Fm8X2tq1").unwrap();
        let p = Portfolio {
            id: id.clone(),
            owner,
            title: "Internship".into(),
            created_at: Timestamp(9),
        };
        s.create_portfolio(&p).await.unwrap();
        assert!(matches!(
            s.create_portfolio(&p).await,
            Err(StorageError::Conflict { .. })
        ));
        assert_eq!(s.portfolio(&id).await.unwrap(), Some(p.clone()));
        assert_eq!(s.portfolios_owned_by(owner).await.unwrap(), vec![p]);

        let role = PortfolioRole {
            portfolio: id.clone(),
            user: teacher,
            role: RoleName::parse("teacher").unwrap(),
        };
        assert!(s.add_portfolio_role(&role, Timestamp(0)).await.unwrap());
        assert!(!s.add_portfolio_role(&role, Timestamp(0)).await.unwrap());
        assert_eq!(s.portfolio_roles(&id).await.unwrap(), vec![role.clone()]);
        assert!(s.remove_portfolio_role(&role).await.unwrap());
        assert!(s.portfolio_roles(&id).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_portfolio_for_an_unknown_owner_is_refused() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let p = Portfolio {
            id: DocumentId::parse("abc").unwrap(),
            owner: UserId(5),
            title: "t".into(),
            created_at: Timestamp(0),
        };
        assert!(matches!(
            s.create_portfolio(&p).await,
            Err(StorageError::NotFound { what: "user", .. })
        ));
    }
}
