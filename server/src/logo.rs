//! Organisation logos: which images are accepted and how one is stored.
//! Shared by `PUT /api/admin/orgs/{org}/logo` (`routes::orgs`) and
//! `folio admin org set-logo`.
//!
//! Only raster images whose bytes match their type (by signature): PNG,
//! JPEG, GIF, WebP. SVG is refused because it can carry scripts. At most
//! [`MAX_BYTES`]: a logo is shown at 24–32 px.

use folio_core::time::Timestamp;

use crate::blobs::{BlobError, BlobStore};
use crate::storage::{ContentType, OrgId, OrgLogo, Storage};

/// The largest logo accepted (256 KiB).
pub const MAX_BYTES: usize = 256 * 1024;

/// The accepted image types.
pub const TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The image type the bytes are, by their signature, if it is one of [`TYPES`].
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Stores checked logo bytes of type `kind` in the blob store and makes them
/// the organisation's logo. Answers the size stored.
pub async fn store(storage: &dyn Storage, blobs: &BlobStore, org: OrgId, bytes: &[u8], kind: &'static str, now: Timestamp) -> Result<u64, BlobError> {
    let content_type = ContentType::parse(kind).map_err(|e| BlobError::Storage(e.into()))?;
    let meta = blobs.put_bytes(bytes, content_type.clone(), now).await?;
    storage.set_org_logo(&OrgLogo { org, hash: meta.hash, content_type, updated_at: now }).await?;
    Ok(meta.size)
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn images_are_known_by_their_signature() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF87a"), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"<svg onload='x'/>"), None);
        assert_eq!(sniff(b""), None);
    }
}
