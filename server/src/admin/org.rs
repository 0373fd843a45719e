//! `folio admin org …`

use std::io::Write;

use clap::Subcommand;

use super::AdminError;
use crate::clock::Clock;
use crate::storage::{
    Email, Membership, OrgStore, RoleName, SqliteStorage, UserStore, checked_text,
};

/// Organisation commands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation.
    Create {
        /// Its name (unique, case-insensitively).
        #[arg(long)]
        name: String,
    },
    /// Give a user a role in an organisation (a user may hold several).
    AddMember {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// The role, e.g. `student`, `teacher`, `supervisor`.
        #[arg(long)]
        role: String,
    },
    /// List organisations and their members.
    List,
}

/// Runs an organisation command.
pub async fn run(
    cmd: OrgCommand,
    storage: &SqliteStorage,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    match cmd {
        OrgCommand::Create { name } => {
            let name = checked_text("the organisation name", &name, 200)?;
            let org = storage.create_org(&name, clock.now()).await?;
            writeln!(out, "created organisation {} `{}`", org.id, org.name)?;
        }
        OrgCommand::AddMember { org, email, role } => {
            let role = RoleName::parse(&role)?;
            let email = Email::parse(&email)?;
            let org = storage
                .org_by_name(org.trim())
                .await?
                .ok_or_else(|| AdminError::UnknownOrg(org.clone()))?;
            let user = storage
                .user_by_email(&email)
                .await?
                .ok_or_else(|| AdminError::UnknownUser(email.to_string()))?;
            let added = storage
                .add_membership(
                    &Membership {
                        org: org.id,
                        user: user.id,
                        role: role.clone(),
                    },
                    clock.now(),
                )
                .await?;
            let what = if added { "is now" } else { "already was" };
            writeln!(out, "{} {what} {role} in `{}`", user.email, org.name)?;
        }
        OrgCommand::List => {
            for org in storage.list_orgs().await? {
                writeln!(out, "{}", org.name)?;
                for m in storage.org_members(org.id).await? {
                    let email = storage
                        .user(m.user)
                        .await?
                        .map(|u| u.email.to_string())
                        .unwrap_or_else(|| m.user.to_string());
                    writeln!(out, "  {email}  {}", m.role)?;
                }
            }
        }
    }
    Ok(())
}
