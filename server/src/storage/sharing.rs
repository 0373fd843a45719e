//! Storage topics of sharing, external accounts, second factors and API tokens:
//! [`LinkStore`], [`InvitationStore`], [`AccessRequestStore`], [`AccountStore`],
//! [`ApiTokenStore`] and [`DepartureStore`]. Their meaning lives in `crate::sharing`,
//! `crate::accounts` and `crate::tokens`; the rules in `folio_core::access`.
//!
//! Writes that create or remove grants together with their own rows (a level-4
//! link and its read grant, an invitation and its grants, an approved request
//! and its grant) happen in one transaction: either all of it is stored or none.

use folio_core::access::{Grant, GrantId, Level, LinkId, NodeId, TokenId, TokenScopes};
use folio_core::time::Timestamp;
use serde::Serialize;

use super::{DocumentId, Email, MailId, NewMail, OrgId, RoleName, StorageFuture, TokenHash, User, UserId};

/// A share link as stored (never its token: only the hash).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareLink {
    /// Public handle, the `Subject::Link` id.
    pub id: LinkId,
    /// The portfolio.
    pub portfolio: DocumentId,
    /// The node it opens.
    pub node: NodeId,
    /// Karuta level 0–4.
    pub level: u8,
    /// The role recipients get or must hold.
    pub recipient_role: RoleName,
    /// Who it was sent to, if anyone.
    pub recipient: Option<Email>,
    /// The share button's label, if made by one.
    pub label: Option<String>,
    /// Who made it.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// First valid instant, if any.
    pub starts_at: Option<Timestamp>,
    /// First invalid instant, if any.
    pub expires_at: Option<Timestamp>,
    /// When revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// Last successful use.
    pub last_used_at: Option<Timestamp>,
    /// How often it was used.
    pub use_count: u32,
    /// The read grant of a level-4 link.
    pub grant: Option<GrantId>,
}

/// Whether an invitation admits an external for a period or one assessor once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvitationKind {
    /// An external, for a period.
    External,
    /// One assessment; ends when it is submitted or time runs out.
    OneTime,
}

impl InvitationKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationKind::External => "external",
            InvitationKind::OneTime => "one-time",
        }
    }
}

/// An invitation to be stored with its grants.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    /// External or one-time.
    pub kind: InvitationKind,
    /// The hash of the invitation link's token.
    pub token_hash: TokenHash,
    /// The portfolio.
    pub portfolio: DocumentId,
    /// The invitee's address; an external account is created if none exists.
    pub email: Email,
    /// Their display name (used only when the account is created).
    pub display_name: String,
    /// Their role (shown with their feedback).
    pub role: RoleName,
    /// Their organisation, if any.
    pub org: Option<OrgId>,
    /// The level of every grant.
    pub level: Level,
    /// Whether they see only their own and the owner's feedback.
    pub hide_feedback: bool,
    /// The nodes granted (the portfolio node = the whole portfolio).
    pub nodes: Vec<NodeId>,
    /// Mail language.
    pub lang: String,
    /// First valid instant.
    pub starts_at: Timestamp,
    /// End (exclusive), if any.
    pub ends_at: Option<Timestamp>,
    /// Who invites.
    pub created_by: UserId,
}

/// An invitation as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Invitation {
    /// Row id.
    pub id: i64,
    /// External or one-time.
    pub kind: InvitationKind,
    /// The portfolio.
    pub portfolio: DocumentId,
    /// The invitee's account.
    pub user: UserId,
    /// Their role.
    pub role: RoleName,
    /// Their organisation.
    pub org: Option<OrgId>,
    /// Level of the grants.
    pub level: Level,
    /// Hide-feedback switch.
    pub hide_feedback: bool,
    /// Nodes granted.
    pub nodes: Vec<NodeId>,
    /// Mail language.
    pub lang: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End (exclusive).
    pub ends_at: Option<Timestamp>,
    /// Who invited.
    pub created_by: UserId,
    /// When.
    pub created_at: Timestamp,
    /// When revoked.
    pub revoked_at: Option<Timestamp>,
    /// Last sign-in through it.
    pub last_sign_in: Option<Timestamp>,
    /// The grants it holds.
    pub grants: Vec<GrantId>,
}

/// A mailed one-time code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginCode {
    /// Row id.
    pub id: i64,
    /// The invitation it signs in through.
    pub invitation: i64,
    /// SHA-256 of the code, salted with the invitation id.
    pub code_hash: TokenHash,
    /// When mailed.
    pub created_at: Timestamp,
    /// First invalid instant.
    pub expires_at: Timestamp,
    /// Wrong guesses so far.
    pub attempts: u32,
    /// When used.
    pub used_at: Option<Timestamp>,
}

/// A request for access.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccessRequest {
    /// Row id.
    pub id: i64,
    /// The portfolio.
    pub portfolio: DocumentId,
    /// The node asked for.
    pub node: NodeId,
    /// Who asks.
    pub requester: UserId,
    /// The level asked for.
    pub level: Level,
    /// Their message.
    pub message: String,
    /// `pending`, `approved` or `declined`.
    pub status: String,
    /// When asked.
    pub created_at: Timestamp,
    /// When decided.
    pub decided_at: Option<Timestamp>,
    /// The grant an approval made.
    pub grant: Option<GrantId>,
}

/// A TOTP enrolment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpRecord {
    /// The shared secret (raw bytes).
    pub secret: Vec<u8>,
    /// When confirmed; `None` while enrolment is pending.
    pub enabled_at: Option<Timestamp>,
    /// The last accepted time step.
    pub last_step: i64,
}

/// An API token as stored (never the token: only its hash).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApiToken {
    /// Public handle.
    pub id: TokenId,
    /// The service user it acts for.
    pub user: UserId,
    /// A name for people.
    pub name: String,
    /// Its rights and expiry.
    pub scopes: TokenScopes,
    /// Who made it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: Timestamp,
    /// When revoked.
    pub revoked_at: Option<Timestamp>,
    /// Last use.
    pub last_used_at: Option<Timestamp>,
    /// The token that replaced it, if rotated.
    pub replaced_by: Option<TokenId>,
}

/// Share links.
pub trait LinkStore {
    /// Stores a link; with `grant`, also its read grant (source `share-link`), atomically.
    fn create_link<'a>(
        &'a self,
        link: &'a ShareLink,
        token_hash: &'a TokenHash,
        grant: Option<&'a Grant>,
    ) -> StorageFuture<'a, ShareLink>;
    /// A link by its token's hash.
    fn link_by_hash<'a>(&'a self, hash: &'a TokenHash) -> StorageFuture<'a, Option<ShareLink>>;
    /// A link by id.
    fn link<'a>(&'a self, id: &'a LinkId) -> StorageFuture<'a, Option<ShareLink>>;
    /// A portfolio's links, newest first.
    fn portfolio_links<'a>(&'a self, portfolio: &'a DocumentId) -> StorageFuture<'a, Vec<ShareLink>>;
    /// Records a use.
    fn touch_link<'a>(&'a self, id: &'a LinkId, now: Timestamp) -> StorageFuture<'a, ()>;
    /// Revokes a link: marks it, deletes its grant and the roles it gave. `false` if already revoked or unknown.
    fn revoke_link<'a>(&'a self, id: &'a LinkId, now: Timestamp) -> StorageFuture<'a, bool>;
    /// Gives a user the link's role until `until` (levels 2 and 3); idempotent.
    fn add_link_role<'a>(
        &'a self,
        link: &'a ShareLink,
        user: UserId,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> StorageFuture<'a, ()>;
    /// The timed roles a user holds through links: (portfolio, role, until).
    fn link_roles_of_user(
        &self,
        user: UserId,
    ) -> StorageFuture<'_, Vec<(DocumentId, RoleName, Option<Timestamp>)>>;
    /// Creates a guest account for a level-3 link.
    fn create_guest<'a>(&'a self, link: &'a LinkId, now: Timestamp) -> StorageFuture<'a, User>;
}

/// Invitations and one-time codes.
pub trait InvitationStore {
    /// Stores an invitation, creating the external account if needed, and one
    /// grant per node (`grants` are templates: subject and id are filled in), atomically.
    fn create_invitation<'a>(
        &'a self,
        invitation: &'a NewInvitation,
        grants: &'a [Grant],
        now: Timestamp,
    ) -> StorageFuture<'a, Invitation>;
    /// An invitation by id.
    fn invitation(&self, id: i64) -> StorageFuture<'_, Option<Invitation>>;
    /// An invitation by its token's hash.
    fn invitation_by_hash<'a>(&'a self, hash: &'a TokenHash) -> StorageFuture<'a, Option<Invitation>>;
    /// A portfolio's invitations, newest first.
    fn portfolio_invitations<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<Invitation>>;
    /// Changes end, level and hide-feedback of an invitation and its grants, atomically.
    fn update_invitation<'a>(
        &'a self,
        id: i64,
        ends_at: Option<Timestamp>,
        level: Level,
        hide_feedback: bool,
    ) -> StorageFuture<'a, ()>;
    /// Revokes: marks it and deletes its grants. `false` if already revoked or unknown.
    fn revoke_invitation(&self, id: i64, now: Timestamp) -> StorageFuture<'_, bool>;
    /// Records a sign-in through it.
    fn touch_invitation(&self, id: i64, now: Timestamp) -> StorageFuture<'_, ()>;
    /// Stores a new code for an invitation, invalidating earlier unused ones.
    fn create_login_code<'a>(
        &'a self,
        invitation: i64,
        hash: &'a TokenHash,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StorageFuture<'a, ()>;
    /// The latest unused code of an invitation.
    fn latest_login_code(&self, invitation: i64) -> StorageFuture<'_, Option<LoginCode>>;
    /// Counts a wrong guess; returns the new count.
    fn bump_login_code(&self, id: i64) -> StorageFuture<'_, u32>;
    /// Marks a code used; `false` if it was used already (a race).
    fn use_login_code(&self, id: i64, now: Timestamp) -> StorageFuture<'_, bool>;
}

/// Access requests.
pub trait AccessRequestStore {
    /// Stores a pending request.
    fn create_access_request<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        node: &'a NodeId,
        requester: UserId,
        level: Level,
        message: &'a str,
        now: Timestamp,
    ) -> StorageFuture<'a, AccessRequest>;
    /// One request.
    fn access_request(&self, id: i64) -> StorageFuture<'_, Option<AccessRequest>>;
    /// A portfolio's requests, newest first.
    fn portfolio_access_requests<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<AccessRequest>>;
    /// Decides a pending request; with `grant` (approval) stores it too, atomically.
    /// `None` if the request was not pending.
    fn decide_access_request<'a>(
        &'a self,
        id: i64,
        grant: Option<&'a Grant>,
        by: UserId,
        now: Timestamp,
    ) -> StorageFuture<'a, Option<AccessRequest>>;
}

/// Account details: display names, language, TOTP and recovery codes.
pub trait AccountStore {
    /// Changes a display name.
    fn set_display_name<'a>(&'a self, user: UserId, name: &'a str) -> StorageFuture<'a, ()>;
    /// The user's mail language, if chosen.
    fn user_lang(&self, user: UserId) -> StorageFuture<'_, Option<String>>;
    /// Chooses the mail language.
    fn set_user_lang<'a>(&'a self, user: UserId, lang: &'a str) -> StorageFuture<'a, ()>;
    /// The user's TOTP enrolment.
    fn totp(&self, user: UserId) -> StorageFuture<'_, Option<TotpRecord>>;
    /// Starts (or restarts) an unconfirmed enrolment. Refused (`Conflict`) when one is enabled.
    fn begin_totp<'a>(&'a self, user: UserId, secret: &'a [u8], now: Timestamp) -> StorageFuture<'a, ()>;
    /// Confirms the enrolment at `step` and stores recovery code hashes, atomically.
    fn enable_totp<'a>(
        &'a self,
        user: UserId,
        step: i64,
        recovery: &'a [TokenHash],
        now: Timestamp,
    ) -> StorageFuture<'a, ()>;
    /// Accepts `step` once: `true` if it is later than the last accepted one.
    fn advance_totp_step(&self, user: UserId, step: i64) -> StorageFuture<'_, bool>;
    /// Uses a recovery code; `true` if it existed unused.
    fn use_recovery_code<'a>(
        &'a self,
        user: UserId,
        hash: &'a TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'a, bool>;
    /// Unused recovery codes left.
    fn recovery_codes_left(&self, user: UserId) -> StorageFuture<'_, u32>;
    /// Removes TOTP and recovery codes.
    fn disable_totp(&self, user: UserId) -> StorageFuture<'_, ()>;
}

/// API tokens.
pub trait ApiTokenStore {
    /// Stores a token.
    fn create_api_token<'a>(
        &'a self,
        token: &'a ApiToken,
        hash: &'a TokenHash,
    ) -> StorageFuture<'a, ()>;
    /// A token by its hash.
    fn api_token_by_hash<'a>(&'a self, hash: &'a TokenHash) -> StorageFuture<'a, Option<ApiToken>>;
    /// A token by id.
    fn api_token<'a>(&'a self, id: &'a TokenId) -> StorageFuture<'a, Option<ApiToken>>;
    /// Every token, newest first.
    fn list_api_tokens(&self) -> StorageFuture<'_, Vec<ApiToken>>;
    /// Revokes; `false` if already revoked or unknown.
    fn revoke_api_token<'a>(&'a self, id: &'a TokenId, now: Timestamp) -> StorageFuture<'a, bool>;
    /// Replaces `old` by `new` atomically: `new` stored, `old` revoked and pointing at it.
    /// `false` (nothing stored) if `old` is not active.
    fn rotate_api_token<'a>(
        &'a self,
        old: &'a TokenId,
        new: &'a ApiToken,
        hash: &'a TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'a, bool>;
    /// Records a use.
    fn touch_api_token<'a>(&'a self, id: &'a TokenId, now: Timestamp) -> StorageFuture<'a, ()>;
}

/// Everything one person holds in one portfolio that they give up on leaving.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Departure {
    /// The portfolio.
    pub portfolio: DocumentId,
    /// Who leaves.
    pub user: UserId,
    /// Grants naming them.
    pub grants: Vec<GrantId>,
    /// Their portfolio roles.
    pub roles: Vec<RoleName>,
    /// Whether they hold timed roles through share links here (all are dropped).
    pub link_roles: bool,
    /// Their invitations still in force (revoked, with their grants).
    pub invitations: Vec<i64>,
}

/// A grantee removing their own access.
pub trait DepartureStore {
    /// Removes everything in `departure` and queues `notice` (to the owner) in
    /// the outbox, in one transaction: either they are gone and the owner will
    /// be told, or nothing changed.
    fn leave_portfolio<'a>(
        &'a self,
        departure: &'a Departure,
        notice: &'a NewMail,
        now: Timestamp,
    ) -> StorageFuture<'a, MailId>;
}
