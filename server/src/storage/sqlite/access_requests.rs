//! [`AccessRequestStore`] on SQLite.

use folio_core::access::{Grant, GrantId, Level, NodeId};
use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStorage, grant_tx};
use crate::storage::{
    AccessRequest, AccessRequestStore, DocumentId, GrantSource, StorageError, StorageFuture,
    UserId,
};

const COLUMNS: &str =
    "id, portfolio_id, node_id, requester, level, message, status, created_at, decided_at, grant_id";

fn row_to_request(row: &SqliteRow) -> Result<AccessRequest, StorageError> {
    let level: &str = row.try_get("level")?;
    Ok(AccessRequest {
        id: row.try_get("id")?,
        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
        node: NodeId::new(row.try_get::<String, _>("node_id")?),
        requester: UserId(row.try_get("requester")?),
        level: level
            .parse::<Level>()
            .map_err(|_| StorageError::Corrupt(format!("request level `{level}`")))?,
        message: row.try_get("message")?,
        status: row.try_get("status")?,
        created_at: Timestamp(row.try_get("created_at")?),
        decided_at: row.try_get::<Option<i64>, _>("decided_at")?.map(Timestamp),
        grant: row.try_get::<Option<i64>, _>("grant_id")?.map(|g| GrantId(g as u64)),
    })
}

impl AccessRequestStore for SqliteStorage {
    fn create_access_request<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        node: &'a NodeId,
        requester: UserId,
        level: Level,
        message: &'a str,
        now: Timestamp,
    ) -> StorageFuture<'a, AccessRequest> {
        Box::pin(async move {
            let row = sqlx::query(&format!(
                "INSERT INTO access_requests (portfolio_id, node_id, requester, level, message, status, created_at)
                 VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING {COLUMNS}"
            ))
            .bind(portfolio.as_str())
            .bind(node.as_str())
            .bind(requester.0)
            .bind(level.as_str())
            .bind(message)
            .bind(now.millis())
            .fetch_one(&self.pool)
            .await?;
            row_to_request(&row)
        })
    }

    fn access_request(&self, id: i64) -> StorageFuture<'_, Option<AccessRequest>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM access_requests WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_request).transpose()
        })
    }

    fn portfolio_access_requests<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<AccessRequest>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM access_requests WHERE portfolio_id = ? ORDER BY id DESC"
            ))
            .bind(portfolio.as_str())
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_to_request).collect()
        })
    }

    fn decide_access_request<'a>(
        &'a self,
        id: i64,
        grant: Option<&'a Grant>,
        by: UserId,
        now: Timestamp,
    ) -> StorageFuture<'a, Option<AccessRequest>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let portfolio: Option<String> = sqlx::query_scalar(
                "SELECT portfolio_id FROM access_requests WHERE id = ? AND status = 'pending'",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(portfolio) = portfolio else { return Ok(None) };
            let portfolio = DocumentId::parse(&portfolio)?;
            let grant_id = match grant {
                Some(g) => Some(grant_tx::insert(&mut tx, &portfolio, g, GrantSource::Direct, Some(by), now).await?),
                None => None,
            };
            let row = sqlx::query(&format!(
                "UPDATE access_requests SET status = ?, decided_at = ?, decided_by = ?, grant_id = ? WHERE id = ? RETURNING {COLUMNS}"
            ))
            .bind(if grant.is_some() { "approved" } else { "declined" })
            .bind(now.millis())
            .bind(by.0)
            .bind(grant_id.map(|g| g.0 as i64))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let decided = row_to_request(&row)?;
            tx.commit().await?;
            Ok(Some(decided))
        })
    }
}
