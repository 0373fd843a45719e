//! Share links: create (directly or through a share button), list, revoke, open.
//!
//! A link's secret (`fl_…`, 256 random bits) is shown once, in the answer to
//! its creation and in the mail to its recipients; only its SHA-256 is kept.
//! Its Karuta level decides what opening it does (evaluated by
//! `folio_core::access::share`): 0 the signed-in recipient must already hold
//! the role; 1 it signs the linked account in; 2 it gives the signed-in
//! account the role until the link ends; 3 it creates a guest account with
//! the role until the link ends and signs it in; 4 it opens a read-only view
//! without any login (a read grant to the link, which `/sync?token=` and
//! `GET /api/links/view` honour).
//!
//! Expired, revoked and not-yet-valid links answer 410 `link_expired`,
//! 410 `link_revoked` and 403 `link_not_yet_valid`; an unknown one 404 `link_unknown`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use folio_core::access::share::{Recipient, Separator, Share, ShareEffect, ShareLevel, ShareOutcome, ShareRequest, Validity};
use folio_core::access::{GrantId, LinkId, RoleName};
use folio_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::{PortfolioCtx, format_instant, public_link};
use super::secret::{self, Kind};
use crate::auth::token::{self, SessionToken};
use crate::error::ApiError;
use crate::mail::{Lang, templates};
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{Email, Session, ShareLink, User, UserId};

/// A link as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    /// Public id.
    pub id: String,
    /// Node it opens.
    pub node: String,
    /// Level 0–4.
    pub level: u8,
    /// Recipient role.
    pub role: String,
    /// Recipient, if any.
    pub recipient: Option<String>,
    /// Label.
    pub label: Option<String>,
    /// `active`, `expired`, `revoked` or `not_yet_valid`.
    pub state: &'static str,
    /// When it was made.
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    /// When it stops working.
    #[schema(value_type = Option<i64>)]
    pub expires_at: Option<Timestamp>,
    /// When it was last used.
    #[schema(value_type = Option<i64>)]
    pub last_used_at: Option<Timestamp>,
    /// How often it was used.
    pub use_count: u32,
    /// When it was revoked.
    #[schema(value_type = Option<i64>)]
    pub revoked_at: Option<Timestamp>,
}

/// The state of a link at `now`.
pub fn link_state(link: &ShareLink, now: Timestamp) -> &'static str {
    if link.revoked_at.is_some() {
        "revoked"
    } else if link.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else if link.starts_at.is_some_and(|s| now < s) {
        "not_yet_valid"
    } else {
        "active"
    }
}

impl LinkView {
    /// The view of `link` at `now`.
    pub fn new(link: &ShareLink, now: Timestamp) -> Self {
        LinkView {
            id: link.id.to_string(),
            node: link.node.to_string(),
            level: link.level,
            role: link.recipient_role.to_string(),
            recipient: link.recipient.as_ref().map(ToString::to_string),
            label: link.label.clone(),
            state: link_state(link, now),
            created_at: link.created_at,
            expires_at: link.expires_at,
            last_used_at: link.last_used_at,
            use_count: link.use_count,
            revoked_at: link.revoked_at,
        }
    }
}

/// `POST /api/portfolios/{p}/links`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLink {
    /// Node to open (default: the portfolio).
    pub node: Option<String>,
    /// Karuta level 0–4.
    pub level: u8,
    /// Recipient role (default `external`; ignored for level 4).
    pub role: Option<String>,
    /// Recipient addresses (levels 0–3 need at least one).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Validity in hours (default: unlimited).
    pub hours: Option<u32>,
    /// A label for the owner's list.
    pub label: Option<String>,
    /// Mail language (`en`, `nl`).
    pub lang: Option<String>,
}

/// The answer to creating a link: the secret, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedLink {
    /// The link.
    pub link: LinkView,
    /// The secret; not retrievable later.
    pub token: String,
    /// The URL to send.
    pub url: String,
}

fn share_level(level: u8) -> Result<ShareLevel, ApiError> {
    Ok(match level {
        0 => ShareLevel::LoginWithRole,
        1 => ShareLevel::DirectLogin,
        2 => ShareLevel::LinkAccount,
        3 => ShareLevel::GuestAccount,
        4 => ShareLevel::Public,
        other => return Err(ApiError::invalid("level", format!("`{other}` is not a link level; use 0, 1, 2, 3 or 4"))),
    })
}

/// Parses and checks recipient addresses.
pub fn parse_emails(raw: &[String], field: &'static str) -> Result<Vec<Email>, ApiError> {
    raw.iter()
        .map(|e| Email::parse(e).map_err(|err| ApiError::invalid(field, err.to_string())))
        .collect()
}

/// Creates a link from an evaluated share: stores it (with its grant for
/// level 4), mails recipients, reloads policy. Shared by direct creation and share buttons.
pub async fn create_from_outcome(
    state: &AppState,
    ctx: &PortfolioCtx,
    caller: &Caller,
    outcome: ShareOutcome,
    label: Option<String>,
    lang: Lang,
) -> Result<CreatedLink, ApiError> {
    let sharer = caller.user()?;
    let recipients: Vec<Email> = outcome
        .recipients
        .iter()
        .filter_map(|r| match r {
            Recipient::Email(e) => Some(Email::parse(e).map_err(|err| ApiError::invalid("recipients", err.to_string()))),
            _ => None,
        })
        .collect::<Result<_, _>>()?;
    if outcome.level == ShareLevel::DirectLogin {
        // Level 1 logs an existing account in: there must be exactly one, and it must exist.
        let [only] = recipients.as_slice() else {
            return Err(ApiError::invalid("recipients", "a level-1 link logs one existing account in: give exactly one address"));
        };
        if state.storage().user_by_email(only).await?.is_none() {
            return Err(ApiError::invalid("recipients", format!("there is no account `{only}`; use level 2 or 3 for people without one")));
        }
    }
    let secret = secret::generate(Kind::Link);
    let grant = match &outcome.effect {
        ShareEffect::Grant { grant } => Some(grant.clone()),
        _ => None,
    };
    let link = ShareLink {
        id: outcome.link.clone(),
        portfolio: ctx.portfolio.id.clone(),
        node: outcome.node.clone(),
        level: outcome.level.digit(),
        recipient_role: crate::storage::RoleName::parse(outcome.recipient_role.as_str())
            .map_err(|e| ApiError::invalid("role", e.to_string()))?,
        recipient: recipients.first().cloned(),
        label,
        created_by: sharer.id,
        created_at: ctx.now,
        starts_at: None,
        expires_at: outcome.link_expires,
        revoked_at: None,
        last_used_at: None,
        use_count: 0,
        grant: None,
    };
    let stored = state.storage().create_link(&link, &secret::hash(secret.expose()), grant.as_ref()).await?;
    if grant.is_some() {
        ctx.grants_changed(state).await?;
    }
    let url = public_link(state, &format!("/l/{}", secret.expose()));
    let until = stored.expires_at.map(format_instant);
    for to in &recipients {
        let mail = templates::shared_link(lang, &sharer.display_name, &ctx.portfolio.title, &url, until.as_deref());
        state.mailer().send(to, mail).await?;
    }
    Ok(CreatedLink { link: LinkView::new(&stored, ctx.now), token: secret.expose().clone(), url })
}

/// `POST /api/portfolios/{p}/links`: a link made directly (as if by a button
/// any role may use): the engine still checks that the caller may share here
/// and never gives more than their own level.
#[utoipa::path(post, path = "/api/portfolios/{p}/links", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), request_body = CreateLink, responses((status = 201, body = CreatedLink), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(p): Path<String>,
    ApiJson(body): ApiJson<CreateLink>,
) -> Result<Response, ApiError> {
    caller.user()?;
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let node = ctx.node(&caller, body.node.as_deref(), "node")?;
    let level = share_level(body.level)?;
    let role = body.role.as_deref().unwrap_or("external");
    let role = crate::storage::RoleName::parse(role).map_err(|e| ApiError::invalid("role", e.to_string()))?;
    let emails = parse_emails(&body.recipients, "recipients")?;
    if level != ShareLevel::Public && emails.is_empty() {
        return Err(ApiError::invalid("recipients", "name at least one recipient address for a level 0–3 link"));
    }
    let label = body.label.as_deref().map(|l| crate::storage::checked_text("the label", l, 200)).transpose().map_err(|e| ApiError::invalid("label", e.to_string()))?;
    let lang = lang_of(body.lang.as_deref())?;
    let share = Share {
        sharer_role: RoleName::from("all"),
        recipient_role: RoleName::from(role.as_str()),
        recipients: emails.iter().map(|e| Recipient::Email(e.to_string())).collect(),
        separator: Separator::Space,
        level,
        validity: body.hours.map_or(Validity::Unlimited, Validity::Hours),
        labels: Vec::new(),
        condition: None,
    };
    let request = ShareRequest { typed_emails: Vec::new(), link: LinkId::new(secret::handle()), grant_id: GrantId(0) };
    let outcome = ctx
        .policy
        .read(|e| share.evaluate(e, &caller.principal, &node, ctx.now, &request))
        .map_err(|d| ApiError::new(StatusCode::FORBIDDEN, "forbidden", d.to_string()))?;
    let created = create_from_outcome(&state, &ctx, &caller, outcome, label, lang).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Reads an optional language field.
pub fn lang_of(raw: Option<&str>) -> Result<Lang, ApiError> {
    match raw {
        None => Ok(Lang::En),
        Some(l) => Lang::parse(l).ok_or_else(|| ApiError::invalid("lang", format!("`{l}` is not a language Folio writes; use `en` or `nl`"))),
    }
}

/// `GET /api/portfolios/{p}/links`: every link with its state, expiry and last use (Manage).
#[utoipa::path(get, path = "/api/portfolios/{p}/links", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), responses((status = 200, body = [LinkView]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(p): Path<String>,
) -> Result<Json<Vec<LinkView>>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    ctx.require_manage(&caller, &ctx.root())?;
    let links = state.storage().portfolio_links(&ctx.portfolio.id).await?;
    Ok(Json(links.iter().map(|l| LinkView::new(l, ctx.now)).collect()))
}

/// `DELETE /api/portfolios/{p}/links/{id}`: revokes one link (Manage on its node).
#[utoipa::path(delete, path = "/api/portfolios/{p}/links/{id}", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("id" = String, Path, description = "link id")), responses((status = 204), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((p, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let link = state
        .storage()
        .link(&LinkId::new(id))
        .await?
        .filter(|l| l.portfolio == ctx.portfolio.id)
        .ok_or_else(ApiError::not_found)?;
    ctx.require_manage(&caller, &link.node)?;
    if !state.storage().revoke_link(&link.id, ctx.now).await? {
        return Err(ApiError::new(StatusCode::GONE, "link_revoked", "this link was revoked already"));
    }
    ctx.grants_changed(&state).await?;
    state.policy().principals_changed();
    Ok(StatusCode::NO_CONTENT)
}

/// A link found by its secret, checked for being usable now.
pub async fn usable_link(state: &AppState, raw: &str, now: Timestamp) -> Result<ShareLink, ApiError> {
    let unknown = || ApiError::new(StatusCode::NOT_FOUND, "link_unknown", "this link does not exist; check that it was copied whole").with_field("token");
    if secret::kind_of(raw) != Some(Kind::Link) {
        return Err(unknown());
    }
    let link = state.storage().link_by_hash(&secret::hash(raw)).await?.ok_or_else(unknown)?;
    match link_state(&link, now) {
        "revoked" => Err(ApiError::new(StatusCode::GONE, "link_revoked", "this link was revoked by the person who shared it; ask them for a new one")),
        "expired" => Err(ApiError::new(StatusCode::GONE, "link_expired", format!("this link expired on {}; ask the person who shared it for a new one", link.expires_at.map(format_instant).unwrap_or_default()))),
        "not_yet_valid" => Err(ApiError::new(StatusCode::FORBIDDEN, "link_not_yet_valid", "this link is not valid yet")),
        _ => Ok(link),
    }
}

/// `POST /api/links/open`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenLink {
    /// The link's secret.
    pub token: String,
}

/// What opening a link gives.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Opened {
    /// The portfolio.
    pub portfolio: String,
    /// The node to show.
    pub node: String,
    /// The link's level.
    pub level: u8,
    /// Whether the view is read-only (level 4).
    pub read_only: bool,
    /// Whether this answer signed someone in (levels 1 and 3; a cookie is set).
    pub signed_in: bool,
}

async fn start_session(state: &AppState, user: &User, now: Timestamp, until: Option<Timestamp>) -> Result<HeaderValue, ApiError> {
    let token = SessionToken::generate();
    let ttl_ms = i64::from(state.config().session_hours) * 3_600_000;
    let mut expires_at = now.plus_millis(ttl_ms);
    if let Some(u) = until {
        expires_at = expires_at.min(u);
    }
    let session = Session { token_hash: token.hash(), user: user.id, created_at: now, expires_at };
    state.storage().create_session(&session).await?;
    let secs = u64::try_from((expires_at.millis() - now.millis()) / 1000).unwrap_or(0);
    Ok(token::set_cookie(&token, secs, state.config().secure_cookies()))
}

/// Starts a session for `user` (shared with external sign-in); returns the `Set-Cookie`.
pub async fn session_cookie(state: &AppState, user: &User, now: Timestamp, until: Option<Timestamp>) -> Result<HeaderValue, ApiError> {
    start_session(state, user, now, until).await
}

/// `POST /api/links/open`: does what the link's level says (see the module docs).
#[utoipa::path(post, path = "/api/links/open", tag = "sharing", request_body = OpenLink, responses((status = 200, body = Opened), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 410, body = crate::openapi::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<OpenLink>,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let link = usable_link(&state, &body.token, now).await?;
    let mut cookie = None;
    let owner = state.storage().portfolio(&link.portfolio).await?.map(|p| p.owner);
    let owner_of = |_: &ShareLink| owner.unwrap_or(UserId(-1));
    let holds_role = |c: &Caller| match &c.principal {
        folio_core::access::Principal::User(u) => {
            u.roles.iter().any(|m| m.portfolio.as_str() == link.portfolio.as_str() && m.role.as_str() == link.recipient_role.as_str() && m.held_at(now))
                || c.user.as_ref().is_some_and(|usr| usr.id == owner_of(&link))
        }
        _ => false,
    };
    match link.level {
        0 => {
            caller.user()?;
            if !holds_role(&caller) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "link_role_required", format!("this link is for people with the role `{}` in this portfolio; ask the owner for access", link.recipient_role)));
            }
        }
        1 => {
            let email = link.recipient.clone().ok_or_else(|| ApiError::internal(&"level-1 link without recipient"))?;
            let user = state.storage().user_by_email(&email).await?.ok_or_else(|| ApiError::new(StatusCode::GONE, "link_revoked", "the account this link signs in no longer exists"))?;
            cookie = Some(start_session(&state, &user, now, link.expires_at).await?);
        }
        2 => {
            let user = caller.user()?;
            state.storage().add_link_role(&link, user.id, link.expires_at, now).await?;
            state.policy().principals_changed();
        }
        3 => {
            let guest = state.storage().create_guest(&link.id, now).await?;
            state.storage().add_link_role(&link, guest.id, link.expires_at, now).await?;
            state.policy().principals_changed();
            cookie = Some(start_session(&state, &guest, now, link.expires_at).await?);
        }
        _ => {}
    }
    state.storage().touch_link(&link.id, now).await?;
    let opened = Opened {
        portfolio: link.portfolio.to_string(),
        node: link.node.to_string(),
        level: link.level,
        read_only: link.level == 4,
        signed_in: cookie.is_some(),
    };
    let mut response = Json(opened).into_response();
    if let Some(c) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(response)
}

/// One node of a read-only view.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ViewNode {
    /// Id.
    pub id: String,
    /// Parent.
    pub parent: Option<String>,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: Option<String>,
}

/// `GET /api/links/view` with `Authorization: Bearer fl_…`: the outline a
/// level-4 link may read, without any login.
#[utoipa::path(get, path = "/api/links/view", tag = "sharing", security(("bearer" = [])), responses((status = 200, body = [ViewNode]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 410, body = crate::openapi::ErrorBody)))]
pub async fn view(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Result<Json<Vec<ViewNode>>, ApiError> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::unauthenticated)?;
    let now = state.clock().now();
    let link = usable_link(&state, raw.trim(), now).await?;
    if link.level != 4 {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "only a public (level 4) link opens a view without signing in"));
    }
    state.storage().touch_link(&link.id, now).await?;
    let policy = state.policy().portfolio(&link.portfolio).await.map_err(|_| ApiError::not_found())?;
    let principal = folio_core::access::Principal::Link { id: link.id.clone() };
    let nodes = policy.read(|e| {
        e.visible(&principal, now)
            .iter()
            .filter_map(|id| e.node(id))
            .map(|n| ViewNode { id: n.id.to_string(), parent: n.parent.as_ref().map(ToString::to_string), kind: n.kind.as_str().into(), title: n.title.clone() })
            .collect::<Vec<_>>()
    });
    Ok(Json(nodes))
}
