//! `folio admin org …`

use std::io::Write;

use clap::Subcommand;

use std::sync::Arc;

use super::AdminError;
use crate::blobs::BlobStore;
use crate::logo;
use crate::clock::Clock;
use crate::storage::{
    Email, Membership, OrgStore, RoleName, SqliteStorage, Storage, UserStore, checked_text,
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
    /// Set (or replace) an organisation's logo, shown with its members'
    /// feedback: a PNG, JPEG, GIF or WebP file of at most 256 KiB.
    SetLogo {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The image file.
        #[arg(long)]
        file: std::path::PathBuf,
    },
}

/// Runs an organisation command.
pub async fn run(
    cmd: OrgCommand,
    storage: &SqliteStorage,
    data_dir: &std::path::Path,
    clock: &dyn Clock,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    match cmd {
        OrgCommand::SetLogo { org, file } => {
            let org = storage
                .org_by_name(org.trim())
                .await?
                .ok_or_else(|| AdminError::UnknownOrg(org.clone()))?;
            let bytes = std::fs::read(&file)?;
            if bytes.len() > logo::MAX_BYTES {
                return Err(AdminError::Logo(format!(
                    "`{}` is {} KiB; a logo may be at most {} KiB",
                    file.display(),
                    bytes.len() / 1024,
                    logo::MAX_BYTES / 1024
                )));
            }
            let kind = logo::sniff(&bytes).ok_or_else(|| {
                AdminError::Logo(format!("`{}` is not a PNG, JPEG, GIF or WebP image", file.display()))
            })?;
            let shared: Arc<dyn Storage> = Arc::new(storage.clone());
            let blobs = BlobStore::new(data_dir, logo::MAX_BYTES as u64, shared.clone());
            let size = logo::store(shared.as_ref(), &blobs, org.id, &bytes, kind, clock.now())
                .await
                .map_err(|e| AdminError::Logo(e.to_string()))?;
            writeln!(out, "set the logo of `{}` ({kind}, {size} bytes)", org.name)?;
        }
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
