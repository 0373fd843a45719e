//! What the token API shows and accepts: token views, scope input, expiry
//! input, and the audit helper.

use folio_core::access::{CategoryScope, Scope, TokenScopes};
use folio_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{ApiToken, AuditEntry, Outcome};

/// The longest a token may live: two years.
pub const MAX_LIFETIME_DAYS: u32 = 731;
/// The lifetime when none is given: 90 days.
pub const DEFAULT_LIFETIME_DAYS: u32 = 90;

/// One category's reach, as sent and shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopePair {
    /// How far viewing reaches: `none`, `own`, `related` or `all`.
    #[serde(default)]
    #[schema(value_type = String, example = "own")]
    pub view: Scope,
    /// How far editing reaches (implies viewing as far).
    #[serde(default)]
    #[schema(value_type = String, example = "none")]
    pub edit: Scope,
}

impl From<CategoryScope> for ScopePair {
    fn from(c: CategoryScope) -> Self {
        ScopePair {
            view: c.view,
            edit: c.edit,
        }
    }
}

impl From<ScopePair> for CategoryScope {
    fn from(p: ScopePair) -> Self {
        CategoryScope {
            view: p.view,
            edit: p.edit,
        }
    }
}

/// A token's rights per category; a category left out gets nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopesInput {
    /// Portfolio content.
    #[serde(default)]
    pub portfolios: ScopePair,
    /// Feedback and evaluations.
    #[serde(default)]
    pub feedback: ScopePair,
    /// User accounts.
    #[serde(default)]
    pub users: ScopePair,
    /// API tokens.
    #[serde(default)]
    pub tokens: ScopePair,
    /// Settings.
    #[serde(default)]
    pub settings: ScopePair,
    /// Roles and grants.
    #[serde(default)]
    pub roles: ScopePair,
}

impl ScopesInput {
    /// The engine's scopes, expiring at `expires`.
    pub fn to_scopes(self, expires: Timestamp) -> TokenScopes {
        TokenScopes {
            portfolios: self.portfolios.into(),
            feedback: self.feedback.into(),
            users: self.users.into(),
            tokens: self.tokens.into(),
            settings: self.settings.into(),
            roles: self.roles.into(),
            expires: Some(expires),
        }
    }

    /// The input form of stored scopes.
    pub fn from_scopes(s: &TokenScopes) -> Self {
        ScopesInput {
            portfolios: s.portfolios.into(),
            feedback: s.feedback.into(),
            users: s.users.into(),
            tokens: s.tokens.into(),
            settings: s.settings.into(),
            roles: s.roles.into(),
        }
    }
}

/// A token as administrators and token holders see it (never its secret).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Public handle.
    pub id: String,
    /// The service user it acts for.
    pub user: i64,
    /// A name for people.
    pub name: String,
    /// Its rights.
    pub scopes: ScopesInput,
    /// When it stops working (ms since the epoch), if ever.
    pub expires_at: Option<i64>,
    /// `active`, `expired` or `revoked`.
    pub state: &'static str,
    /// When it was made (ms).
    pub created_at: i64,
    /// Who made it.
    pub created_by: Option<i64>,
    /// Last use (ms).
    pub last_used_at: Option<i64>,
    /// When revoked (ms).
    pub revoked_at: Option<i64>,
    /// The token that replaced it, if rotated.
    pub replaced_by: Option<String>,
}

/// The state of a token at `now`.
pub fn token_state(t: &ApiToken, now: Timestamp) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.scopes.expired(now) {
        "expired"
    } else {
        "active"
    }
}

impl TokenView {
    /// The view of `t` at `now`.
    pub fn new(t: &ApiToken, now: Timestamp) -> Self {
        TokenView {
            id: t.id.to_string(),
            user: t.user.0,
            name: t.name.clone(),
            scopes: ScopesInput::from_scopes(&t.scopes),
            expires_at: t.scopes.expires.map(Timestamp::millis),
            state: token_state(t, now),
            created_at: t.created_at.millis(),
            created_by: t.created_by.map(|u| u.0),
            last_used_at: t.last_used_at.map(Timestamp::millis),
            revoked_at: t.revoked_at.map(Timestamp::millis),
            replaced_by: t.replaced_by.as_ref().map(ToString::to_string),
        }
    }
}

/// The answer to creating or rotating a token: the secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token.
    pub token: TokenView,
    /// `ft_…`: send as `Authorization: Bearer …`. Not retrievable later.
    pub secret: String,
}

/// The expiry of a new token: `expires_at` (ms) or `days` from now, at most
/// [`MAX_LIFETIME_DAYS`], default [`DEFAULT_LIFETIME_DAYS`].
pub fn expiry(
    now: Timestamp,
    expires_at: Option<i64>,
    days: Option<u32>,
) -> Result<Timestamp, ApiError> {
    let max = now.plus_hours(i64::from(MAX_LIFETIME_DAYS) * 24);
    let at = match (expires_at, days) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "days",
                "give `expires_at` or `days`, not both",
            ));
        }
        (Some(ms), None) => Timestamp(ms),
        (None, Some(0)) => {
            return Err(ApiError::invalid(
                "days",
                "a token must live at least one day; use `expires_at` for less",
            ));
        }
        (None, Some(d)) if d > MAX_LIFETIME_DAYS => {
            return Err(ApiError::invalid(
                "days",
                format!("`{d}` days is too long; a token lives at most {MAX_LIFETIME_DAYS} days"),
            ));
        }
        (None, Some(d)) => now.plus_hours(i64::from(d) * 24),
        (None, None) => now.plus_hours(i64::from(DEFAULT_LIFETIME_DAYS) * 24),
    };
    if at <= now {
        return Err(ApiError::invalid(
            "expires_at",
            "the expiry must be in the future",
        ));
    }
    if at > max {
        return Err(ApiError::invalid(
            "expires_at",
            format!("a token lives at most {MAX_LIFETIME_DAYS} days"),
        ));
    }
    Ok(at)
}

/// Appends an audit line about a token (`document` and `node` empty).
pub async fn audit(
    state: &AppState,
    principal: String,
    action: &str,
    subject: Option<&str>,
) -> Result<(), ApiError> {
    let entry = AuditEntry {
        at: state.clock().now(),
        principal,
        document: None,
        node: subject.map(|s| format!("token:{s}")),
        action: action.to_owned(),
        outcome: Outcome::Accepted,
        reason: None,
    };
    state.storage().record_audit(&entry).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_is_in_the_future_and_at_most_two_years_away() {
        let now = Timestamp(1_000_000);
        assert_eq!(expiry(now, None, None).unwrap(), now.plus_hours(90 * 24));
        assert_eq!(expiry(now, None, Some(1)).unwrap(), now.plus_hours(24));
        assert_eq!(
            expiry(now, Some(now.millis() - 1), None).unwrap_err().field,
            Some("expires_at")
        );
        assert_eq!(
            expiry(now, None, Some(MAX_LIFETIME_DAYS + 1))
                .unwrap_err()
                .field,
            Some("days")
        );
        assert_eq!(
            expiry(now, Some(2_000_000), Some(3)).unwrap_err().field,
            Some("days")
        );
    }

    #[test]
    fn scopes_round_trip_through_their_input_form() {
        let input: ScopesInput = serde_json::from_value(
            serde_json::json!({"portfolios": {"view": "related"}, "tokens": {"edit": "own"}}),
        )
        .unwrap();
        let scopes = input.to_scopes(Timestamp(5));
        assert_eq!(ScopesInput::from_scopes(&scopes), input);
        assert_eq!(scopes.expires, Some(Timestamp(5)));
        assert!(
            serde_json::from_value::<ScopesInput>(serde_json::json!({"portfolio": {}})).is_err()
        );
    }
}
