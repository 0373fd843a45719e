//! The records the storage layer reads and writes, built from validated values
//! ([`Email`], [`RoleName`], [`DocumentId`], …).

use folio_core::time::Timestamp;
use serde::Serialize;

use super::values::{
    ContentHash, ContentType, DocumentId, Email, MailId, OrgId, RoleName, TokenHash, UserId,
    UserKind,
};
use crate::secret::Secret;

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Unique, normalised address.
    pub email: Email,
    /// The name shown to others.
    pub display_name: String,
    /// The argon2 PHC string, if this account signs in with a password.
    pub password_hash: Option<Secret<String>>,
    /// Whether this account may administer the server.
    pub is_admin: bool,
    /// Member, external or service.
    pub kind: UserKind,
    /// When the account was created.
    pub created_at: Timestamp,
}

/// What is needed to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Unique address.
    pub email: Email,
    /// The name shown to others (see [`super::checked_text`]).
    pub display_name: String,
    /// An argon2 PHC string, or `None` for accounts without a password.
    pub password_hash: Option<Secret<String>>,
    /// Administrator?
    pub is_admin: bool,
    /// Member, external or service.
    pub kind: UserKind,
}

/// An organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Row id.
    pub id: OrgId,
    /// Unique (case-insensitively) name.
    pub name: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// One role one user holds in one organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The organisation.
    pub org: OrgId,
    /// The member.
    pub user: UserId,
    /// The role held.
    pub role: RoleName,
}

/// A portfolio's registration: who owns it. Its content lives in documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Portfolio {
    /// The portfolio document's id.
    pub id: DocumentId,
    /// The owner (always has Manage).
    pub owner: UserId,
    /// The title, for listings.
    pub title: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// One role one user holds in one portfolio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioRole {
    /// The portfolio.
    pub portfolio: DocumentId,
    /// The user.
    pub user: UserId,
    /// The role held.
    pub role: RoleName,
}

/// A signed-in session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The hash of the cookie's token.
    pub token_hash: TokenHash,
    /// Whose session.
    pub user: UserId,
    /// When it began.
    pub created_at: Timestamp,
    /// When it stops being valid.
    pub expires_at: Timestamp,
}

/// One incremental Automerge change as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChange {
    /// The change's hash.
    pub hash: automerge::ChangeHash,
    /// The change's bytes.
    pub data: Vec<u8>,
}

/// A compacted document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The heads the snapshot contains.
    pub heads: Vec<automerge::ChangeHash>,
    /// `Automerge::save()` output.
    pub data: Vec<u8>,
}

/// Everything stored for one document: load the snapshot, then apply the changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredDocument {
    /// The latest compaction, if any.
    pub snapshot: Option<Snapshot>,
    /// Changes appended since (or not covered by) the snapshot, in arrival order.
    pub changes: Vec<StoredChange>,
}

impl StoredDocument {
    /// True when nothing at all is stored for the document.
    pub fn is_empty(&self) -> bool {
        self.snapshot.is_none() && self.changes.is_empty()
    }

    /// The document: the snapshot, then every change since, applied in one
    /// call.
    ///
    /// One call, not one per change: automerge 0.12 walks the text a batch
    /// of changes touches once per call, so loading a typing session's
    /// changes one by one is quadratic in its length (20,000 uncompacted
    /// keystrokes: 32.6 s one by one, 0.12 s at once, on this machine), and
    /// what a busy document's next load finds after a crash is every
    /// keystroke since its last compaction. Each change is parsed and its hash
    /// checked against the one it is stored under first (`load_incremental`
    /// would skip a chunk that does not parse, and everything after it,
    /// with only a log line).
    ///
    /// `Err` names the first change that does not parse or is not what its
    /// hash says, or why the snapshot or the changes do not load.
    pub fn rebuild(&self) -> Result<automerge::Automerge, String> {
        let mut doc = self.snapshot_doc()?;
        let changes = self.changes.iter().map(parse_stored).collect::<Result<Vec<_>, _>>()?;
        doc.apply_changes(changes).map_err(|e| e.to_string())?;
        Ok(doc)
    }

    /// Like [`Self::rebuild`], but a change that does not parse or is not
    /// what its hash says is left out (and said why) instead of failing the
    /// whole: for readers of what is stored, not for the document's actor.
    pub fn rebuild_lenient(&self) -> Result<(automerge::Automerge, Vec<String>), String> {
        let mut doc = self.snapshot_doc()?;
        let (changes, errors): (Vec<_>, Vec<_>) = self.changes.iter().map(parse_stored).partition(Result::is_ok);
        doc.apply_changes(changes.into_iter().flatten()).map_err(|e| e.to_string())?;
        Ok((doc, errors.into_iter().filter_map(Result::err).collect()))
    }

    fn snapshot_doc(&self) -> Result<automerge::Automerge, String> {
        match &self.snapshot {
            Some(s) => automerge::Automerge::load(&s.data).map_err(|e| format!("the snapshot does not load: {e}")),
            None => Ok(automerge::Automerge::new()),
        }
    }
}

/// A stored change, parsed, if it is what its hash says.
fn parse_stored(c: &StoredChange) -> Result<automerge::Change, String> {
    let change = automerge::Change::from_bytes(c.data.clone()).map_err(|e| format!("stored change {} does not parse: {e}", c.hash))?;
    if change.hash() != c.hash {
        return Err(format!("stored change {} is another change ({})", c.hash, change.hash()));
    }
    Ok(change)
}

/// Whether an audited action was let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Allowed and done.
    Accepted,
    /// Refused.
    Rejected,
}

impl Outcome {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// When it happened.
    pub at: Timestamp,
    /// Who acted: `user:7`, `link:…`, `token:…`, `anonymous`.
    pub principal: String,
    /// The document concerned, if any.
    pub document: Option<DocumentId>,
    /// The node concerned, if any.
    pub node: Option<String>,
    /// What was attempted (`edit`, `comment`, `grant`, …).
    pub action: String,
    /// Accepted or rejected.
    pub outcome: Outcome,
    /// Why, in plain words (always set for rejections).
    pub reason: Option<String>,
}

/// What the database knows about one stored blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobMeta {
    /// SHA-256 of the bytes.
    pub hash: ContentHash,
    /// Length in bytes.
    pub size: u64,
    /// The content type recorded at first upload.
    pub content_type: ContentType,
    /// When first stored.
    pub created_at: Timestamp,
}

/// A mail to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    /// Recipient.
    pub to: Email,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// Optional HTML body.
    pub body_html: Option<String>,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMail {
    /// Row id.
    pub id: MailId,
    /// The mail itself.
    pub mail: NewMail,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it was delivered to SMTP, if it was.
    pub sent_at: Option<Timestamp>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
}
