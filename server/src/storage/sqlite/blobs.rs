//! [`BlobMetaStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStorage;
use crate::storage::{
    BlobMeta, BlobMetaStore, ContentHash, ContentType, StorageError, StorageFuture,
};

fn row_to_meta(row: &SqliteRow) -> Result<BlobMeta, StorageError> {
    let size: i64 = row.try_get("size")?;
    Ok(BlobMeta {
        hash: ContentHash::parse(row.try_get::<&str, _>("hash")?)?,
        size: u64::try_from(size)
            .map_err(|_| StorageError::Corrupt(format!("blob size {size}")))?,
        content_type: ContentType::parse(row.try_get::<&str, _>("content_type")?)?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

impl BlobMetaStore for SqliteStorage {
    fn put_blob_meta<'a>(&'a self, meta: &'a BlobMeta) -> StorageFuture<'a, BlobMeta> {
        Box::pin(async move {
            let size = i64::try_from(meta.size)
                .map_err(|_| StorageError::Corrupt(format!("blob size {}", meta.size)))?;
            sqlx::query("INSERT OR IGNORE INTO blobs (hash, size, content_type, created_at) VALUES (?, ?, ?, ?)")
                .bind(meta.hash.as_str())
                .bind(size)
                .bind(meta.content_type.as_str())
                .bind(meta.created_at.millis())
                .execute(&self.pool)
                .await?;
            let row = sqlx::query(
                "SELECT hash, size, content_type, created_at FROM blobs WHERE hash = ?",
            )
            .bind(meta.hash.as_str())
            .fetch_one(&self.pool)
            .await?;
            row_to_meta(&row)
        })
    }

    fn blob_meta<'a>(&'a self, hash: &'a ContentHash) -> StorageFuture<'a, Option<BlobMeta>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT hash, size, content_type, created_at FROM blobs WHERE hash = ?",
            )
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(row_to_meta).transpose()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_record_of_a_blob_wins() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let meta = BlobMeta {
            hash: ContentHash::parse(&"0".repeat(64)).unwrap(),
            size: 3,
            content_type: ContentType::parse("image/png").unwrap(),
            created_at: Timestamp(1),
        };
        assert_eq!(s.put_blob_meta(&meta).await.unwrap(), meta);
        let again = BlobMeta {
            content_type: ContentType::parse("text/plain").unwrap(),
            created_at: Timestamp(2),
            ..meta.clone()
        };
        assert_eq!(s.put_blob_meta(&again).await.unwrap(), meta);
        assert_eq!(s.blob_meta(&meta.hash).await.unwrap(), Some(meta));
        assert_eq!(
            s.blob_meta(&ContentHash::parse(&"1".repeat(64)).unwrap())
                .await
                .unwrap(),
            None
        );
    }
}
