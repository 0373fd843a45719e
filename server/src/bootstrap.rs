//! The first administrator.
//!
//! When `folio serve` starts on a new, empty database it creates
//! `admin@folio.local` with a random password, and the caller prints
//! `first sign-in: admin@folio.local / <password>` once. The same line goes to
//! `<data-dir>/first-login.txt` (mode 0600) for people who missed the output.
//! The database remembers that this happened, so it never happens again, not
//! even if every user is later deleted. A database whose users were created with
//! `folio admin` before the first start gets no extra administrator.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::auth::password;
use crate::clock::Clock;
use crate::secret::Secret;
use crate::storage::{Email, NewUser, Storage, StorageError, UserKind};

/// The first administrator's address.
pub const FIRST_ADMIN_EMAIL: &str = "admin@folio.local";
/// The file the first credentials are written to, in the data directory.
pub const FIRST_LOGIN_FILE: &str = "first-login.txt";

/// The credentials of a just-created first administrator.
#[derive(Debug)]
pub struct FirstLogin {
    /// `admin@folio.local`.
    pub email: String,
    /// The generated password.
    pub password: Secret<String>,
    /// Where they were written.
    pub file: PathBuf,
}

impl FirstLogin {
    /// The line to print: `first sign-in: admin@folio.local / <password>`.
    pub fn line(&self) -> String {
        format!("first sign-in: {} / {}", self.email, self.password.expose())
    }
}

/// Why the first administrator could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    /// The credentials file could not be written. The account exists; set its password with the admin CLI.
    #[error(
        "cannot write `{path}`: {source}; the administrator exists, set its password with \
         `folio admin user reset-password --email {FIRST_ADMIN_EMAIL}`"
    )]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Creates the first administrator if this database never had one and has no users.
pub async fn ensure_first_admin(
    storage: &dyn Storage,
    clock: &dyn Clock,
    data_dir: &Path,
) -> Result<Option<FirstLogin>, BootstrapError> {
    let password = password::generate();
    let for_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(for_hash.expose()))
        .await
        .map_err(|e| password::PasswordError::Hash(e.to_string()))??;
    let user = NewUser {
        email: Email::parse(FIRST_ADMIN_EMAIL).map_err(StorageError::from)?,
        display_name: "Administrator".into(),
        password_hash: Some(hash),
        is_admin: true,
        kind: UserKind::Member,
    };
    let Some(created) = storage.create_first_admin(&user, clock.now()).await? else {
        return Ok(None);
    };
    let login = FirstLogin {
        email: created.email.to_string(),
        password,
        file: data_dir.join(FIRST_LOGIN_FILE),
    };
    write_private(&login.file, &format!("{}\n", login.line())).map_err(|source| {
        BootstrapError::File {
            path: login.file.clone(),
            source,
        }
    })?;
    Ok(Some(login))
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // `mode` only applies to new files; tighten an existing one too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::storage::{SqliteStorage, UserStore};

    #[tokio::test]
    async fn a_new_database_gets_one_admin_whose_password_is_written_privately() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::in_memory().await.unwrap();
        let login = ensure_first_admin(&storage, &SystemClock, dir.path())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(login.email, FIRST_ADMIN_EMAIL);
        let text = std::fs::read_to_string(dir.path().join(FIRST_LOGIN_FILE)).unwrap();
        assert_eq!(
            text,
            format!(
                "first sign-in: admin@folio.local / {}\n",
                login.password.expose()
            )
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FIRST_LOGIN_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let admin = storage
            .user_by_email(&Email::parse(FIRST_ADMIN_EMAIL).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(admin.is_admin);
        assert!(password::verify(
            login.password.expose(),
            admin.password_hash.as_ref().map(|h| h.expose().as_str())
        ));

        std::fs::remove_file(dir.path().join(FIRST_LOGIN_FILE)).unwrap();
        assert!(
            ensure_first_admin(&storage, &SystemClock, dir.path())
                .await
                .unwrap()
                .is_none()
        );
        assert!(!dir.path().join(FIRST_LOGIN_FILE).exists());
    }
}
