//! [`LinkStore`] on SQLite.

use folio_core::access::{Grant, GrantId, LinkId, NodeId};
use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStorage, conflict, grant_tx};
use crate::storage::{
    DocumentId, Email, GrantSource, LinkStore, RoleName, ShareLink, StorageError, StorageFuture,
    TokenHash, User, UserId, UserKind,
};

const COLUMNS: &str = "id, portfolio_id, node_id, level, recipient_role, recipient_email, label, created_by, created_at, starts_at, expires_at, revoked_at, last_used_at, use_count, grant_id";

fn ts(row: &SqliteRow, col: &str) -> Result<Option<Timestamp>, StorageError> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(Timestamp))
}

fn row_to_link(row: &SqliteRow) -> Result<ShareLink, StorageError> {
    Ok(ShareLink {
        id: LinkId::new(row.try_get::<String, _>("id")?),
        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
        node: NodeId::new(row.try_get::<String, _>("node_id")?),
        level: row.try_get::<i64, _>("level")? as u8,
        recipient_role: RoleName::parse(row.try_get::<&str, _>("recipient_role")?)?,
        recipient: match row.try_get::<Option<&str>, _>("recipient_email")? {
            Some(e) => Some(Email::parse(e)?),
            None => None,
        },
        label: row.try_get("label")?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: Timestamp(row.try_get("created_at")?),
        starts_at: ts(row, "starts_at")?,
        expires_at: ts(row, "expires_at")?,
        revoked_at: ts(row, "revoked_at")?,
        last_used_at: ts(row, "last_used_at")?,
        use_count: row.try_get::<i64, _>("use_count")? as u32,
        grant: row.try_get::<Option<i64>, _>("grant_id")?.map(|g| GrantId(g as u64)),
    })
}

impl LinkStore for SqliteStorage {
    fn create_link<'a>(
        &'a self,
        link: &'a ShareLink,
        token_hash: &'a TokenHash,
        grant: Option<&'a Grant>,
    ) -> StorageFuture<'a, ShareLink> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let grant_id = match grant {
                Some(g) => Some(
                    grant_tx::insert(&mut tx, &link.portfolio, g, GrantSource::ShareLink, Some(link.created_by), link.created_at)
                        .await?,
                ),
                None => None,
            };
            let row = sqlx::query(&format!(
                "INSERT INTO share_links (id, token_hash, portfolio_id, node_id, level, recipient_role, recipient_email, label, created_by, created_at, starts_at, expires_at, grant_id)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
            ))
            .bind(link.id.as_str())
            .bind(&token_hash.0[..])
            .bind(link.portfolio.as_str())
            .bind(link.node.as_str())
            .bind(i64::from(link.level))
            .bind(link.recipient_role.as_str())
            .bind(link.recipient.as_ref().map(Email::as_str))
            .bind(link.label.as_deref())
            .bind(link.created_by.0)
            .bind(link.created_at.millis())
            .bind(link.starts_at.map(Timestamp::millis))
            .bind(link.expires_at.map(Timestamp::millis))
            .bind(grant_id.map(|g| g.0 as i64))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict(e, "share link", link.id.as_str()))?;
            let stored = row_to_link(&row)?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    fn link_by_hash<'a>(&'a self, hash: &'a TokenHash) -> StorageFuture<'a, Option<ShareLink>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM share_links WHERE token_hash = ?"))
                .bind(&hash.0[..])
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_link).transpose()
        })
    }

    fn link<'a>(&'a self, id: &'a LinkId) -> StorageFuture<'a, Option<ShareLink>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM share_links WHERE id = ?"))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(row_to_link).transpose()
        })
    }

    fn portfolio_links<'a>(&'a self, portfolio: &'a DocumentId) -> StorageFuture<'a, Vec<ShareLink>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM share_links WHERE portfolio_id = ? ORDER BY created_at DESC, id"
            ))
            .bind(portfolio.as_str())
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_to_link).collect()
        })
    }

    fn touch_link<'a>(&'a self, id: &'a LinkId, now: Timestamp) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE share_links SET last_used_at = ?, use_count = use_count + 1 WHERE id = ?")
                .bind(now.millis())
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn revoke_link<'a>(&'a self, id: &'a LinkId, now: Timestamp) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let grant: Option<Option<i64>> = sqlx::query_scalar(
                "UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING grant_id",
            )
            .bind(now.millis())
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(grant) = grant else { return Ok(false) };
            grant_tx::delete(&mut tx, grant.as_slice()).await?;
            sqlx::query("DELETE FROM link_roles WHERE link_id = ?")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    fn add_link_role<'a>(
        &'a self,
        link: &'a ShareLink,
        user: UserId,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO link_roles (link_id, user_id, portfolio_id, role, until, created_at) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (link_id, user_id) DO NOTHING",
            )
            .bind(link.id.as_str())
            .bind(user.0)
            .bind(link.portfolio.as_str())
            .bind(link.recipient_role.as_str())
            .bind(until.map(Timestamp::millis))
            .bind(now.millis())
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn link_roles_of_user(
        &self,
        user: UserId,
    ) -> StorageFuture<'_, Vec<(DocumentId, RoleName, Option<Timestamp>)>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT r.portfolio_id, r.role, r.until FROM link_roles r JOIN share_links l ON l.id = r.link_id
                 WHERE r.user_id = ? AND l.revoked_at IS NULL ORDER BY r.created_at",
            )
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok((
                        DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
                        RoleName::parse(row.try_get::<&str, _>("role")?)?,
                        ts(row, "until")?,
                    ))
                })
                .collect()
        })
    }

    fn create_guest<'a>(&'a self, link: &'a LinkId, now: Timestamp) -> StorageFuture<'a, User> {
        Box::pin(async move {
            let email = format!("guest-{}@guests.folio.invalid", link.as_str().to_ascii_lowercase());
            let email = Email::parse(&email)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, is_admin, kind, created_at) VALUES (?, 'Guest', NULL, 0, 'external', ?)
                 ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
            )
            .bind(email.as_str())
            .bind(now.millis())
            .fetch_one(&self.pool)
            .await?;
            Ok(User {
                id: UserId(id),
                email,
                display_name: "Guest".into(),
                password_hash: None,
                is_admin: false,
                kind: UserKind::External,
                created_at: now,
            })
        })
    }
}
