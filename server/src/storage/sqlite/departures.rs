//! [`DepartureStore`] on SQLite: leaving a portfolio in one transaction.

use folio_core::time::Timestamp;

use super::SqliteStorage;
use crate::storage::{Departure, DepartureStore, MailId, NewMail, StorageFuture};

impl DepartureStore for SqliteStorage {
    fn leave_portfolio<'a>(&'a self, d: &'a Departure, notice: &'a NewMail, now: Timestamp) -> StorageFuture<'a, MailId> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            for id in &d.invitations {
                let done = sqlx::query("UPDATE invitations SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
                    .bind(now.millis())
                    .bind(id)
                    .bind(d.user.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 1 {
                    let grants: Vec<i64> = sqlx::query_scalar("SELECT grant_id FROM invitation_grants WHERE invitation_id = ?")
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    super::grant_tx::delete(&mut tx, &grants).await?;
                    sqlx::query("DELETE FROM login_codes WHERE invitation_id = ?").bind(id).execute(&mut *tx).await?;
                }
            }
            let grants: Vec<i64> = d.grants.iter().map(|g| g.0 as i64).collect();
            super::grant_tx::delete(&mut tx, &grants).await?;
            for role in &d.roles {
                sqlx::query("DELETE FROM portfolio_roles WHERE portfolio_id = ? AND user_id = ? AND role = ?")
                    .bind(d.portfolio.as_str())
                    .bind(d.user.0)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            if d.link_roles {
                sqlx::query("DELETE FROM link_roles WHERE portfolio_id = ? AND user_id = ?")
                    .bind(d.portfolio.as_str())
                    .bind(d.user.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let mail = super::outbox::enqueue(&mut tx, notice, now).await?;
            tx.commit().await?;
            Ok(mail)
        })
    }
}

#[cfg(test)]
mod tests {
    use folio_core::access::{Grant, Level, Subject};

    use super::*;
    use crate::storage::{
        DocumentId, Email, GrantSource, GrantStore, NewUser, OutboxStore, Portfolio, PortfolioRole, PortfolioStore, RoleName, UserKind, UserStore,
    };

    async fn user(s: &SqliteStorage, email: &str) -> crate::storage::User {
        let new = NewUser { email: Email::parse(email).unwrap(), display_name: email.into(), password_hash: None, is_admin: false, kind: UserKind::Member };
        s.create_user(&new, Timestamp(0)).await.unwrap()
    }

    #[tokio::test]
    async fn a_departure_whose_notice_cannot_be_queued_changes_nothing() {
        let s = SqliteStorage::in_memory().await.unwrap();
        let olga = user(&s, "olga@uni.nl").await;
        let piet = user(&s, "piet@uni.nl").await;
        let p = DocumentId::parse("p1").unwrap();
        s.create_portfolio(&Portfolio { id: p.clone(), owner: olga.id, title: "P".into(), created_at: Timestamp(0) }).await.unwrap();
        let g = s.insert_grant(&p, &Grant::new(0, "p1", Subject::user(piet.id.0.to_string()), Level::Read), GrantSource::Direct, None, Timestamp(0)).await.unwrap();
        let role = PortfolioRole { portfolio: p.clone(), user: piet.id, role: RoleName::parse("peer").unwrap() };
        s.add_portfolio_role(&role, Timestamp(0)).await.unwrap();
        let departure = Departure { portfolio: p.clone(), user: piet.id, grants: vec![g], roles: vec![role.role.clone()], link_roles: false, invitations: vec![] };
        let notice = NewMail { to: olga.email.clone(), subject: "left".into(), body_text: "piet left".into(), body_html: None };
        // The outbox refuses the notice (as a full disk would): everything stays.
        sqlx::query("CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END").execute(&s.pool).await.unwrap();
        assert!(s.leave_portfolio(&departure, &notice, Timestamp(1)).await.is_err());
        assert_eq!(s.portfolio_grants(&p).await.unwrap().len(), 1);
        assert_eq!(s.portfolio_roles(&p).await.unwrap(), vec![role.clone()]);
        // Once mail can be queued, it all goes together.
        sqlx::query("DROP TRIGGER refuse").execute(&s.pool).await.unwrap();
        s.leave_portfolio(&departure, &notice, Timestamp(2)).await.unwrap();
        assert!(s.portfolio_grants(&p).await.unwrap().is_empty());
        assert!(s.portfolio_roles(&p).await.unwrap().is_empty());
        assert_eq!(s.list_mail(10).await.unwrap()[0].mail.body_text, "piet left");
    }
}
