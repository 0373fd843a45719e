//! [`OutboxStore`] on SQLite.

use folio_core::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStorage;
use crate::storage::{
    Email, MailId, NewMail, OutboxMail, OutboxStore, StorageError, StorageFuture,
};

const COLUMNS: &str =
    "id, to_address, subject, body_text, body_html, created_at, sent_at, attempts, last_error";

fn row_to_mail(row: &SqliteRow) -> Result<OutboxMail, StorageError> {
    Ok(OutboxMail {
        id: MailId(row.try_get("id")?),
        mail: NewMail {
            to: Email::parse(row.try_get::<&str, _>("to_address")?)?,
            subject: row.try_get("subject")?,
            body_text: row.try_get("body_text")?,
            body_html: row.try_get("body_html")?,
        },
        created_at: Timestamp(row.try_get("created_at")?),
        sent_at: row.try_get::<Option<i64>, _>("sent_at")?.map(Timestamp),
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
    })
}

/// Queues a mail on `conn`, so another topic's transaction can include it.
pub(super) async fn enqueue(conn: &mut sqlx::SqliteConnection, mail: &NewMail, now: Timestamp) -> Result<MailId, StorageError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (to_address, subject, body_text, body_html, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(mail.to.as_str())
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(mail.body_html.as_deref())
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    Ok(MailId(id))
}

impl OutboxStore for SqliteStorage {
    fn enqueue_mail<'a>(&'a self, mail: &'a NewMail, now: Timestamp) -> StorageFuture<'a, MailId> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            enqueue(&mut conn, mail, now).await
        })
    }

    fn list_mail(&self, limit: u32) -> StorageFuture<'_, Vec<OutboxMail>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?"
            ))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_to_mail).collect()
        })
    }

    fn pending_mail(&self, limit: u32) -> StorageFuture<'_, Vec<OutboxMail>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?"
            ))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_to_mail).collect()
        })
    }

    fn mark_mail_sent(&self, id: MailId, now: Timestamp) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?")
                .bind(now.millis())
                .bind(id.0)
                .execute(&self.pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound {
                    what: "mail",
                    value: id.to_string(),
                });
            }
            Ok(())
        })
    }

    fn mark_mail_failed<'a>(&'a self, id: MailId, error: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            )
            .bind(error)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::NotFound {
                    what: "mail",
                    value: id.to_string(),
                });
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queued_mail_stays_pending_until_sent_and_failures_are_counted() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let mail = NewMail {
            to: Email::parse("ext@company.nl").unwrap(),
            subject: "You are invited".into(),
            body_text: "Open the link".into(),
            body_html: None,
        };
        let a = s.enqueue_mail(&mail, Timestamp(1)).await.unwrap();
        let b = s.enqueue_mail(&mail, Timestamp(2)).await.unwrap();
        s.mark_mail_failed(a, "connection refused").await.unwrap();
        let pending = s.pending_mail(10).await.unwrap();
        assert_eq!(pending.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(pending[0].attempts, 1);
        assert_eq!(pending[0].last_error.as_deref(), Some("connection refused"));
        s.mark_mail_sent(a, Timestamp(3)).await.unwrap();
        assert_eq!(s.pending_mail(10).await.unwrap().len(), 1);
        let all = s.list_mail(10).await.unwrap();
        assert_eq!(all[0].id, b);
        assert_eq!(all[1].sent_at, Some(Timestamp(3)));
        assert!(matches!(
            s.mark_mail_sent(MailId(99), Timestamp(0)).await,
            Err(StorageError::NotFound { .. })
        ));
    }
}
