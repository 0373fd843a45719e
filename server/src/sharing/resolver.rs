//! The [`TokenResolver`] the policy hub uses for `/sync?token=` and bearer
//! routes: a level-4 share link becomes `Principal::Link`, an API token
//! `Principal::Token` acting for its service user with its scopes. Unknown,
//! revoked, expired and malformed secrets all resolve to `None`.

use std::sync::Arc;

use folio_core::access::{Principal, TokenPrincipal};
use folio_core::time::Timestamp;
use futures::future::BoxFuture;

use super::links::link_state;
use super::secret::{self, Kind};
use crate::policy::{TokenResolver, principal_for_user};
use crate::storage::Storage;

/// Resolves link and API-token secrets against storage.
#[derive(Debug)]
pub struct Resolver {
    storage: Arc<dyn Storage>,
}

impl Resolver {
    /// A resolver over `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Resolver { storage }
    }
}

impl TokenResolver for Resolver {
    fn resolve<'a>(&'a self, token: &'a str, now: Timestamp) -> BoxFuture<'a, Option<Principal>> {
        Box::pin(async move {
            let hash = secret::hash(token);
            match secret::kind_of(token)? {
                Kind::Link => {
                    let link = self.storage.link_by_hash(&hash).await.ok()??;
                    if link.level != 4 || link_state(&link, now) != "active" {
                        return None;
                    }
                    let _ = self.storage.touch_link(&link.id, now).await;
                    Some(Principal::Link { id: link.id })
                }
                Kind::Api => {
                    let t = self.storage.api_token_by_hash(&hash).await.ok()??;
                    if t.revoked_at.is_some() || t.scopes.expired(now) {
                        return None;
                    }
                    let _ = self.storage.touch_api_token(&t.id, now).await;
                    let user = match principal_for_user(self.storage.as_ref(), t.user).await.ok()? {
                        Principal::User(u) => Some(u),
                        _ => None,
                    };
                    Some(Principal::Token(TokenPrincipal { id: t.id, user, scopes: t.scopes }))
                }
                Kind::Invitation => None,
            }
        })
    }
}
