//! API token scopes: what an external system without a login may do.
//!
//! A token has, per [`Category`], a `view` and an `edit` right, each [`Scope`]d
//! `none`, `own`, `related` or `all`, and an optional expiry. Scopes widen in
//! that order: `related` covers `own`, `all` covers everything. `edit` implies
//! `view` for the same scope. [`TokenScopes::allows`] is the check.
//!
//! In the access engine a token's level on a node is the higher of the grants
//! naming the token and what its `portfolios` scope gives: `own` covers the
//! portfolios of the account it acts for, `related` the nodes that account may
//! read (capped at that account's level), `all` every node. `view` gives
//! `Read`, `edit` gives `Write`; deleting and managing need an explicit grant.
//! An expired token gets nothing, not even public access.
//!
//! ```
//! use folio_core::access::{Category, Relation, Scope, ScopeOp, TokenScopes};
//! use folio_core::time::Timestamp;
//! let s = TokenScopes::none().with(Category::Portfolios, ScopeOp::View, Scope::Own);
//! assert!(s.allows(Category::Portfolios, ScopeOp::View, Relation::Own, Timestamp(0)));
//! assert!(!s.allows(Category::Portfolios, ScopeOp::View, Relation::Related, Timestamp(0)));
//! assert!(!s.allows(Category::Portfolios, ScopeOp::Edit, Relation::Own, Timestamp(0)));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::level::Level;
use crate::time::Timestamp;

/// What a token right is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Portfolio content.
    Portfolios,
    /// Feedback and progress evaluations.
    Feedback,
    /// User accounts.
    Users,
    /// API tokens.
    Tokens,
    /// Settings.
    Settings,
    /// Role assignments and grants.
    Roles,
}

/// Reading or changing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeOp {
    /// Read.
    View,
    /// Change (implies view).
    Edit,
}

/// How far a right reaches.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Nothing.
    #[default]
    None,
    /// What the token's account owns.
    Own,
    /// What the token's account owns or has been given access to.
    Related,
    /// Everything.
    All,
}

impl Scope {
    /// Whether this scope reaches an object with this relation to the token's account.
    pub fn covers(self, relation: Relation) -> bool {
        match relation {
            Relation::Own => self >= Scope::Own,
            Relation::Related => self >= Scope::Related,
            Relation::Other => self == Scope::All,
        }
    }
}

/// How an object relates to the account a token acts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The account owns it.
    Own,
    /// The account has been given access to it.
    Related,
    /// Neither.
    Other,
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Relation::Own => "own",
            Relation::Related => "related",
            Relation::Other => "other",
        })
    }
}

/// The `view` and `edit` reach for one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CategoryScope {
    /// How far viewing reaches.
    #[serde(default)]
    pub view: Scope,
    /// How far editing reaches.
    #[serde(default)]
    pub edit: Scope,
}

/// All of a token's rights and its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenScopes {
    /// Portfolio content.
    #[serde(default)]
    pub portfolios: CategoryScope,
    /// Feedback and evaluations.
    #[serde(default)]
    pub feedback: CategoryScope,
    /// User accounts.
    #[serde(default)]
    pub users: CategoryScope,
    /// API tokens.
    #[serde(default)]
    pub tokens: CategoryScope,
    /// Settings.
    #[serde(default)]
    pub settings: CategoryScope,
    /// Roles and grants.
    #[serde(default)]
    pub roles: CategoryScope,
    /// The token stops working at this instant (exclusive); `None` = no expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
}

impl TokenScopes {
    /// No rights, no expiry.
    pub fn none() -> TokenScopes {
        TokenScopes::default()
    }

    /// The same scopes with one right set.
    pub fn with(mut self, category: Category, op: ScopeOp, scope: Scope) -> TokenScopes {
        let c = self.get_mut(category);
        match op {
            ScopeOp::View => c.view = scope,
            ScopeOp::Edit => c.edit = scope,
        }
        self
    }

    /// The same scopes expiring at `at`.
    pub fn expiring(mut self, at: Timestamp) -> TokenScopes {
        self.expires = Some(at);
        self
    }

    /// The rights for one category.
    pub fn get(&self, category: Category) -> CategoryScope {
        match category {
            Category::Portfolios => self.portfolios,
            Category::Feedback => self.feedback,
            Category::Users => self.users,
            Category::Tokens => self.tokens,
            Category::Settings => self.settings,
            Category::Roles => self.roles,
        }
    }

    fn get_mut(&mut self, category: Category) -> &mut CategoryScope {
        match category {
            Category::Portfolios => &mut self.portfolios,
            Category::Feedback => &mut self.feedback,
            Category::Users => &mut self.users,
            Category::Tokens => &mut self.tokens,
            Category::Settings => &mut self.settings,
            Category::Roles => &mut self.roles,
        }
    }

    /// Whether the token has expired at `now`.
    pub fn expired(&self, now: Timestamp) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// The check: may this token `op` an object of `category` with this
    /// `relation` to its account at `now`?
    pub fn allows(
        &self,
        category: Category,
        op: ScopeOp,
        relation: Relation,
        now: Timestamp,
    ) -> bool {
        if self.expired(now) {
            return false;
        }
        let c = self.get(category);
        match op {
            ScopeOp::View => c.view.covers(relation) || c.edit.covers(relation),
            ScopeOp::Edit => c.edit.covers(relation),
        }
    }

    /// The level the `portfolios` scope gives on a node with this relation.
    pub fn portfolio_level(&self, relation: Relation, now: Timestamp) -> Option<Level> {
        if self.allows(Category::Portfolios, ScopeOp::Edit, relation, now) {
            Some(Level::Write)
        } else if self.allows(Category::Portfolios, ScopeOp::View, relation, now) {
            Some(Level::Read)
        } else {
            None
        }
    }
}
