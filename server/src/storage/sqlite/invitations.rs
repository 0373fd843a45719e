//! [`InvitationStore`] on SQLite.

use folio_core::access::{Grant, GrantId, Level, NodeId, Subject};
use folio_core::time::Timestamp;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{SqliteStorage, grant_tx, hash32};
use crate::storage::{
    DocumentId, GrantSource, Invitation, InvitationKind, InvitationStore, LoginCode,
    NewInvitation, OrgId, RoleName, StorageError, StorageFuture, TokenHash, UserId,
};

const COLUMNS: &str = "id, kind, portfolio_id, user_id, role, org_id, level, hide_feedback, nodes, lang, starts_at, ends_at, created_by, created_at, revoked_at, last_sign_in";

async fn row_to_invitation(
    conn: &mut SqliteConnection,
    row: &SqliteRow,
) -> Result<Invitation, StorageError> {
    let corrupt = |what: &str| StorageError::Corrupt(format!("invitation {what}"));
    let id: i64 = row.try_get("id")?;
    let grants: Vec<i64> =
        sqlx::query_scalar("SELECT grant_id FROM invitation_grants WHERE invitation_id = ? ORDER BY grant_id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let nodes: Vec<String> =
        serde_json::from_str(row.try_get::<&str, _>("nodes")?).map_err(|_| corrupt("nodes"))?;
    Ok(Invitation {
        id,
        kind: match row.try_get::<&str, _>("kind")? {
            "external" => InvitationKind::External,
            "one-time" => InvitationKind::OneTime,
            _ => return Err(corrupt("kind")),
        },
        portfolio: DocumentId::parse(row.try_get::<&str, _>("portfolio_id")?)?,
        user: UserId(row.try_get("user_id")?),
        role: RoleName::parse(row.try_get::<&str, _>("role")?)?,
        org: row.try_get::<Option<i64>, _>("org_id")?.map(OrgId),
        level: row.try_get::<&str, _>("level")?.parse::<Level>().map_err(|_| corrupt("level"))?,
        hide_feedback: row.try_get::<i64, _>("hide_feedback")? != 0,
        nodes: nodes.into_iter().map(NodeId::new).collect(),
        lang: row.try_get("lang")?,
        starts_at: Timestamp(row.try_get("starts_at")?),
        ends_at: row.try_get::<Option<i64>, _>("ends_at")?.map(Timestamp),
        created_by: UserId(row.try_get("created_by")?),
        created_at: Timestamp(row.try_get("created_at")?),
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(Timestamp),
        last_sign_in: row.try_get::<Option<i64>, _>("last_sign_in")?.map(Timestamp),
        grants: grants.into_iter().map(|g| GrantId(g as u64)).collect(),
    })
}

enum Key<'a> {
    Id(i64),
    Hash(&'a TokenHash),
}

async fn one(conn: &mut SqliteConnection, key: Key<'_>) -> Result<Option<Invitation>, StorageError> {
    let row = match key {
        Key::Id(id) => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM invitations WHERE id = ?"))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        Key::Hash(h) => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = ?"))
                .bind(&h.0[..])
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    match row {
        Some(row) => Ok(Some(row_to_invitation(conn, &row).await?)),
        None => Ok(None),
    }
}

impl InvitationStore for SqliteStorage {
    fn create_invitation<'a>(
        &'a self,
        inv: &'a NewInvitation,
        grants: &'a [Grant],
        now: Timestamp,
    ) -> StorageFuture<'a, Invitation> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
                .bind(inv.email.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let user = match existing {
                Some(id) => id,
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO users (email, display_name, password_hash, is_admin, kind, created_at) VALUES (?, ?, NULL, 0, 'external', ?) RETURNING id",
                    )
                    .bind(inv.email.as_str())
                    .bind(&inv.display_name)
                    .bind(now.millis())
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            let nodes: Vec<&str> = inv.nodes.iter().map(NodeId::as_str).collect();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO invitations (kind, token_hash, portfolio_id, user_id, role, org_id, level, hide_feedback, nodes, lang, starts_at, ends_at, created_by, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(inv.kind.as_str())
            .bind(&inv.token_hash.0[..])
            .bind(inv.portfolio.as_str())
            .bind(user)
            .bind(inv.role.as_str())
            .bind(inv.org.map(|o| o.0))
            .bind(inv.level.as_str())
            .bind(i64::from(inv.hide_feedback))
            .bind(serde_json::to_string(&nodes).unwrap_or_else(|_| "[]".into()))
            .bind(&inv.lang)
            .bind(inv.starts_at.millis())
            .bind(inv.ends_at.map(Timestamp::millis))
            .bind(inv.created_by.0)
            .bind(now.millis())
            .fetch_one(&mut *tx)
            .await?;
            let source = match inv.kind {
                InvitationKind::External => GrantSource::Invitation,
                InvitationKind::OneTime => GrantSource::OneTime,
            };
            for template in grants {
                let mut grant = template.clone();
                grant.subject = Subject::user(user.to_string());
                let gid = grant_tx::insert(&mut tx, &inv.portfolio, &grant, source, Some(inv.created_by), now).await?;
                sqlx::query("INSERT INTO invitation_grants (invitation_id, grant_id) VALUES (?, ?)")
                    .bind(id)
                    .bind(gid.0 as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            let stored = one(&mut tx, Key::Id(id))
                .await?
                .ok_or_else(|| StorageError::Corrupt("invitation vanished".into()))?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    fn invitation(&self, id: i64) -> StorageFuture<'_, Option<Invitation>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            one(&mut conn, Key::Id(id)).await
        })
    }

    fn invitation_by_hash<'a>(&'a self, hash: &'a TokenHash) -> StorageFuture<'a, Option<Invitation>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            one(&mut conn, Key::Hash(hash)).await
        })
    }

    fn portfolio_invitations<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<Invitation>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM invitations WHERE portfolio_id = ? ORDER BY id DESC"
            ))
            .bind(portfolio.as_str())
            .fetch_all(&mut *conn)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(row_to_invitation(&mut conn, row).await?);
            }
            Ok(out)
        })
    }

    fn update_invitation<'a>(
        &'a self,
        id: i64,
        ends_at: Option<Timestamp>,
        level: Level,
        hide_feedback: bool,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query("UPDATE invitations SET ends_at = ?, level = ?, hide_feedback = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(ends_at.map(Timestamp::millis))
                .bind(level.as_str())
                .bind(i64::from(hide_feedback))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound { what: "invitation", value: id.to_string() });
            }
            sqlx::query(
                "UPDATE grants SET ends_at = ?, level = ?, hide_feedback = ? WHERE id IN (SELECT grant_id FROM invitation_grants WHERE invitation_id = ?)",
            )
            .bind(ends_at.map(Timestamp::millis))
            .bind(level.as_str())
            .bind(i64::from(hide_feedback))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn revoke_invitation(&self, id: i64, now: Timestamp) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let done = sqlx::query("UPDATE invitations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .bind(now.millis())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            let grants: Vec<i64> = sqlx::query_scalar("SELECT grant_id FROM invitation_grants WHERE invitation_id = ?")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            grant_tx::delete(&mut tx, &grants).await?;
            sqlx::query("DELETE FROM login_codes WHERE invitation_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    fn touch_invitation(&self, id: i64, now: Timestamp) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query("UPDATE invitations SET last_sign_in = ? WHERE id = ?")
                .bind(now.millis())
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn create_login_code<'a>(
        &'a self,
        invitation: i64,
        hash: &'a TokenHash,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            sqlx::query("UPDATE login_codes SET used_at = ? WHERE invitation_id = ? AND used_at IS NULL")
                .bind(now.millis())
                .bind(invitation)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO login_codes (invitation_id, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?)")
                .bind(invitation)
                .bind(&hash.0[..])
                .bind(now.millis())
                .bind(expires_at.millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn latest_login_code(&self, invitation: i64) -> StorageFuture<'_, Option<LoginCode>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT id, invitation_id, code_hash, created_at, expires_at, attempts, used_at FROM login_codes
                 WHERE invitation_id = ? AND used_at IS NULL ORDER BY id DESC LIMIT 1",
            )
            .bind(invitation)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|row| {
                Ok(LoginCode {
                    id: row.try_get("id")?,
                    invitation: row.try_get("invitation_id")?,
                    code_hash: TokenHash(hash32(row.try_get::<&[u8], _>("code_hash")?)?),
                    created_at: Timestamp(row.try_get("created_at")?),
                    expires_at: Timestamp(row.try_get("expires_at")?),
                    attempts: row.try_get::<i64, _>("attempts")? as u32,
                    used_at: row.try_get::<Option<i64>, _>("used_at")?.map(Timestamp),
                })
            })
            .transpose()
        })
    }

    fn bump_login_code(&self, id: i64) -> StorageFuture<'_, u32> {
        Box::pin(async move {
            let n: i64 = sqlx::query_scalar("UPDATE login_codes SET attempts = attempts + 1 WHERE id = ? RETURNING attempts")
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
            Ok(n as u32)
        })
    }

    fn use_login_code(&self, id: i64, now: Timestamp) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE login_codes SET used_at = ? WHERE id = ? AND used_at IS NULL")
                .bind(now.millis())
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
