//! [`AuditStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;

use super::SqliteStorage;
use crate::storage::{AuditEntry, AuditStore, DocumentId, Outcome, StorageError, StorageFuture};

/// The statement appending `entries` (at least one) in one multi-row
/// `INSERT`, in order (also run inside the group writer's transactions).
pub(super) fn insert_audit_rows(entries: &[AuditEntry]) -> sqlx::QueryBuilder<'_, sqlx::Sqlite> {
    let mut q = sqlx::QueryBuilder::new(
        "INSERT INTO audit_log (at, principal, document_id, node_id, action, outcome, reason) ",
    );
    q.push_values(entries, |mut row, e| {
        row.push_bind(e.at.millis())
            .push_bind(&e.principal)
            .push_bind(e.document.as_ref().map(DocumentId::as_str))
            .push_bind(e.node.as_deref())
            .push_bind(&e.action)
            .push_bind(e.outcome.as_str())
            .push_bind(e.reason.as_deref());
    });
    q
}

impl AuditStore for SqliteStorage {
    fn record_audit<'a>(&'a self, e: &'a AuditEntry) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            insert_audit_rows(std::slice::from_ref(e)).build().execute(&self.pool).await?;
            Ok(())
        })
    }

    fn audit_for_document<'a>(
        &'a self,
        doc: &'a DocumentId,
        limit: u32,
    ) -> StorageFuture<'a, Vec<AuditEntry>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT at, principal, document_id, node_id, action, outcome, reason FROM audit_log
                 WHERE document_id = ? ORDER BY id DESC LIMIT ?",
            )
            .bind(doc.as_str())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows_to_entries(&rows)
        })
    }

    fn recent_audit(&self, limit: u32) -> StorageFuture<'_, Vec<AuditEntry>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT at, principal, document_id, node_id, action, outcome, reason FROM audit_log
                 ORDER BY id DESC LIMIT ?",
            )
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows_to_entries(&rows)
        })
    }
}

fn rows_to_entries(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<AuditEntry>, StorageError> {
    rows.iter()
        .map(|row| {
            let outcome = match row.try_get::<&str, _>("outcome")? {
                "accepted" => Outcome::Accepted,
                "rejected" => Outcome::Rejected,
                other => {
                    return Err(StorageError::Corrupt(format!("audit outcome `{other}`")));
                }
            };
            Ok(AuditEntry {
                at: Timestamp(row.try_get("at")?),
                principal: row.try_get("principal")?,
                document: row
                    .try_get::<Option<&str>, _>("document_id")?
                    .map(DocumentId::parse)
                    .transpose()?,
                node: row.try_get("node_id")?,
                action: row.try_get("action")?,
                outcome,
                reason: row.try_get("reason")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn audit_entries_come_back_newest_first_per_document() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let doc = DocumentId::parse("doc1").unwrap();
        let entry = |at: i64, outcome, reason: Option<&str>| AuditEntry {
            at: Timestamp(at),
            principal: "user:1".into(),
            document: Some(doc.clone()),
            node: Some("node-7".into()),
            action: "edit".into(),
            outcome,
            reason: reason.map(str::to_owned),
        };
        let accepted = entry(1, Outcome::Accepted, None);
        let rejected = entry(
            2,
            Outcome::Rejected,
            Some("you may only comment on this page"),
        );
        s.record_audit(&accepted).await.unwrap();
        s.record_audit(&rejected).await.unwrap();
        let other = AuditEntry {
            document: Some(DocumentId::parse("doc2").unwrap()),
            ..accepted.clone()
        };
        s.record_audit(&other).await.unwrap();
        assert_eq!(
            s.audit_for_document(&doc, 10).await.unwrap(),
            vec![rejected.clone(), accepted]
        );
        assert_eq!(s.audit_for_document(&doc, 1).await.unwrap(), vec![rejected]);
    }
}
