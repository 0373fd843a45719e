//! Grant subjects in words people recognise: a user's display name, an
//! organisation's name (with the role it is narrowed to), a share link's
//! button label, an API token's name. Ids the store no longer knows (a
//! deleted account, say) fall back to the engine's own wording, so a label
//! is never empty and never fails the listing.

use std::collections::HashMap;

use folio_core::access::Subject;

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::UserId;

/// Names of everything some grants mention, loaded once per request.
#[derive(Debug, Default)]
pub struct Labels {
    users: HashMap<String, String>,
    orgs: HashMap<String, String>,
    links: HashMap<String, String>,
    tokens: HashMap<String, String>,
}

impl Labels {
    /// Looks up the names of the subjects of `subjects`.
    pub async fn load(state: &AppState, subjects: &[&Subject]) -> Result<Labels, ApiError> {
        let mut labels = Labels::default();
        let storage = state.storage();
        let mut need_orgs = false;
        for s in subjects.iter().copied() {
            match s {
                Subject::User { id } if !labels.users.contains_key(id.as_str()) => {
                    if let Ok(n) = id.as_str().parse::<i64>()
                        && let Some(u) = storage.user(UserId(n)).await?
                    {
                        labels.users.insert(id.as_str().to_owned(), u.display_name);
                    }
                }
                Subject::Org { .. } => need_orgs = true,
                Subject::Link { id } if !labels.links.contains_key(id.as_str()) => {
                    if let Some(link) = storage.link(id).await? {
                        let name = link.label.unwrap_or_else(|| format!("share link, level {}", link.level));
                        labels.links.insert(id.as_str().to_owned(), name);
                    }
                }
                Subject::Token { id } if !labels.tokens.contains_key(id.as_str()) => {
                    if let Some(t) = storage.api_token(id).await? {
                        labels.tokens.insert(id.as_str().to_owned(), format!("API token “{}”", t.name));
                    }
                }
                _ => {}
            }
        }
        if need_orgs {
            labels.orgs = storage.list_orgs().await?.into_iter().map(|o| (o.id.0.to_string(), o.name)).collect();
        }
        Ok(labels)
    }

    /// The name of one account, if known.
    pub fn user(&self, id: &str) -> Option<&str> {
        self.users.get(id).map(String::as_str)
    }

    /// `subject` in words.
    pub fn label(&self, subject: &Subject) -> String {
        let known = match subject {
            Subject::User { id } => self.users.get(id.as_str()).cloned(),
            Subject::Org { org, role } => self.orgs.get(org.as_str()).map(|name| match role {
                Some(r) => format!("{name} · {r}"),
                None => format!("{name} · everyone"),
            }),
            Subject::Role { role } => Some(format!("role: {role}")),
            Subject::Link { id } => self.links.get(id.as_str()).cloned(),
            Subject::Token { id } => self.tokens.get(id.as_str()).cloned(),
            Subject::Public => Some("everyone, without signing in".to_owned()),
        };
        known.unwrap_or_else(|| subject.to_string())
    }
}
