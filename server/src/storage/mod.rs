//! Persistence behind a small trait.
//!
//! The server talks to storage only through [`Storage`], a set of topic traits
//! ([`UserStore`], [`OrgStore`], [`PortfolioStore`], [`SessionStore`],
//! [`DocumentStore`], [`AuditStore`], [`BlobMetaStore`], [`OutboxStore`]) joined
//! into one. Each topic is implemented in its own file of a backend.
//!
//! ## Object safety
//!
//! The traits are *object-safe*: methods return a boxed future
//! ([`StorageFuture`]) instead of being `async fn`, so the application state holds
//! an `Arc<dyn Storage>` and handlers, actors and tests never become generic over
//! the backend. The cost is one allocation per call, which is noise next to a
//! database round trip.
//!
//! ## Backends
//!
//! [`SqliteStorage`] is the embedded default: one file, `folio.db`, in the data
//! directory, WAL journal, foreign keys on, `synchronous=FULL` (an acknowledged
//! write survives a power cut), a busy timeout, and embedded migrations from
//! `server/migrations/`. [`SqliteStorage::in_memory`] gives each test a private
//! database. A PostgreSQL backend implements the same traits when Folio grows
//! beyond one machine.
//!
//! ## Grants, tree and document registry
//!
//! [`GrantStore`] (authoritative grants with their source) and [`TreeStore`]
//! (node skeleton, document registry, attachments per node, a user's roles)
//! live in `policy.rs`, with migration `0002_grants_nodes_documents.sql`; the
//! cache over them is [`crate::policy::PolicyHub`].

mod org_logos;
mod policy;
mod records;
mod sharing;
mod sqlite;
mod values;

use folio_core::time::Timestamp;
use futures::future::BoxFuture;

pub use org_logos::*;
pub use policy::*;
pub use records::*;
pub use sharing::*;
pub use sqlite::SqliteStorage;
pub use values::*;

/// The future every storage method returns.
pub type StorageFuture<'a, T> = BoxFuture<'a, Result<T, StorageError>>;

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique value is taken.
    #[error("{what} `{value}` already exists")]
    Conflict {
        /// What kind of value (`user`, `organisation`, …).
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A row the operation needs is missing.
    #[error("{what} `{value}` does not exist")]
    NotFound {
        /// What kind of row.
        what: &'static str,
        /// The key looked for.
        value: String,
    },
    /// A stored value breaks the schema's rules (hand-edited database?).
    #[error("stored data is invalid: {0}; the database may have been edited by hand")]
    Corrupt(String),
    /// The database file could not be opened or created.
    #[error(
        "cannot open the database `{path}`: {source}; check that the data directory exists and is writable"
    )]
    Open {
        /// The file.
        path: String,
        /// The cause.
        source: sqlx::Error,
    },
    /// The embedded migrations could not be applied.
    #[error("cannot migrate the database: {0}; is it from a newer Folio?")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<ValueError> for StorageError {
    fn from(e: ValueError) -> Self {
        StorageError::Corrupt(e.to_string())
    }
}

/// Everything the server stores. See the module docs.
pub trait Storage:
    UserStore
    + OrgStore
    + OrgLogoStore
    + PortfolioStore
    + SessionStore
    + DocumentStore
    + AuditStore
    + BlobMetaStore
    + OutboxStore
    + GrantStore
    + TreeStore
    + LinkStore
    + InvitationStore
    + AccessRequestStore
    + AccountStore
    + ApiTokenStore
    + DepartureStore
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// Checks that the database answers (for `/health`).
    fn ping(&self) -> StorageFuture<'_, ()>;
}

/// User accounts.
pub trait UserStore {
    /// Creates a user. [`StorageError::Conflict`] if the email is taken.
    fn create_user<'a>(&'a self, user: &'a NewUser, now: Timestamp) -> StorageFuture<'a, User>;
    /// Creates `user` only if this database never had a first administrator and has
    /// no users; remembers that it did, so it happens at most once in the
    /// database's life. `None` when nothing was created.
    fn create_first_admin<'a>(
        &'a self,
        user: &'a NewUser,
        now: Timestamp,
    ) -> StorageFuture<'a, Option<User>>;
    /// A user by id.
    fn user(&self, id: UserId) -> StorageFuture<'_, Option<User>>;
    /// A user by (normalised) email.
    fn user_by_email<'a>(&'a self, email: &'a Email) -> StorageFuture<'a, Option<User>>;
    /// All users, by id.
    fn list_users(&self) -> StorageFuture<'_, Vec<User>>;
    /// Replaces a user's password hash. [`StorageError::NotFound`] if there is no such user.
    fn set_password_hash<'a>(
        &'a self,
        id: UserId,
        hash: Option<&'a crate::secret::Secret<String>>,
    ) -> StorageFuture<'a, ()>;
}

/// Organisations and their members.
pub trait OrgStore {
    /// Creates an organisation. [`StorageError::Conflict`] if the name is taken (case-insensitively).
    fn create_org<'a>(&'a self, name: &'a str, now: Timestamp) -> StorageFuture<'a, Organisation>;
    /// An organisation by name (case-insensitive).
    fn org_by_name<'a>(&'a self, name: &'a str) -> StorageFuture<'a, Option<Organisation>>;
    /// All organisations, by name.
    fn list_orgs(&self) -> StorageFuture<'_, Vec<Organisation>>;
    /// Gives a user a role in an organisation; idempotent. `true` if it was new.
    fn add_membership<'a>(
        &'a self,
        membership: &'a Membership,
        now: Timestamp,
    ) -> StorageFuture<'a, bool>;
    /// Takes a role away; `true` if there was one.
    fn remove_membership<'a>(&'a self, membership: &'a Membership) -> StorageFuture<'a, bool>;
    /// Every role of every member of an organisation.
    fn org_members(&self, org: OrgId) -> StorageFuture<'_, Vec<Membership>>;
    /// Every role a user holds in any organisation.
    fn user_memberships(&self, user: UserId) -> StorageFuture<'_, Vec<Membership>>;
}

/// Portfolio registrations and roles in portfolios.
pub trait PortfolioStore {
    /// Registers a portfolio. [`StorageError::Conflict`] if the id is taken.
    fn create_portfolio<'a>(&'a self, portfolio: &'a Portfolio) -> StorageFuture<'a, ()>;
    /// A portfolio by id.
    fn portfolio<'a>(&'a self, id: &'a DocumentId) -> StorageFuture<'a, Option<Portfolio>>;
    /// The portfolios a user owns, oldest first.
    fn portfolios_owned_by(&self, owner: UserId) -> StorageFuture<'_, Vec<Portfolio>>;
    /// Gives a user a role in a portfolio; idempotent. `true` if it was new.
    fn add_portfolio_role<'a>(
        &'a self,
        role: &'a PortfolioRole,
        now: Timestamp,
    ) -> StorageFuture<'a, bool>;
    /// Takes a portfolio role away; `true` if there was one.
    fn remove_portfolio_role<'a>(&'a self, role: &'a PortfolioRole) -> StorageFuture<'a, bool>;
    /// Everyone's roles in a portfolio.
    fn portfolio_roles<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<PortfolioRole>>;
}

/// Sign-in sessions. Tokens are stored only as their hash.
pub trait SessionStore {
    /// Stores a new session.
    fn create_session<'a>(&'a self, session: &'a Session) -> StorageFuture<'a, ()>;
    /// The session with this token hash, if it exists and has not expired at `now`.
    fn session<'a>(
        &'a self,
        token_hash: &'a TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'a, Option<Session>>;
    /// Ends one session; `true` if it existed.
    fn delete_session<'a>(&'a self, token_hash: &'a TokenHash) -> StorageFuture<'a, bool>;
    /// Ends every session of a user (password reset, lock-out); returns how many.
    fn delete_user_sessions(&self, user: UserId) -> StorageFuture<'_, u64>;
    /// Forgets sessions expired at `now`; returns how many.
    fn purge_expired_sessions(&self, now: Timestamp) -> StorageFuture<'_, u64>;
}

/// Automerge documents as incremental changes plus snapshots (automerge-repo's pattern).
///
/// An accepted change is appended (durable when the future resolves) before it is
/// acknowledged or broadcast. From time to time the document's owner saves the
/// whole document and calls [`DocumentStore::compact`], which writes the snapshot
/// and deletes exactly the changes it covers in one transaction, so a crash leaves
/// either the old state or the new one.
///
/// Changes are stored by hash but appended without a uniqueness check: the
/// caller (a document's actor) appends only changes its document did not
/// hold, and a key on a hash — random by nature — made every commit of a
/// busy document write scattered index pages (migration 0011). A change
/// stored twice all the same is loaded once.
pub trait DocumentStore {
    /// Appends changes in one transaction. Returns how many were written.
    fn append_changes<'a>(
        &'a self,
        doc: &'a DocumentId,
        changes: &'a [StoredChange],
        now: Timestamp,
    ) -> StorageFuture<'a, u64>;
    /// Appends changes *and* their audit entries in one transaction (one
    /// fsync), so an accepted change is never durable without its audit row
    /// and vice versa. Returns how many changes were written. Takes the rows by
    /// value: a document actor hands them over on every commit, and the
    /// writer needs them after the caller's borrow would end.
    fn append_changes_audited<'a>(
        &'a self,
        doc: &'a DocumentId,
        changes: Vec<StoredChange>,
        audit: Vec<AuditEntry>,
        now: Timestamp,
    ) -> StorageFuture<'a, u64>;
    /// The snapshot and the changes since, in arrival order, each once
    /// (empty if unknown).
    fn load_document<'a>(&'a self, doc: &'a DocumentId) -> StorageFuture<'a, StoredDocument>;
    /// Replaces the snapshot and deletes the `compacted` changes, atomically.
    fn compact<'a>(
        &'a self,
        doc: &'a DocumentId,
        snapshot: &'a Snapshot,
        compacted: &'a [automerge::ChangeHash],
        now: Timestamp,
    ) -> StorageFuture<'a, ()>;
}

/// The append-only audit log.
pub trait AuditStore {
    /// Appends one entry.
    fn record_audit<'a>(&'a self, entry: &'a AuditEntry) -> StorageFuture<'a, ()>;
    /// The latest `limit` entries about a document, newest first.
    fn audit_for_document<'a>(
        &'a self,
        doc: &'a DocumentId,
        limit: u32,
    ) -> StorageFuture<'a, Vec<AuditEntry>>;
    /// The latest `limit` entries of any kind, newest first.
    fn recent_audit(&self, limit: u32) -> StorageFuture<'_, Vec<AuditEntry>>;
}

/// Metadata of the blob store's files.
pub trait BlobMetaStore {
    /// Records a blob; if the hash is known already, keeps the first record and returns it.
    fn put_blob_meta<'a>(&'a self, meta: &'a BlobMeta) -> StorageFuture<'a, BlobMeta>;
    /// A blob's record.
    fn blob_meta<'a>(&'a self, hash: &'a ContentHash) -> StorageFuture<'a, Option<BlobMeta>>;
}

/// Outgoing mail.
pub trait OutboxStore {
    /// Queues a mail.
    fn enqueue_mail<'a>(&'a self, mail: &'a NewMail, now: Timestamp) -> StorageFuture<'a, MailId>;
    /// The latest `limit` mails, newest first, sent or not.
    fn list_mail(&self, limit: u32) -> StorageFuture<'_, Vec<OutboxMail>>;
    /// Mails not yet sent, oldest first.
    fn pending_mail(&self, limit: u32) -> StorageFuture<'_, Vec<OutboxMail>>;
    /// Marks a mail delivered.
    fn mark_mail_sent(&self, id: MailId, now: Timestamp) -> StorageFuture<'_, ()>;
    /// Records a failed delivery attempt.
    fn mark_mail_failed<'a>(&'a self, id: MailId, error: &'a str) -> StorageFuture<'a, ()>;
}
