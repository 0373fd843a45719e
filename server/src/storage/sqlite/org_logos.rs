//! [`OrgLogoStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;

use super::SqliteStorage;
use crate::storage::{ContentHash, ContentType, OrgId, OrgLogo, OrgLogoStore, Organisation, StorageError, StorageFuture};

impl OrgLogoStore for SqliteStorage {
    fn org_by_id(&self, org: OrgId) -> StorageFuture<'_, Option<Organisation>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT id, name, created_at FROM organisations WHERE id = ?")
                .bind(org.0)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| -> Result<Organisation, StorageError> {
                Ok(Organisation { id: OrgId(r.try_get("id")?), name: r.try_get("name")?, created_at: Timestamp(r.try_get("created_at")?) })
            })
            .transpose()
        })
    }

    fn set_org_logo<'a>(&'a self, logo: &'a OrgLogo) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO org_logos (org_id, blob_hash, content_type, updated_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (org_id) DO UPDATE SET blob_hash = excluded.blob_hash, content_type = excluded.content_type, updated_at = excluded.updated_at",
            )
            .bind(logo.org.0)
            .bind(logo.hash.as_str())
            .bind(logo.content_type.as_str())
            .bind(logo.updated_at.millis())
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StorageError::NotFound { what: "organisation", value: logo.org.to_string() }
                }
                _ => StorageError::Database(e),
            })?;
            Ok(())
        })
    }

    fn org_logo(&self, org: OrgId) -> StorageFuture<'_, Option<OrgLogo>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT org_id, blob_hash, content_type, updated_at FROM org_logos WHERE org_id = ?")
                .bind(org.0)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| -> Result<OrgLogo, StorageError> {
                Ok(OrgLogo {
                    org: OrgId(r.try_get("org_id")?),
                    hash: ContentHash::parse(r.try_get::<&str, _>("blob_hash")?)?,
                    content_type: ContentType::parse(r.try_get::<&str, _>("content_type")?)?,
                    updated_at: Timestamp(r.try_get("updated_at")?),
                })
            })
            .transpose()
        })
    }

    fn remove_org_logo(&self, org: OrgId) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM org_logos WHERE org_id = ?").bind(org.0).execute(&self.pool).await?;
            Ok(done.rows_affected() > 0)
        })
    }
}
