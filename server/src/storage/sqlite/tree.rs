//! [`TreeStore`] on SQLite: node skeleton, document registry, attachments per
//! node, and a user's roles across portfolios.

use std::collections::HashMap;

use folio_core::access::{Node, NodeId, NodeKind, NodeState, UserId as CoreUserId};
use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStorage;
use crate::storage::{
    ContentHash, DocumentId, DocumentRecord, DocumentRole, PortfolioRole, RoleName, StorageError,
    StorageFuture, TreeStore, UserId,
};

fn kind_of(s: &str) -> Result<NodeKind, StorageError> {
    Ok(match s {
        "portfolio" => NodeKind::Portfolio,
        "collection" => NodeKind::Collection,
        "page" => NodeKind::Page,
        "section" => NodeKind::Section,
        "resource" => NodeKind::Resource,
        other => return Err(StorageError::Corrupt(format!("node kind `{other}`"))),
    })
}

fn row_to_record(row: &SqliteRow) -> Result<DocumentRecord, StorageError> {
    let kind: &str = row.try_get("kind")?;
    let role = match kind {
        "portfolio" => DocumentRole::Portfolio,
        "collection" => DocumentRole::Collection,
        "page" => DocumentRole::Page,
        "feedback" => DocumentRole::Feedback {
            thread: row.try_get::<Option<String>, _>("thread_id")?.unwrap_or_default(),
            author: row.try_get::<Option<String>, _>("author")?.unwrap_or_default(),
            opener: row.try_get::<Option<String>, _>("opener")?.unwrap_or_default(),
        },
        other => return Err(StorageError::Corrupt(format!("document kind `{other}`"))),
    };
    Ok(DocumentRecord {
        id: DocumentId::parse(row.try_get::<&str, _>("id")?)?,
        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
        role,
        node: NodeId::new(row.try_get::<String, _>("node_id")?),
    })
}

/// Orders nodes parents first (the engine needs a parent before its child).
fn parents_first(nodes: Vec<Node>) -> Vec<Node> {
    let mut children: HashMap<Option<NodeId>, Vec<Node>> = HashMap::new();
    for n in nodes {
        children.entry(n.parent.clone()).or_default().push(n);
    }
    let mut out = Vec::new();
    let mut stack: Vec<Node> = children.remove(&None).unwrap_or_default();
    while let Some(n) = stack.pop() {
        if let Some(kids) = children.remove(&Some(n.id.clone())) {
            stack.extend(kids);
        }
        out.push(n);
    }
    // Orphans (a parent row missing after a crash) are dropped here; the
    // document actor re-derives its nodes from the document when it loads.
    out
}

impl TreeStore for SqliteStorage {
    fn put_nodes<'a>(&'a self, portfolio: &'a DocumentId, nodes: &'a [Node]) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            for n in nodes {
                let state = serde_json::to_string(&n.state).expect("node state serialises");
                sqlx::query(
                    "INSERT INTO nodes (portfolio_id, id, parent_id, kind, title, state) VALUES (?, ?, ?, ?, ?, ?)
                     ON CONFLICT (portfolio_id, id) DO UPDATE SET parent_id = excluded.parent_id, kind = excluded.kind, title = excluded.title, state = excluded.state",
                )
                .bind(portfolio.as_str())
                .bind(n.id.as_str())
                .bind(n.parent.as_ref().map(NodeId::as_str))
                .bind(n.kind.as_str())
                .bind(n.title.as_deref())
                .bind(state)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn remove_nodes<'a>(&'a self, portfolio: &'a DocumentId, nodes: &'a [NodeId]) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            for n in nodes {
                sqlx::query("DELETE FROM nodes WHERE portfolio_id = ? AND id = ?")
                    .bind(portfolio.as_str())
                    .bind(n.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn portfolio_nodes<'a>(&'a self, portfolio: &'a DocumentId) -> StorageFuture<'a, Vec<Node>> {
        Box::pin(async move {
            let owner: Option<i64> = sqlx::query_scalar("SELECT owner_id FROM portfolios WHERE id = ?")
                .bind(portfolio.as_str())
                .fetch_optional(&self.pool)
                .await?;
            let rows = sqlx::query("SELECT id, parent_id, kind, title, state FROM nodes WHERE portfolio_id = ?")
                .bind(portfolio.as_str())
                .fetch_all(&self.pool)
                .await?;
            let mut nodes = Vec::with_capacity(rows.len());
            for row in &rows {
                let kind = kind_of(row.try_get("kind")?)?;
                let state: &str = row.try_get("state")?;
                let state: NodeState = serde_json::from_str(state)
                    .map_err(|_| StorageError::Corrupt(format!("node state `{state}`")))?;
                let owner = match kind {
                    NodeKind::Portfolio => owner.map(|o| CoreUserId::new(o.to_string())),
                    _ => None,
                };
                nodes.push(Node {
                    id: NodeId::new(row.try_get::<String, _>("id")?),
                    kind,
                    parent: row.try_get::<Option<String>, _>("parent_id")?.map(NodeId::new),
                    owner,
                    title: row.try_get("title")?,
                    state,
                });
            }
            Ok(parents_first(nodes))
        })
    }

    fn register_document<'a>(&'a self, r: &'a DocumentRecord, now: Timestamp) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let (thread, author, opener) = match &r.role {
                DocumentRole::Feedback { thread, author, opener } => {
                    (Some(thread.as_str()), Some(author.as_str()), Some(opener.as_str()))
                }
                _ => (None, None, None),
            };
            let done = sqlx::query(
                "INSERT OR IGNORE INTO documents (id, portfolio_id, kind, node_id, thread_id, author, opener, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(r.id.as_str())
            .bind(r.portfolio.as_str())
            .bind(r.role.kind())
            .bind(r.node.as_str())
            .bind(thread)
            .bind(author)
            .bind(opener)
            .bind(now.millis())
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn document_record<'a>(&'a self, id: &'a DocumentId) -> StorageFuture<'a, Option<DocumentRecord>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM documents WHERE id = ?")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_record).transpose()
        })
    }

    fn portfolio_documents<'a>(&'a self, portfolio: &'a DocumentId) -> StorageFuture<'a, Vec<DocumentRecord>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT * FROM documents WHERE portfolio_id = ? ORDER BY created_at, id")
                .bind(portfolio.as_str())
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(row_to_record).collect()
        })
    }

    fn attach_file<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        node: &'a NodeId,
        hash: &'a ContentHash,
        now: Timestamp,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("INSERT OR IGNORE INTO node_files (portfolio_id, node_id, hash, created_at) VALUES (?, ?, ?, ?)")
                .bind(portfolio.as_str())
                .bind(node.as_str())
                .bind(hash.as_str())
                .bind(now.millis())
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn node_has_file<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        node: &'a NodeId,
        hash: &'a ContentHash,
    ) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM node_files WHERE portfolio_id = ? AND node_id = ? AND hash = ?",
            )
            .bind(portfolio.as_str())
            .bind(node.as_str())
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?;
            Ok(found.is_some())
        })
    }

    fn roles_of_user(&self, user: UserId) -> StorageFuture<'_, Vec<PortfolioRole>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT portfolio_id, role FROM portfolio_roles WHERE user_id = ? ORDER BY portfolio_id, role")
                .bind(user.0)
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(PortfolioRole {
                        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
                        user,
                        role: RoleName::parse(row.try_get::<&str, _>("role")?)?,
                    })
                })
                .collect()
        })
    }
}
