//! [`GrantStore`] on SQLite. Subjects are stored as their JSON (the same
//! tagged form the engine's fixtures use), so "grants for this subject" is an
//! exact text match on an indexed column.

use folio_core::access::{Condition, Grant, GrantId, Level, NodeId, Subject};
use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStorage;
use crate::storage::{
    DocumentId, GrantSource, GrantStore, StorageError, StorageFuture, StoredGrant, UserId,
};

/// A grant naming an unknown portfolio or user is "not found", not a database failure.
fn foreign_key_is_not_found(e: StorageError, portfolio: &DocumentId) -> StorageError {
    match e {
        StorageError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            StorageError::NotFound { what: "portfolio or user", value: portfolio.to_string() }
        }
        other => other,
    }
}

const COLUMNS: &str = "id, portfolio_id, node_id, subject, level, starts_at, ends_at, condition, may_share, hide_feedback, source, created_by, created_at";

/// The JSON text a subject is stored as.
pub(crate) fn subject_json(subject: &Subject) -> String {
    serde_json::to_string(subject).expect("a subject serialises")
}

fn row_to_grant(row: &SqliteRow) -> Result<StoredGrant, StorageError> {
    let corrupt = |what: &str, value: &str| StorageError::Corrupt(format!("grant {what} `{value}`"));
    let subject: &str = row.try_get("subject")?;
    let level: &str = row.try_get("level")?;
    let source: &str = row.try_get("source")?;
    let condition: Option<String> = row.try_get("condition")?;
    let condition = match condition {
        None => None,
        Some(text) => Some(Condition::parse(&text).map_err(|_| corrupt("condition", &text))?),
    };
    let grant = Grant {
        id: GrantId(row.try_get::<i64, _>("id")? as u64),
        node: NodeId::new(row.try_get::<String, _>("node_id")?),
        subject: serde_json::from_str(subject).map_err(|_| corrupt("subject", subject))?,
        level: level.parse::<Level>().map_err(|_| corrupt("level", level))?,
        start: row.try_get::<Option<i64>, _>("starts_at")?.map(Timestamp),
        end: row.try_get::<Option<i64>, _>("ends_at")?.map(Timestamp),
        condition,
        may_share: row.try_get::<i64, _>("may_share")? != 0,
        hide_feedback: row.try_get::<i64, _>("hide_feedback")? != 0,
    };
    Ok(StoredGrant {
        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
        grant,
        source: GrantSource::parse(source).ok_or_else(|| corrupt("source", source))?,
        created_by: row.try_get::<Option<i64>, _>("created_by")?.map(UserId),
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

impl GrantStore for SqliteStorage {
    fn insert_grant<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        grant: &'a Grant,
        source: GrantSource,
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> StorageFuture<'a, GrantId> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            super::grant_tx::insert(&mut conn, portfolio, grant, source, created_by, now)
                .await
                .map_err(|e| foreign_key_is_not_found(e, portfolio))
        })
    }

    fn replace_grants<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        remove: &'a [GrantId],
        add: &'a [(Grant, GrantSource)],
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> StorageFuture<'a, Vec<GrantId>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let doomed: Vec<i64> = remove.iter().map(|id| id.0 as i64).collect();
            super::grant_tx::delete(&mut tx, &doomed).await?;
            let mut ids = Vec::with_capacity(add.len());
            for (grant, source) in add {
                let id = super::grant_tx::insert(&mut tx, portfolio, grant, *source, created_by, now)
                    .await
                    .map_err(|e| foreign_key_is_not_found(e, portfolio))?;
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    fn update_grant<'a>(&'a self, grant: &'a Grant) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE grants SET node_id = ?, subject = ?, level = ?, starts_at = ?, ends_at = ?, condition = ?, may_share = ?, hide_feedback = ? WHERE id = ?",
            )
            .bind(grant.node.as_str())
            .bind(subject_json(&grant.subject))
            .bind(grant.level.as_str())
            .bind(grant.start.map(Timestamp::millis))
            .bind(grant.end.map(Timestamp::millis))
            .bind(grant.condition.as_ref().map(|c| c.as_str().to_owned()))
            .bind(i64::from(grant.may_share))
            .bind(i64::from(grant.hide_feedback))
            .bind(grant.id.0 as i64)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound { what: "grant", value: grant.id.to_string() });
            }
            Ok(())
        })
    }

    fn delete_grant(&self, id: GrantId) -> StorageFuture<'_, Option<StoredGrant>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("DELETE FROM grants WHERE id = ? RETURNING {COLUMNS}"))
                .bind(id.0 as i64)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_grant).transpose()
        })
    }

    fn stored_grant(&self, id: GrantId) -> StorageFuture<'_, Option<StoredGrant>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM grants WHERE id = ?"))
                .bind(id.0 as i64)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_grant).transpose()
        })
    }

    fn portfolio_grants<'a>(&'a self, portfolio: &'a DocumentId) -> StorageFuture<'a, Vec<StoredGrant>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM grants WHERE portfolio_id = ? ORDER BY id"))
                .bind(portfolio.as_str())
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_grant).collect()
        })
    }

    fn portfolios_with_subjects<'a>(&'a self, subjects: &'a [String]) -> StorageFuture<'a, Vec<DocumentId>> {
        Box::pin(async move {
            let mut out: Vec<DocumentId> = Vec::new();
            for s in subjects {
                let rows = sqlx::query("SELECT DISTINCT portfolio_id FROM grants WHERE subject = ?")
                    .bind(s)
                    .fetch_all(&self.pool)
                    .await?;
                for row in rows {
                    let id = DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?;
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use folio_core::access::{Level, Subject};

    use super::*;
    use crate::storage::{Email, NewUser, Portfolio, PortfolioStore, UserKind, UserStore};

    async fn portfolio(s: &SqliteStorage) -> (DocumentId, UserId) {
        let owner = s
            .create_user(
                &NewUser {
                    email: Email::parse("olga@uni.nl").unwrap(),
                    display_name: "Olga".into(),
                    password_hash: None,
                    is_admin: false,
                    kind: UserKind::Member,
                },
                Timestamp(0),
            )
            .await
            .unwrap();
        let id = DocumentId::parse("p1").unwrap();
        s.create_portfolio(&Portfolio { id: id.clone(), owner: owner.id, title: "P".into(), created_at: Timestamp(0) })
            .await
            .unwrap();
        (id, owner.id)
    }

    fn grant(node: &str, level: Level) -> Grant {
        Grant::new(0, NodeId::from(node), Subject::User { id: "7".into() }, level)
    }

    #[tokio::test]
    async fn replacing_grants_removes_the_old_and_stores_the_new_together() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let (p, owner) = portfolio(&s).await;
        let old = s.insert_grant(&p, &grant("c1", Level::Remove), GrantSource::Direct, Some(owner), Timestamp(0)).await.unwrap();
        let new = s
            .replace_grants(&p, &[old], &[(grant("c", Level::Write), GrantSource::Direct)], Some(owner), Timestamp(1))
            .await
            .unwrap();
        let left: Vec<_> = s.portfolio_grants(&p).await.unwrap().into_iter().map(|g| g.grant.id).collect();
        assert_eq!(left, new);
    }

    #[tokio::test]
    async fn a_replacement_that_fails_halfway_leaves_every_old_grant_in_place() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let (p, owner) = portfolio(&s).await;
        let old = s.insert_grant(&p, &grant("c1", Level::Remove), GrantSource::Direct, Some(owner), Timestamp(0)).await.unwrap();
        // The second new grant names a creator that does not exist: the whole
        // replacement must fail, the delete included.
        let result = s
            .replace_grants(
                &p,
                &[old],
                &[(grant("c", Level::Write), GrantSource::Direct), (grant("d", Level::Read), GrantSource::Direct)],
                Some(UserId(9_999)),
                Timestamp(1),
            )
            .await;
        assert!(matches!(result, Err(StorageError::NotFound { .. })), "{result:?}");
        let left: Vec<_> = s.portfolio_grants(&p).await.unwrap().into_iter().map(|g| g.grant.id).collect();
        assert_eq!(left, vec![old]);
    }
}
