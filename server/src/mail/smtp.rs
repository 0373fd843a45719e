//! SMTP delivery with lettre (tokio, rustls).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::MailError;
use crate::storage::NewMail;

/// Why one delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message could not be built (bad address).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The SMTP conversation failed.
    #[error("the SMTP server refused or failed: {0}")]
    Smtp(String),
}

/// A configured SMTP transport and sender address.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds credentials: print only the sender.
        f.debug_struct("SmtpSender").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// From `smtp://[user:password@]host[:port]` (or `smtps://`) and a sender mailbox.
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::SmtpUrl(e.to_string().replace(url, "[url]")))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = from.parse().map_err(|_| MailError::From(from.to_owned()))?;
        Ok(SmtpSender { transport, from })
    }

    /// Sends one mail.
    pub async fn send(&self, mail: &NewMail) -> Result<(), SendError> {
        let to: Mailbox = mail
            .to
            .as_str()
            .parse()
            .map_err(|e: lettre::address::AddressError| SendError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body_text.clone())
            .map_err(|e| SendError::Build(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError::Smtp(e.to_string()))
    }
}
