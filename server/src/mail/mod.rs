//! Outgoing mail: an outbox in the database, delivered over SMTP when configured.
//!
//! Every mail is first written to the `outbox` table ([`crate::storage::OutboxStore`]),
//! so nothing is lost if the mail server is down or Folio restarts, and an
//! administrator can always see what was sent (`folio admin mail list`,
//! `GET /api/admin/outbox`).
//!
//! * With `--smtp-url` ([`smtp`]): a background task, woken by every
//!   [`Mailer::send`], delivers pending mail with lettre (`smtp://` plain or
//!   STARTTLS-if-offered, `smtps://` implicit TLS via rustls) and marks each
//!   sent, or records the error and retries a minute later. Delivery order is
//!   the outbox order.
//! * Without it (the embedded default): mail stays in the outbox and one log
//!   line per mail names its recipient, subject and outbox id. The body is not
//!   logged (it may hold a one-time code); it is in the outbox.
//!
//! Templates for invitations, one-time codes, access requests and revocations,
//! in English and Dutch, are in [`templates`].

pub mod smtp;
pub mod templates;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::ServeConfig;
use crate::storage::{Email, MailId, NewMail, Storage, StorageError};

pub use templates::{Lang, Rendered};

/// Why mail could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `--smtp-url` is not usable (the URL itself is not repeated: it may hold a password).
    #[error("the SMTP URL is not usable: {0}; expected `smtp://user:password@host:port` or `smtps://…`")]
    SmtpUrl(String),
    /// `--mail-from` is not a mailbox.
    #[error("`{0}` is not a sender address; expected `Name <folio@example.org>` or `folio@example.org`")]
    From(String),
}

/// Queues mail and, with SMTP, delivers it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Mailer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    smtp: Option<smtp::SmtpSender>,
    wake: Arc<Notify>,
    worker: OnceLock<()>,
}

impl Mailer {
    /// A mailer for this configuration.
    pub fn new(
        config: &ServeConfig,
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, MailError> {
        let smtp = match &config.smtp_url {
            Some(url) => Some(smtp::SmtpSender::new(url.expose(), &config.mail_from)?),
            None => None,
        };
        Ok(Mailer {
            inner: Arc::new(Inner {
                storage,
                clock,
                smtp,
                wake: Arc::new(Notify::new()),
                worker: OnceLock::new(),
            }),
        })
    }

    /// Whether mail leaves the server (SMTP is configured).
    pub fn delivers(&self) -> bool {
        self.inner.smtp.is_some()
    }

    /// Queues a rendered template for `to`, and wakes delivery.
    pub async fn send(&self, to: &Email, rendered: Rendered) -> Result<MailId, StorageError> {
        let mail = Mailer::compose(to, rendered);
        let id = self
            .inner
            .storage
            .enqueue_mail(&mail, self.inner.clock.now())
            .await?;
        self.queued(id, &mail);
        Ok(id)
    }

    /// The outbox row of a rendered template for `to`, for callers that queue
    /// it inside their own transaction (then call [`Mailer::queued`]).
    pub fn compose(to: &Email, rendered: Rendered) -> NewMail {
        NewMail { to: to.clone(), subject: rendered.subject, body_text: rendered.body, body_html: None }
    }

    /// Tells the mailer that `mail` was committed to the outbox as `id`: logs
    /// it (no SMTP) or wakes delivery.
    pub fn queued(&self, id: MailId, mail: &NewMail) {
        match &self.inner.smtp {
            None => tracing::info!(mail = %id, to = %mail.to, subject = %mail.subject,
                "mail queued in the outbox (no SMTP configured; see `folio admin mail list`)"),
            Some(_) => {
                self.start_worker();
                self.inner.wake.notify_one();
            }
        }
    }

    fn start_worker(&self) {
        let mut started = false;
        self.inner.worker.get_or_init(|| started = true);
        if !started {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let wake = self.inner.wake.clone();
        tokio::spawn(async move {
            loop {
                let notified = wake.notified();
                let Some(inner) = weak.upgrade() else { return };
                let failed = deliver_pending(&inner).await;
                drop(inner);
                let retry = if failed { Duration::from_secs(60) } else { Duration::from_secs(3600) };
                // Hold only a weak reference while idle, so the state can be dropped.
                let _ = tokio::time::timeout(retry, notified).await;
            }
        });
    }

    /// Delivers every pending mail now (with SMTP). Returns whether any failed.
    pub async fn deliver_now(&self) -> bool {
        deliver_pending(&self.inner).await
    }
}

async fn deliver_pending(inner: &Inner) -> bool {
    let Some(smtp) = &inner.smtp else { return false };
    let pending = match inner.storage.pending_mail(100).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return true;
        }
    };
    let mut failed = false;
    for mail in pending {
        match smtp.send(&mail.mail).await {
            Ok(()) => {
                if let Err(e) = inner.storage.mark_mail_sent(mail.id, inner.clock.now()).await {
                    tracing::error!(mail = %mail.id, error = %e, "mail sent but not marked");
                }
                tracing::info!(mail = %mail.id, to = %mail.mail.to, "mail delivered");
            }
            Err(e) => {
                failed = true;
                tracing::warn!(mail = %mail.id, error = %e, "mail delivery failed; will retry");
                let _ = inner.storage.mark_mail_failed(mail.id, &e.to_string()).await;
            }
        }
    }
    failed
}
