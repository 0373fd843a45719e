//! `folio admin user …`

use std::io::Write;

use clap::Subcommand;

use super::{AdminError, hash_password};
use crate::auth::password;
use crate::clock::Clock;
use crate::secret::Secret;
use crate::storage::{
    Email, NewUser, SessionStore, SqliteStorage, UserKind, UserStore, checked_text,
};

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints the password when it is generated.
    Create {
        /// Email address (unique).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// `member`, `external` or `service`.
        #[arg(long, default_value = "member", value_parser = parse_kind)]
        kind: UserKind,
        /// The password (at least 10 characters); generated when left out.
        #[arg(long, env = "FOLIO_NEW_PASSWORD", hide_env_values = true)]
        password: Option<Secret<String>>,
    },
    /// Set a new password and end the user's sessions; prints the password when it is generated.
    ResetPassword {
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// The new password; generated when left out.
        #[arg(long, env = "FOLIO_NEW_PASSWORD", hide_env_values = true)]
        password: Option<Secret<String>>,
    },
    /// List every user.
    List,
}

fn parse_kind(raw: &str) -> Result<UserKind, String> {
    UserKind::parse(raw).map_err(|e| e.to_string())
}

/// Runs a user command.
pub async fn run(
    cmd: UserCommand,
    storage: &SqliteStorage,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    match cmd {
        UserCommand::Create {
            email,
            name,
            admin,
            kind,
            password,
        } => {
            let email = Email::parse(&email)?;
            let display_name = checked_text("the display name", &name, 100)?;
            let (password, generated) = chosen_or_generated(password)?;
            let user = NewUser {
                email,
                display_name,
                password_hash: Some(hash_password(password.clone()).await?),
                is_admin: admin,
                kind,
            };
            let user = storage.create_user(&user, clock.now()).await?;
            writeln!(
                out,
                "created user {} <{}>{}",
                user.id,
                user.email,
                if user.is_admin {
                    " (administrator)"
                } else {
                    ""
                }
            )?;
            if generated {
                writeln!(out, "password: {}", password.expose())?;
            }
        }
        UserCommand::ResetPassword { email, password } => {
            let email = Email::parse(&email)?;
            let user = storage
                .user_by_email(&email)
                .await?
                .ok_or_else(|| AdminError::UnknownUser(email.to_string()))?;
            let (password, generated) = chosen_or_generated(password)?;
            storage
                .set_password_hash(user.id, Some(&hash_password(password.clone()).await?))
                .await?;
            let ended = storage.delete_user_sessions(user.id).await?;
            writeln!(
                out,
                "password of {} reset; {ended} session(s) ended",
                user.email
            )?;
            if generated {
                writeln!(out, "password: {}", password.expose())?;
            }
        }
        UserCommand::List => {
            let users = storage.list_users().await?;
            writeln!(
                out,
                "{:>5}  {:<32}  {:<8}  {:<5}  name",
                "id", "email", "kind", "admin"
            )?;
            for u in users {
                let admin = if u.is_admin { "yes" } else { "no" };
                writeln!(
                    out,
                    "{:>5}  {:<32}  {:<8}  {:<5}  {}",
                    u.id,
                    u.email,
                    u.kind.as_str(),
                    admin,
                    u.display_name
                )?;
            }
        }
    }
    Ok(())
}

/// The given password (checked) or a generated one, and whether it was generated.
fn chosen_or_generated(
    given: Option<Secret<String>>,
) -> Result<(Secret<String>, bool), AdminError> {
    match given {
        Some(p) => {
            password::check_new(p.expose())?;
            Ok((p, false))
        }
        None => Ok((password::generate(), true)),
    }
}
