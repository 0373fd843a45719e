//! Grant rows written inside another topic's transaction (links, invitations,
//! access requests), with exactly the columns and encodings of `grants.rs`.

use folio_core::access::{Grant, GrantId};
use folio_core::time::Timestamp;
use sqlx::SqliteConnection;

use super::grants::subject_json;
use crate::storage::{DocumentId, GrantSource, StorageError, UserId};

/// Inserts a grant; returns its new id (the grant's own `id` is ignored).
pub(super) async fn insert(
    conn: &mut SqliteConnection,
    portfolio: &DocumentId,
    grant: &Grant,
    source: GrantSource,
    created_by: Option<UserId>,
    now: Timestamp,
) -> Result<GrantId, StorageError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO grants (portfolio_id, node_id, subject, level, starts_at, ends_at, condition, may_share, hide_feedback, source, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    .fetch_one(&mut *conn)
    .await?;
    Ok(GrantId(id as u64))
}

/// Deletes grants by id.
pub(super) async fn delete(conn: &mut SqliteConnection, ids: &[i64]) -> Result<(), StorageError> {
    for id in ids {
        sqlx::query("DELETE FROM grants WHERE id = ?")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
