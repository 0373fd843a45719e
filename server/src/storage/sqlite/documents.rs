//! [`DocumentStore`] on SQLite: append changes, compact into snapshots.

use automerge::ChangeHash;
use folio_core::time::Timestamp;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{SqliteStorage, hash32};
use crate::storage::{
    AuditEntry, DocumentId, DocumentStore, Snapshot, StorageError, StorageFuture, StoredChange, StoredDocument,
};

/// Hashes per `DELETE` when compacting (SQLite allows 32,766 parameters).
const COMPACT_CHUNK: usize = 500;

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
            // Each change once, at its first arrival (see `DocumentStore`).
            let mut seen = std::collections::HashSet::with_capacity(rows.len());
            let mut changes = Vec::with_capacity(rows.len());
            for row in &rows {
                let hash = ChangeHash(hash32(row.try_get("change_hash")?)?);
                if seen.insert(hash) {
                    changes.push(StoredChange { hash, data: row.try_get("data")? });
                }
            }
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
            // Among the document's rows (its index), a chunk of hashes at a time.
            for chunk in compacted.chunks(COMPACT_CHUNK) {
                let mut q = QueryBuilder::<Sqlite>::new("DELETE FROM document_changes WHERE document_id = ");
                q.push_bind(doc.as_str()).push(" AND change_hash IN (");
                let mut list = q.separated(", ");
                for hash in chunk {
                    list.push_bind(&hash.0[..]);
                }
                list.push_unseparated(")");
                q.build().execute(&mut *tx).await?;
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
    async fn appended_changes_rebuild_the_document_and_a_change_stored_twice_loads_once() {
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
            2
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
        // Stored twice: compaction deletes both rows.
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
    async fn changes_stored_before_migration_11_load_in_order_and_compact() {
        // A database as it was before `document_changes` lost its hash key.
        let dir = tempfile::tempdir().unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join(super::super::DB_FILE))
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let mut before = sqlx::migrate!("./migrations");
        before.migrations = before.migrations.iter().filter(|m| m.version < 11).cloned().collect::<Vec<_>>().into();
        before.run(&pool).await.unwrap();
        let id = DocumentId::parse("doc1").unwrap();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        doc.commit();
        doc.put(ROOT, "b", 2).unwrap();
        doc.commit();
        let changes = changes_of(&mut doc, &[]);
        for (i, c) in changes.iter().enumerate().rev() {
            // Stored newest first: loading goes by arrival, not by hash.
            sqlx::query("INSERT INTO document_changes (seq, document_id, change_hash, data, created_at) VALUES (?, ?, ?, ?, 0)")
                .bind(10 - i as i64)
                .bind(id.as_str())
                .bind(&c.hash.0[..])
                .bind(&c.data)
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
        let s = SqliteStorage::open(dir.path()).await.unwrap();
        let mut reversed = changes.clone();
        reversed.reverse();
        assert_eq!(s.load_document(&id).await.unwrap().changes, reversed);
        let snapshot = Snapshot { heads: doc.get_heads(), data: doc.save() };
        let hashes: Vec<ChangeHash> = changes.iter().map(|c| c.hash).collect();
        s.compact(&id, &snapshot, &hashes, Timestamp(1)).await.unwrap();
        let stored = s.load_document(&id).await.unwrap();
        assert!(stored.changes.is_empty());
        assert_eq!(rebuild(&stored).get_heads(), doc.get_heads());
    }

    #[tokio::test]
    async fn a_typing_sessions_keystrokes_rebuild_the_document_after_its_snapshot() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let id = DocumentId::parse("doc1").unwrap();
        let mut doc = AutoCommit::new();
        let text = doc.put_object(ROOT, "text", automerge::ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, "Stage").unwrap();
        doc.commit();
        let snapshot = Snapshot { heads: doc.get_heads(), data: doc.save() };
        s.compact(&id, &snapshot, &[], Timestamp(0)).await.unwrap();
        let heads = doc.get_heads();
        for (i, ch) in " report, week 3".chars().enumerate() {
            doc.splice_text(&text, 5 + i, 0, &ch.to_string()).unwrap();
            doc.commit();
        }
        let keystrokes = changes_of(&mut doc, &heads);
        assert_eq!(keystrokes.len(), 15);
        s.append_changes(&id, &keystrokes, Timestamp(1)).await.unwrap();
        let stored = s.load_document(&id).await.unwrap();
        let rebuilt = stored.rebuild().unwrap();
        assert_eq!(rebuilt.get_heads(), doc.get_heads());
        assert_eq!(rebuilt.text(&text).unwrap(), "Stage report, week 3");
        // A change that does not parse, or is not what its hash says, fails
        // the document's own load (`load_incremental` would have dropped it
        // and everything after it with a log line), and is left out by a
        // lenient reader, which still gets everything else.
        let mut broken = stored.clone();
        broken.changes.insert(3, StoredChange { hash: ChangeHash([9; 32]), data: vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3] });
        let err = broken.rebuild().unwrap_err();
        assert!(err.contains("does not parse"), "{err}");
        let (lenient, errors) = broken.rebuild_lenient().unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(lenient.text(&text).unwrap(), "Stage report, week 3");
        let mut misfiled = stored.clone();
        misfiled.changes[0].hash = ChangeHash([7; 32]);
        let err = misfiled.rebuild().unwrap_err();
        assert!(err.contains("is another change"), "{err}");
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
