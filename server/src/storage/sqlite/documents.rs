//! [`DocumentStore`] on SQLite: append changes, compact into snapshots.

use automerge::ChangeHash;
use folio_core::time::Timestamp;
use sqlx::Row;

use super::{SqliteStorage, hash32};
use crate::storage::{
    AuditEntry, DocumentId, DocumentStore, Snapshot, StorageError, StorageFuture, StoredChange, StoredDocument,
};

fn heads_to_bytes(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn bytes_to_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, StorageError> {
    if !bytes.len().is_multiple_of(32) {
        return Err(StorageError::Corrupt(format!(
            "snapshot heads hold {} bytes, not a multiple of 32",
            bytes.len()
        )));
    }
    bytes
        .chunks_exact(32)
        .map(|c| hash32(c).map(ChangeHash))
        .collect()
}

impl DocumentStore for SqliteStorage {
    fn append_changes<'a>(
        &'a self,
        doc: &'a DocumentId,
        changes: &'a [StoredChange],
        now: Timestamp,
    ) -> StorageFuture<'a, u64> {
        self.append_changes_audited(doc, changes.to_vec(), Vec::new(), now)
    }

    fn append_changes_audited<'a>(
        &'a self,
        doc: &'a DocumentId,
        changes: Vec<StoredChange>,
        audit: Vec<AuditEntry>,
        now: Timestamp,
    ) -> StorageFuture<'a, u64> {
        Box::pin(self.appends.append(doc, changes, audit, now))
    }

    fn load_document<'a>(&'a self, doc: &'a DocumentId) -> StorageFuture<'a, StoredDocument> {
        Box::pin(async move {
            // One read transaction, so a compaction cannot slip between the two reads.
            let mut tx = self.pool.begin().await?;
            let snapshot =
                sqlx::query("SELECT heads, data FROM document_snapshots WHERE document_id = ?")
                    .bind(doc.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|row| -> Result<Snapshot, StorageError> {
                        Ok(Snapshot {
                            heads: bytes_to_heads(row.try_get("heads")?)?,
                            data: row.try_get("data")?,
                        })
                    })
                    .transpose()?;
            let rows = sqlx::query(
                "SELECT change_hash, data FROM document_changes WHERE document_id = ? ORDER BY seq",
            )
            .bind(doc.as_str())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let changes = rows
                .iter()
                .map(|row| {
                    Ok(StoredChange {
                        hash: ChangeHash(hash32(row.try_get("change_hash")?)?),
                        data: row.try_get("data")?,
                    })
                })
                .collect::<Result<_, StorageError>>()?;
            Ok(StoredDocument { snapshot, changes })
        })
    }

    fn compact<'a>(
        &'a self,
        doc: &'a DocumentId,
        snapshot: &'a Snapshot,
        compacted: &'a [ChangeHash],
        now: Timestamp,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "INSERT INTO document_snapshots (document_id, heads, data, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (document_id) DO UPDATE SET heads = excluded.heads, data = excluded.data, updated_at = excluded.updated_at",
            )
            .bind(doc.as_str())
            .bind(heads_to_bytes(&snapshot.heads))
            .bind(&snapshot.data)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            for hash in compacted {
                sqlx::query(
                    "DELETE FROM document_changes WHERE document_id = ? AND change_hash = ?",
                )
                .bind(doc.as_str())
                .bind(&hash.0[..])
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ReadDoc};

    use super::*;

    fn changes_of(doc: &mut AutoCommit, since: &[ChangeHash]) -> Vec<StoredChange> {
        doc.get_changes(since)
            .into_iter()
            .map(|c| StoredChange {
                hash: c.hash(),
                data: c.raw_bytes().to_vec(),
            })
            .collect()
    }

    fn rebuild(stored: &StoredDocument) -> AutoCommit {
        let mut doc = match &stored.snapshot {
            Some(s) => AutoCommit::load(&s.data).unwrap(),
            None => AutoCommit::new(),
        };
        let changes = stored
            .changes
            .iter()
            .map(|c| automerge::Change::from_bytes(c.data.clone()).unwrap());
        doc.apply_changes(changes).unwrap();
        doc
    }

    #[tokio::test]
    async fn appended_changes_rebuild_the_document_and_duplicates_are_skipped() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let id = DocumentId::parse("doc1").unwrap();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "title", "Stage").unwrap();
        doc.commit();
        doc.put(ROOT, "year", 2).unwrap();
        doc.commit();
        let changes = changes_of(&mut doc, &[]);
        assert_eq!(
            s.append_changes(&id, &changes, Timestamp(0)).await.unwrap(),
            2
        );
        assert_eq!(
            s.append_changes(&id, &changes, Timestamp(0)).await.unwrap(),
            0
        );
        let stored = s.load_document(&id).await.unwrap();
        assert_eq!(stored.changes, changes);
        let mut rebuilt = rebuild(&stored);
        assert_eq!(rebuilt.get_heads(), doc.get_heads());
    }

    #[tokio::test]
    async fn compaction_replaces_covered_changes_with_a_snapshot_and_keeps_later_ones() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let id = DocumentId::parse("doc1").unwrap();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        doc.commit();
        let first = changes_of(&mut doc, &[]);
        s.append_changes(&id, &first, Timestamp(0)).await.unwrap();
        let heads = doc.get_heads();
        let snapshot = Snapshot {
            heads: heads.clone(),
            data: doc.save(),
        };

        // A change arrives after the snapshot was taken but before it is written.
        doc.put(ROOT, "b", 2).unwrap();
        doc.commit();
        let later = changes_of(&mut doc, &heads);
        s.append_changes(&id, &later, Timestamp(1)).await.unwrap();

        let compacted: Vec<_> = first.iter().map(|c| c.hash).collect();
        s.compact(&id, &snapshot, &compacted, Timestamp(2))
            .await
            .unwrap();
        let stored = s.load_document(&id).await.unwrap();
        assert_eq!(stored.snapshot, Some(snapshot));
        assert_eq!(stored.changes, later);
        let mut rebuilt = rebuild(&stored);
        assert_eq!(rebuilt.get_heads(), doc.get_heads());
        assert_eq!(
            rebuilt.get(ROOT, "b").unwrap().map(|(v, _)| v.as_i64()),
            Some(Some(2))
        );
    }

    #[tokio::test]
    async fn an_unknown_document_loads_as_empty() {
        let s = SqliteStorage::in_memory().await.unwrap();
        assert!(
            s.load_document(&DocumentId::parse("nope").unwrap())
                .await
                .unwrap()
                .is_empty()
        );
    }
}
