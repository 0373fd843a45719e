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
            let done = sqlx::query(
                "INSERT INTO grants (portfolio_id, node_id, subject, level, starts_at, ends_at, condition, may_share, hide_feedback, source, created_by, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(portfolio.as_str())
            .bind(grant.node.as_str())
            .bind(subject_json(&grant.subject))
            .bind(grant.level.as_str())
            .bind(grant.start.map(Timestamp::millis))
            .bind(grant.end.map(Timestamp::millis))
            .bind(grant.condition.as_ref().map(|c| c.as_str().to_owned()))
            .bind(i64::from(grant.may_share))
            .bind(i64::from(grant.hide_feedback))
            .bind(source.as_str())
            .bind(created_by.map(|u| u.0))
            .bind(now.millis())
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StorageError::NotFound { what: "portfolio or user", value: portfolio.to_string() }
                }
                _ => StorageError::Database(e),
            })?;
            Ok(GrantId(done.last_insert_rowid() as u64))
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
