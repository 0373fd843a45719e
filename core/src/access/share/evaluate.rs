//! Pressing a button: who may, and what it produces.

use serde::{Deserialize, Serialize};

use super::spec::{Recipient, Share, ShareLevel, ShareSpec};
use crate::access::engine::Engine;
use crate::access::grant::{Grant, Subject};
use crate::access::ids::{GrantId, LinkId, NodeId, RoleName};
use crate::access::level::Level;
use crate::access::principal::{Principal, RoleMembership, UserPrincipal};
use crate::time::Timestamp;

/// What the sharer supplies when pressing the button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    /// Addresses typed for `?` recipients.
    #[serde(default)]
    pub typed_emails: Vec<String>,
    /// A fresh, random link handle chosen by the caller (the core has no randomness).
    pub link: LinkId,
    /// The id for the grant a public link creates.
    pub grant_id: GrantId,
}

/// What pressing a share button produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareOutcome {
    /// The node shared.
    pub node: NodeId,
    /// Its portfolio.
    pub portfolio: NodeId,
    /// The role recipients get or must hold.
    pub recipient_role: RoleName,
    /// Who receives the link (`?` replaced by the typed addresses).
    pub recipients: Vec<Recipient>,
    /// How the recipient gets in.
    pub level: ShareLevel,
    /// The link handle to send.
    pub link: LinkId,
    /// When the link stops working.
    pub link_expires: Option<Timestamp>,
    /// What changes in the access model.
    pub effect: ShareEffect,
}

/// The change to access a share makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareEffect {
    /// Nothing: the recipient already holds the role (levels 0 and 1).
    None,
    /// Give recipients the role in the portfolio until the link ends (levels 2 and 3).
    AssignRole {
        /// The role membership to create for each recipient.
        membership: RoleMembership,
    },
    /// A read-only grant to the link (level 4).
    Grant {
        /// The grant to store.
        grant: Grant,
    },
}

/// Why a share button is not available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareDenied {
    /// The node does not exist.
    #[error("node `{0}` does not exist")]
    UnknownNode(NodeId),
    /// The principal does not hold the sharer role.
    #[error("this button is for role `{0}`, which you do not hold here")]
    NotSharerRole(RoleName),
    /// The spec's condition does not hold on the node.
    #[error("this button is shown only while `{0}`")]
    ConditionFailed(String),
    /// The principal may not pass access on here (or their access ended).
    #[error("you may not share this: sharing needs manage, or access that may be passed on")]
    MayNotShare,
    /// The role would give more than the sharer holds.
    #[error("role `{role}` would get {role_level} here, more than your {own}")]
    AboveOwnLevel {
        /// The recipient role.
        role: RoleName,
        /// What it would get.
        role_level: Level,
        /// What the sharer has.
        own: Level,
    },
    /// `?` recipients but no typed address.
    #[error("type the recipient's email address: this button asks for one")]
    NoRecipient,
}

impl Share {
    /// May `principal` use this button on `node` at `now`, and what does it produce?
    pub fn evaluate(
        &self,
        engine: &Engine,
        principal: &Principal,
        node: &NodeId,
        now: Timestamp,
        request: &ShareRequest,
    ) -> Result<ShareOutcome, ShareDenied> {
        let n = engine
            .node(node)
            .ok_or_else(|| ShareDenied::UnknownNode(node.clone()))?;
        let portfolio = engine
            .portfolio_of(node)
            .cloned()
            .ok_or_else(|| ShareDenied::UnknownNode(node.clone()))?;
        let owner = engine.node(&portfolio).and_then(|p| p.owner.as_ref());
        let holds_role = match principal {
            Principal::User(u) => {
                self.sharer_role.as_str() == "all"
                    || (self.sharer_role.is_owner_role() && owner == Some(&u.id))
                    || u.roles.iter().any(|m| {
                        m.portfolio == portfolio && m.role == self.sharer_role && m.held_at(now)
                    })
            }
            _ => false,
        };
        if !holds_role {
            return Err(ShareDenied::NotSharerRole(self.sharer_role.clone()));
        }
        if let Some(c) = &self.condition
            && !c.holds(n.kind, &n.state)
        {
            return Err(ShareDenied::ConditionFailed(c.as_str().to_owned()));
        }
        let access = engine.access(principal, node, now);
        let own = match access.level {
            Some(l) if l >= Level::Manage || access.may_share => l,
            _ => return Err(ShareDenied::MayNotShare),
        };
        let until = self.validity.end(now);
        if matches!(
            self.level,
            ShareLevel::LinkAccount | ShareLevel::GuestAccount
        ) {
            let holder = Principal::User(UserPrincipal {
                id: "\u{0}role-holder".into(),
                roles: vec![RoleMembership {
                    portfolio: portfolio.clone(),
                    role: self.recipient_role.clone(),
                    until: None,
                }],
                orgs: Vec::new(),
            });
            if let Some(role_level) = engine.level(&holder, node, now)
                && role_level > own
            {
                return Err(ShareDenied::AboveOwnLevel {
                    role: self.recipient_role.clone(),
                    role_level,
                    own,
                });
            }
        }
        let mut recipients = Vec::new();
        for r in &self.recipients {
            match r {
                Recipient::Ask => {
                    recipients.extend(request.typed_emails.iter().cloned().map(Recipient::Email))
                }
                other => recipients.push(other.clone()),
            }
        }
        if recipients.is_empty() && self.level != ShareLevel::Public {
            return Err(ShareDenied::NoRecipient);
        }
        let effect = match self.level {
            ShareLevel::LoginWithRole | ShareLevel::DirectLogin => ShareEffect::None,
            ShareLevel::LinkAccount | ShareLevel::GuestAccount => ShareEffect::AssignRole {
                membership: RoleMembership {
                    portfolio: portfolio.clone(),
                    role: self.recipient_role.clone(),
                    until,
                },
            },
            ShareLevel::Public => ShareEffect::Grant {
                grant: Grant::new(
                    request.grant_id.0,
                    node.clone(),
                    Subject::Link {
                        id: request.link.clone(),
                    },
                    Level::Read,
                )
                .between(None, until),
            },
        };
        Ok(ShareOutcome {
            node: node.clone(),
            portfolio,
            recipient_role: self.recipient_role.clone(),
            recipients,
            level: self.level,
            link: request.link.clone(),
            link_expires: until,
            effect,
        })
    }
}

impl ShareSpec {
    /// The indexes of the buttons `principal` may use on `node` at `now`.
    pub fn available(
        &self,
        engine: &Engine,
        principal: &Principal,
        node: &NodeId,
        now: Timestamp,
    ) -> Vec<usize> {
        let probe = ShareRequest {
            typed_emails: vec!["probe@example.invalid".into()],
            link: LinkId::from("probe"),
            grant_id: GrantId(0),
        };
        (0..self.shares.len())
            .filter(|&i| {
                self.shares[i]
                    .evaluate(engine, principal, node, now, &probe)
                    .is_ok()
            })
            .collect()
    }
}
