//! `/api/v1`: the versioned REST surface for external systems, opened only by
//! API tokens and honouring exactly their scopes (see the module docs of
//! [`crate::tokens`] for what `own`, `related` and `all` mean per category).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::{Category, Principal, Scope, ScopeOp, Subject, TokenScopes};
use folio_core::doc::FeedbackDoc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::TokenCaller;
use super::view::{CreatedToken, ScopesInput, TokenView, audit, expiry};
use crate::error::ApiError;
use crate::openapi::ErrorBody;
use crate::routes::ApiJson;
use crate::sharing::secret;
use crate::state::AppState;
use crate::storage::{
    ApiToken, DocumentId, DocumentRecord, DocumentRole, Portfolio, User, checked_text,
};

/// A portfolio as the REST API lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioItem {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The owner's account id.
    pub owner: i64,
    /// `own`, `related` or `other`, seen from the token's account.
    pub relation: &'static str,
    /// When it was created (ms).
    pub created_at: i64,
}

fn subjects(principal: &Principal) -> Vec<String> {
    let mut out = vec![Subject::Public];
    if let Principal::Token(t) = principal {
        out.push(Subject::Token { id: t.id.clone() });
        if let Some(u) = &t.user {
            out.push(Subject::user(u.id.as_str()));
            for m in &u.orgs {
                out.push(Subject::org(m.org.as_str()));
                out.push(Subject::Org {
                    org: m.org.clone(),
                    role: m.role.clone(),
                });
            }
        }
    }
    out.iter()
        .filter_map(|s| serde_json::to_string(s).ok())
        .collect()
}

async fn candidate_portfolios(
    state: &AppState,
    caller: &TokenCaller,
    reach: Scope,
) -> Result<Vec<Portfolio>, ApiError> {
    let storage = state.storage();
    let mut ids: Vec<DocumentId> = Vec::new();
    let mut out: Vec<Portfolio> = Vec::new();
    if reach == Scope::All {
        for u in storage.list_users().await? {
            out.extend(storage.portfolios_owned_by(u.id).await?);
        }
        return Ok(out);
    }
    out.extend(storage.portfolios_owned_by(caller.user.id).await?);
    if reach >= Scope::Related {
        ids.extend(
            storage
                .roles_of_user(caller.user.id)
                .await?
                .into_iter()
                .map(|r| r.portfolio),
        );
        ids.extend(
            storage
                .portfolios_with_subjects(&subjects(&caller.principal))
                .await?,
        );
    }
    ids.sort();
    ids.dedup();
    for id in ids {
        if out.iter().any(|p| p.id == id) {
            continue;
        }
        if let Some(p) = storage.portfolio(&id).await? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Portfolios the token may read: its account's own (`own`), also those the
/// account may read (`related`), or every one (`all`). Needs `portfolios` view.
#[utoipa::path(get, path = "/api/v1/portfolios", tag = "v1", security(("bearer" = [])),
    responses((status = 200, body = [PortfolioItem]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn portfolios(
    State(state): State<AppState>,
    caller: TokenCaller,
) -> Result<Json<Vec<PortfolioItem>>, ApiError> {
    let reach = caller.reach(Category::Portfolios, ScopeOp::View)?;
    let now = state.clock().now();
    let mut out = Vec::new();
    for p in candidate_portfolios(&state, &caller, reach).await? {
        let Ok(policy) = state.policy().portfolio(&p.id).await else {
            continue;
        };
        if policy.read(|e| e.visible(&caller.principal, now).is_empty()) {
            continue;
        }
        let relation = if p.owner == caller.user.id {
            "own"
        } else if policy.read(|e| {
            let account = caller
                .token_principal()
                .and_then(|t| t.user.clone())
                .map(Principal::User);
            account.is_some_and(|a| !e.visible(&a, now).is_empty())
        }) {
            "related"
        } else {
            "other"
        };
        out.push(PortfolioItem {
            id: p.id.to_string(),
            title: p.title,
            owner: p.owner.0,
            relation,
            created_at: p.created_at.millis(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(out))
}

/// One author's contributions to one feedback thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackItem {
    /// The feedback document's id.
    pub document: String,
    /// The thread.
    pub thread: String,
    /// The node the thread is anchored to.
    pub node: String,
    /// The author's principal key (`user:7`).
    pub author: String,
    /// Who opened the thread.
    pub opener: String,
    /// The document read (`folio_core::doc::Feedback`: author's name, role and
    /// organisation, entries, resolution); `null` if nothing is stored yet.
    #[schema(value_type = Object)]
    pub content: Option<serde_json::Value>,
}

async fn read_feedback(state: &AppState, record: &DocumentRecord) -> Option<serde_json::Value> {
    let stored = state.storage().load_document(&record.id).await.ok()?;
    if stored.is_empty() {
        return None;
    }
    let (doc, errors) = stored.rebuild_lenient().ok()?;
    for e in errors {
        tracing::warn!(doc = %record.id, error = %e, "a stored feedback change does not load");
    }
    let fb = FeedbackDoc::from_automerge(doc).ok()?;
    serde_json::to_value(fb.read()).ok()
}

/// The feedback of a portfolio the token may read, each thread's documents
/// as the engine lets this token see them (hide-feedback applies). Needs
/// `feedback` view; an unknown portfolio and one the token cannot see answer
/// the same 404.
#[utoipa::path(get, path = "/api/v1/portfolios/{p}/feedback", tag = "v1", security(("bearer" = [])),
    params(("p" = String, Path, description = "portfolio id")),
    responses((status = 200, body = [FeedbackItem]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    caller: TokenCaller,
    Path(p): Path<String>,
) -> Result<Json<Vec<FeedbackItem>>, ApiError> {
    caller.reach(Category::Feedback, ScopeOp::View)?;
    let id = DocumentId::parse(&p).map_err(|_| ApiError::not_found())?;
    state
        .storage()
        .portfolio(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let policy = state
        .policy()
        .portfolio(&id)
        .await
        .map_err(|_| ApiError::not_found())?;
    let now = state.clock().now();
    if policy.read(|e| e.visible(&caller.principal, now).is_empty()) {
        return Err(ApiError::not_found());
    }
    let records = state.storage().portfolio_documents(&id).await?;
    let readable: Vec<DocumentRecord> = policy.read(|e| {
        records
            .into_iter()
            .filter(|r| matches!(r.role, DocumentRole::Feedback { .. }))
            .filter(|r| crate::sync::may_read(e, &caller.principal, r, now))
            .collect()
    });
    let mut out = Vec::new();
    for r in readable {
        let DocumentRole::Feedback {
            thread,
            author,
            opener,
        } = &r.role
        else {
            continue;
        };
        out.push(FeedbackItem {
            document: r.id.to_string(),
            thread: thread.clone(),
            node: r.node.to_string(),
            author: author.clone(),
            opener: opener.clone(),
            content: read_feedback(&state, &r).await,
        });
    }
    Ok(Json(out))
}

/// A user as the REST API lists them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserItem {
    /// Account id.
    pub id: i64,
    /// Address.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// `member`, `external` or `service`.
    pub kind: String,
}

fn user_item(u: &User) -> UserItem {
    UserItem {
        id: u.id.0,
        email: u.email.to_string(),
        display_name: u.display_name.clone(),
        kind: u.kind.as_str().into(),
    }
}

/// Users: the token's own account (`own`), also the members of its
/// organisations (`related`), or everyone (`all`). Needs `users` view.
#[utoipa::path(get, path = "/api/v1/users", tag = "v1", security(("bearer" = [])),
    responses((status = 200, body = [UserItem]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    caller: TokenCaller,
) -> Result<Json<Vec<UserItem>>, ApiError> {
    let reach = caller.reach(Category::Users, ScopeOp::View)?;
    let storage = state.storage();
    let mut out: Vec<User> = match reach {
        Scope::All => storage.list_users().await?,
        _ => vec![caller.user.clone()],
    };
    if reach == Scope::Related {
        for m in storage.user_memberships(caller.user.id).await? {
            for other in storage.org_members(m.org).await? {
                if !out.iter().any(|u| u.id == other.user)
                    && let Some(u) = storage.user(other.user).await?
                {
                    out.push(u);
                }
            }
        }
    }
    out.sort_by_key(|u| u.id);
    Ok(Json(out.iter().map(user_item).collect()))
}

/// Tokens: those acting for the token's account (`own`), also those it
/// created (`related`), or every one (`all`). Needs `tokens` view. Never secrets.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "v1", security(("bearer" = [])),
    responses((status = 200, body = [TokenView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tokens(
    State(state): State<AppState>,
    caller: TokenCaller,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let reach = caller.reach(Category::Tokens, ScopeOp::View)?;
    let me = caller.user.id;
    let now = state.clock().now();
    let all = state.storage().list_api_tokens().await?;
    let shown: Vec<TokenView> = all
        .iter()
        .filter(|t| match reach {
            Scope::All => true,
            Scope::Related => t.user == me || t.created_by == Some(me),
            _ => t.user == me,
        })
        .map(|t| TokenView::new(t, now))
        .collect();
    audit(&state, caller.audit_name(), "token.list", None).await?;
    Ok(Json(shown))
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOwnToken {
    /// A name for people.
    pub name: String,
    /// Rights, each no wider than the calling token's.
    #[serde(default)]
    pub scopes: ScopesInput,
    /// Expiry (ms), no later than the calling token's.
    pub expires_at: Option<i64>,
    /// Or a lifetime in days.
    pub days: Option<u32>,
}

/// Whether `new` is nowhere wider than `caller`.
pub fn within(new: &TokenScopes, caller: &TokenScopes) -> bool {
    [
        Category::Portfolios,
        Category::Feedback,
        Category::Users,
        Category::Tokens,
        Category::Settings,
        Category::Roles,
    ]
    .into_iter()
    .all(|c| {
        let (n, have) = (new.get(c), caller.get(c));
        n.edit <= have.edit && n.view <= have.view.max(have.edit)
    })
}

/// Creates another token for the calling token's account (a narrower one, to
/// hand to a subsystem). Needs `tokens` edit; audited; the secret is shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "v1", security(("bearer" = [])), request_body = NewOwnToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: TokenCaller,
    ApiJson(body): ApiJson<NewOwnToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    caller.reach(Category::Tokens, ScopeOp::Edit)?;
    let now = state.clock().now();
    let name = checked_text("the token name", &body.name, 100)
        .map_err(|e| ApiError::invalid("name", e.to_string()))?;
    let expires = expiry(now, body.expires_at, body.days)?;
    if caller
        .token
        .scopes
        .expires
        .is_some_and(|mine| expires > mine)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "scope_escalation",
            "a new token cannot outlive the token that makes it",
        )
        .with_field("expires_at"));
    }
    let scopes = body.scopes.to_scopes(expires);
    if !within(&scopes, &caller.token.scopes) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "scope_escalation",
            "a token can only make tokens with narrower scopes than its own",
        )
        .with_field("scopes"));
    }
    let (id, raw) = super::admin::mint();
    let token = ApiToken {
        id,
        user: caller.user.id,
        name,
        scopes,
        created_by: Some(caller.user.id),
        created_at: now,
        revoked_at: None,
        last_used_at: None,
        replaced_by: None,
    };
    state
        .storage()
        .create_api_token(&token, &secret::hash(raw.expose()))
        .await?;
    audit(
        &state,
        caller.audit_name(),
        "token.create",
        Some(token.id.as_str()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: TokenView::new(&token, now),
            secret: raw.expose().clone(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_may_only_make_narrower_tokens() {
        let mine = TokenScopes::none()
            .with(Category::Portfolios, ScopeOp::Edit, Scope::Own)
            .with(Category::Tokens, ScopeOp::Edit, Scope::Own);
        let narrower = TokenScopes::none().with(Category::Portfolios, ScopeOp::View, Scope::Own);
        assert!(within(&narrower, &mine));
        let wider = TokenScopes::none().with(Category::Portfolios, ScopeOp::View, Scope::All);
        assert!(!within(&wider, &mine));
        let other_category = TokenScopes::none().with(Category::Users, ScopeOp::View, Scope::Own);
        assert!(!within(&other_category, &mine));
    }
}
