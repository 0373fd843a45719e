//! Organisation logos: which blob is an organisation's logo.
//!
//! The bytes live in the blob store like attachments; this store only links
//! an organisation to its current logo blob (one per organisation, replaced
//! when an administrator sets another).

use folio_core::time::Timestamp;

use super::{ContentHash, ContentType, OrgId, Organisation, StorageFuture};

/// An organisation's current logo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgLogo {
    /// The organisation.
    pub org: OrgId,
    /// The blob holding the image.
    pub hash: ContentHash,
    /// Its image type (`image/png`, `image/jpeg`, `image/gif`, `image/webp`).
    pub content_type: ContentType,
    /// When it was set.
    pub updated_at: Timestamp,
}

/// Organisations by id, and their logos.
pub trait OrgLogoStore {
    /// One organisation by id.
    fn org_by_id(&self, org: OrgId) -> StorageFuture<'_, Option<Organisation>>;
    /// Sets (or replaces) an organisation's logo.
    fn set_org_logo<'a>(&'a self, logo: &'a OrgLogo) -> StorageFuture<'a, ()>;
    /// An organisation's logo, if it has one.
    fn org_logo(&self, org: OrgId) -> StorageFuture<'_, Option<OrgLogo>>;
    /// Removes an organisation's logo; answers whether it had one. (The
    /// blob stays in the content-addressed store, like a replaced one.)
    fn remove_org_logo(&self, org: OrgId) -> StorageFuture<'_, bool>;
}
