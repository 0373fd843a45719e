//! `folio admin mail …`: what the server sent, or would have sent without SMTP.

use std::io::Write;

use clap::Subcommand;

use super::AdminError;
use crate::sharing::context::format_instant;
use crate::storage::{OutboxStore, SqliteStorage};

/// Mail commands.
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// List the outbox, newest first, with each mail's body.
    List {
        /// How many mails.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Leave the bodies out.
        #[arg(long)]
        no_body: bool,
    },
}

/// Runs a mail command.
pub async fn run(
    cmd: MailCommand,
    storage: &SqliteStorage,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    match cmd {
        MailCommand::List { limit, no_body } => {
            let mails = storage.list_mail(limit).await?;
            if mails.is_empty() {
                writeln!(out, "the outbox is empty")?;
            }
            for m in mails {
                let status = match (m.sent_at, &m.last_error) {
                    (Some(at), _) => format!("sent {}", format_instant(at)),
                    (None, Some(e)) => format!("pending after {} attempt(s): {e}", m.attempts),
                    (None, None) => "pending".to_owned(),
                };
                writeln!(
                    out,
                    "#{} {} to {} — {}",
                    m.id,
                    format_instant(m.created_at),
                    m.mail.to,
                    status
                )?;
                writeln!(out, "  subject: {}", m.mail.subject)?;
                if !no_body {
                    for line in m.mail.body_text.lines() {
                        writeln!(out, "  | {line}")?;
                    }
                }
            }
            Ok(())
        }
    }
}
