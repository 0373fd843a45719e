//! Group commit: every document actor's appends go through one writer task,
//! which writes whatever queued while its previous transaction committed in
//! one transaction — one fsync for many documents.
//!
//! Why: a document actor makes its accepted changes durable before it
//! acknowledges or relays them, one transaction per batch. With 100 people
//! typing over 20 documents that was about 500 transactions, and 500 fsyncs,
//! a second (`perf stat -e syscalls:sys_enter_fsync` over the benchmark's
//! many-documents phase: 5,369 fsyncs for ~5,000 edits), while SQLite lets
//! one writer in at a time, so concurrent actors waited on its lock (in
//! sleeps of its busy handler). A disk that syncs in milliseconds rather than
//! this machine's microseconds could not keep up at all. One writer that
//! takes what queued turns concurrent commits into one; a lone commit is not
//! delayed (the writer never waits to gather).
//!
//! Durability is unchanged: each caller's future resolves only after the
//! transaction holding its rows committed. If a group's transaction fails,
//! each append in it is written again alone, so a failure is reported to the
//! document it belongs to and nobody else's edits are refused for it.

use folio_core::time::Timestamp;
use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::storage::{AuditEntry, DocumentId, StorageError, StoredChange};

/// At most this many appends share one transaction.
const MAX_GROUP: usize = 256;

/// Appends waiting for the writer before callers wait to queue.
const QUEUE: usize = 1024;

/// One caller's changes and audit rows, and where its result goes.
pub(super) struct Append {
    rows: Rows,
    done: oneshot::Sender<Result<u64, StorageError>>,
}

struct Rows {
    doc: DocumentId,
    changes: Vec<StoredChange>,
    audit: Vec<AuditEntry>,
    now: Timestamp,
}

/// The writer's queue; the writer ends when every sender is gone.
#[derive(Clone, Debug)]
pub(super) struct GroupWriter {
    queue: mpsc::Sender<Append>,
}

impl GroupWriter {
    /// Starts the writer on the current tokio runtime.
    pub(super) fn spawn(pool: SqlitePool) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, rx));
        GroupWriter { queue }
    }

    /// Appends `changes` and `audit` durably; resolves once committed with how
    /// many changes were written.
    pub(super) async fn append(
        &self,
        doc: &DocumentId,
        changes: Vec<StoredChange>,
        audit: Vec<AuditEntry>,
        now: Timestamp,
    ) -> Result<u64, StorageError> {
        let (done, result) = oneshot::channel();
        let rows = Rows { doc: doc.clone(), changes, audit, now };
        // The writer only stops with the runtime; then nothing can be stored.
        let stopped = || StorageError::Database(sqlx::Error::PoolClosed);
        self.queue.send(Append { rows, done }).await.map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

async fn run(pool: SqlitePool, mut rx: mpsc::Receiver<Append>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        commit_group(&pool, group).await;
    }
}

/// Writes a group in one transaction and answers every caller; if that
/// fails, writes each append alone (see the module docs).
async fn commit_group(pool: &SqlitePool, group: Vec<Append>) {
    let (rows, done): (Vec<Rows>, Vec<_>) = group.into_iter().map(|a| (a.rows, a.done)).unzip();
    match write(pool, &rows).await {
        Ok(added) => {
            for (done, n) in done.into_iter().zip(added) {
                let _ = done.send(Ok(n));
            }
        }
        Err(e) if rows.len() == 1 => {
            let _ = done.into_iter().next().expect("one caller").send(Err(e));
        }
        Err(e) => {
            tracing::warn!(appends = rows.len(), error = %e, "a group commit failed; writing its appends one by one");
            for (rows, done) in rows.into_iter().zip(done) {
                let alone = write(pool, std::slice::from_ref(&rows)).await.map(|added| added[0]);
                let _ = done.send(alone);
            }
        }
    }
}

/// One transaction holding every append of `group`; how many changes of
/// each were written.
async fn write(pool: &SqlitePool, group: &[Rows]) -> Result<Vec<u64>, StorageError> {
    let mut tx = pool.begin().await?;
    let mut added = Vec::with_capacity(group.len());
    for rows in group {
        added.push(insert(&mut tx, rows).await?);
    }
    tx.commit().await?;
    Ok(added)
}

/// Rows per multi-row `INSERT`: each statement is one trip to SQLite's
/// worker thread, and a batch of a busy document holds hundreds of changes
/// and as many audit rows (one statement per row cost more than the fsync).
/// A group's rows go in chunks of this many, the rest in chunks of halving
/// sizes, so only a few statement shapes exist to prepare and cache.
const CHUNK: usize = 64;

/// `rows` in chunks: [`CHUNK`]s, then powers of two.
fn chunked<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rows.is_empty() {
            return None;
        }
        let len = if rows.len() >= CHUNK { CHUNK } else { 1 << rows.len().ilog2() };
        let (chunk, rest) = rows.split_at(len);
        rows = rest;
        Some(chunk)
    })
}

async fn insert(tx: &mut Transaction<'_, Sqlite>, rows: &Rows) -> Result<u64, StorageError> {
    for chunk in chunked(&rows.audit) {
        super::audit::insert_audit_rows(chunk).build().execute(&mut **tx).await?;
    }
    let mut added = 0;
    for chunk in chunked(&rows.changes) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO document_changes (document_id, change_hash, data, created_at) ",
        );
        q.push_values(chunk, |mut row, change| {
            row.push_bind(rows.doc.as_str())
                .push_bind(&change.hash.0[..])
                .push_bind(&change.data)
                .push_bind(rows.now.millis());
        });
        added += q.build().execute(&mut **tx).await?.rows_affected();
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use automerge::ChangeHash;

    use super::*;
    use crate::storage::sqlite::SqliteStorage;
    use crate::storage::{DocumentStore, Outcome};

    fn change(n: u8) -> StoredChange {
        StoredChange { hash: ChangeHash([n; 32]), data: vec![n; 10] }
    }

    fn doc(name: &str) -> DocumentId {
        DocumentId::parse(name).unwrap()
    }

    fn audit(d: &DocumentId) -> AuditEntry {
        AuditEntry {
            at: Timestamp(5),
            principal: "user:1".into(),
            document: Some(d.clone()),
            node: None,
            action: "edit".into(),
            outcome: Outcome::Accepted,
            reason: None,
        }
    }

    fn append(d: &DocumentId, changes: Vec<StoredChange>) -> (Append, oneshot::Receiver<Result<u64, StorageError>>) {
        let (done, result) = oneshot::channel();
        (Append { rows: Rows { doc: d.clone(), audit: vec![audit(d)], changes, now: Timestamp(5) }, done }, result)
    }

    async fn audit_rows(s: &SqliteStorage, d: &DocumentId) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE document_id = ?").bind(d.as_str()).fetch_one(&s.pool).await.unwrap()
    }

    #[tokio::test]
    async fn concurrent_appends_of_many_documents_are_all_durable_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(dir.path()).await.unwrap();
        let docs: Vec<DocumentId> = (0..40).map(|i| doc(&format!("d{i}"))).collect();
        let writes = docs.iter().enumerate().map(|(i, d)| {
            let s = s.clone();
            let changes = vec![change(i as u8), change(100 + i as u8)];
            async move { s.append_changes_audited(d, changes, vec![audit(d)], Timestamp(5)).await }
        });
        let added = futures::future::join_all(writes).await;
        assert!(added.iter().all(|r| matches!(r, Ok(2))), "{added:?}");
        // A change appended again is written again and loaded once.
        assert_eq!(s.append_changes(&docs[3], &[change(3)], Timestamp(6)).await.unwrap(), 1);
        s.close().await;
        let s = SqliteStorage::open(dir.path()).await.unwrap();
        for (i, d) in docs.iter().enumerate() {
            let stored = s.load_document(d).await.unwrap();
            assert_eq!(stored.changes, vec![change(i as u8), change(100 + i as u8)], "{d:?}");
            assert_eq!(audit_rows(&s, d).await, 1);
        }
    }

    #[test]
    fn rows_go_in_a_few_chunk_shapes_covering_every_row() {
        let lengths = |n: usize| chunked(&vec![(); n]).map(<[()]>::len).collect::<Vec<_>>();
        assert!(lengths(0).is_empty());
        assert_eq!(lengths(1), [1]);
        assert_eq!(lengths(200), [64, 64, 64, 8]);
        assert_eq!(lengths(127), [64, 32, 16, 8, 4, 2, 1]);
        for n in 0..300 {
            let l = lengths(n);
            assert_eq!(l.iter().sum::<usize>(), n);
            assert!(l.iter().all(|len| len.is_power_of_two() && *len <= CHUNK));
        }
    }

    #[tokio::test]
    async fn a_large_append_keeps_every_row_in_order_and_loads_a_duplicate_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(dir.path()).await.unwrap();
        let d = doc("big");
        // 203 changes, one of them twice (written twice, loaded once, as it
        // first arrived), and an audit row per change, each naming it.
        let mut changes: Vec<StoredChange> = (0..=200u8).map(change).collect();
        changes.push(StoredChange { hash: ChangeHash([7; 32]), data: vec![0xff] });
        changes.push(change(201));
        let audit: Vec<AuditEntry> = (0..203)
            .map(|i| AuditEntry { reason: Some(format!("row {i}")), ..audit(&d) })
            .collect();
        let added = s.append_changes_audited(&d, changes.clone(), audit, Timestamp(5)).await.unwrap();
        assert_eq!(added, 203);
        let stored = s.load_document(&d).await.unwrap().changes;
        let mut expected = changes;
        expected.remove(201);
        assert_eq!(stored, expected);
        let reasons: Vec<Option<String>> =
            sqlx::query_scalar("SELECT reason FROM audit_log WHERE document_id = ? ORDER BY id")
                .bind(d.as_str())
                .fetch_all(&s.pool)
                .await
                .unwrap();
        assert_eq!(reasons, (0..203).map(|i| Some(format!("row {i}"))).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_failing_append_fails_alone_and_the_rest_of_its_group_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(dir.path()).await.unwrap();
        // A real database failure for one document only.
        sqlx::query(
            "CREATE TRIGGER poison BEFORE INSERT ON document_changes WHEN NEW.document_id = 'poisoned' \
             BEGIN SELECT RAISE(ABORT, 'this document cannot be written'); END",
        )
        .execute(&s.pool)
        .await
        .unwrap();
        let (good, bad, later) = (doc("good"), doc("poisoned"), doc("later"));
        let (a, ra) = append(&good, vec![change(1)]);
        let (b, rb) = append(&bad, vec![change(2)]);
        let (c, rc) = append(&later, vec![change(3), change(4)]);
        commit_group(&s.pool, vec![a, b, c]).await;
        assert_eq!(ra.await.unwrap().unwrap(), 1);
        let refused = rb.await.unwrap().unwrap_err();
        assert!(refused.to_string().contains("this document cannot be written"), "{refused}");
        assert_eq!(rc.await.unwrap().unwrap(), 2);
        assert_eq!(s.load_document(&good).await.unwrap().changes, vec![change(1)]);
        assert_eq!(s.load_document(&later).await.unwrap().changes, vec![change(3), change(4)]);
        // Nothing of the failed append, not even its audit row, was kept.
        assert!(s.load_document(&bad).await.unwrap().is_empty());
        assert_eq!(audit_rows(&s, &bad).await, 0);
        assert_eq!(audit_rows(&s, &good).await, 1);
    }
}
