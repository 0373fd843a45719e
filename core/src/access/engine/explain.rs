//! `explain`: why a decision came out the way it did, in words.
//!
//! An [`Explanation`] lists the [`Reason`]s that decided — ownership, the grants
//! in force that gave the effective level, a token's scope — and, when access
//! was denied, the grants that *would* have allowed it had they not ended, not
//! yet started, or had their condition held. Its `Display` is a short paragraph
//! a person can read; its fields are data the UI can render its own way.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::eval::Kind;
use super::{Engine, NONE};
use crate::access::grant::{Subject, Timing};
use crate::access::ids::{GrantId, NodeId, RoleName};
use crate::access::level::{Action, Level};
use crate::access::principal::Principal;
use crate::access::token::Relation;
use crate::access::tree::NodeKind;
use crate::time::Timestamp;

/// The answer to "why?".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// What was asked.
    pub action: Action,
    /// Where.
    pub node: NodeId,
    /// When.
    pub now: Timestamp,
    /// The level the action needs.
    pub required: Level,
    /// The principal's effective level there and then.
    pub level: Option<Level>,
    /// The decision (equal to [`Engine::check`]).
    pub allowed: bool,
    /// Why, most decisive first.
    pub reasons: Vec<Reason>,
}

/// One reason in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// The node does not exist (or is not in this snapshot).
    UnknownNode,
    /// The principal owns the portfolio.
    Owner {
        /// The portfolio.
        portfolio: NodeId,
    },
    /// A grant in force that gives the effective level.
    Granted {
        /// The grant.
        grant: GrantId,
        /// Its subject.
        subject: Subject,
        /// Its level.
        level: Level,
        /// Where it is attached.
        node: NodeId,
        /// Attached to an ancestor rather than the node itself.
        inherited: bool,
    },
    /// A grant that would have counted but has not started.
    NotStarted {
        /// The grant.
        grant: GrantId,
        /// Its subject.
        subject: Subject,
        /// Its level.
        level: Level,
        /// Where it is attached.
        node: NodeId,
        /// When it starts.
        start: Timestamp,
    },
    /// A grant that would have counted but has ended.
    Ended {
        /// The grant.
        grant: GrantId,
        /// Its subject.
        subject: Subject,
        /// Its level.
        level: Level,
        /// Where it is attached.
        node: NodeId,
        /// When it ended.
        end: Timestamp,
    },
    /// A role grant that would have counted, but the principal's role ended.
    RoleEnded {
        /// The grant.
        grant: GrantId,
        /// The role.
        role: RoleName,
        /// Its level.
        level: Level,
        /// Where it is attached.
        node: NodeId,
    },
    /// A grant that would have counted but its condition does not hold.
    ConditionFailed {
        /// The grant.
        grant: GrantId,
        /// Its subject.
        subject: Subject,
        /// Its level.
        level: Level,
        /// Where it is attached (the condition is evaluated there).
        node: NodeId,
        /// The condition's text.
        condition: String,
    },
    /// An API token's scope gives the level.
    TokenScope {
        /// The node's relation to the token's account.
        relation: Relation,
        /// The level the scope gives.
        level: Level,
    },
    /// The API token has expired.
    TokenExpired {
        /// When.
        at: Timestamp,
    },
    /// Children can only be created in containers.
    NotAContainer {
        /// The node's kind.
        kind: NodeKind,
    },
    /// Sharing needs `manage`, or a grant that allows sharing.
    MayNotShare,
    /// Nothing grants the principal anything here.
    NoGrant,
}

impl Engine {
    /// Why `principal` may or may not do `action` on `node` at `now`.
    ///
    /// `explain(..).allowed == check(..)` always.
    pub fn explain(
        &self,
        principal: &Principal,
        action: Action,
        node: &NodeId,
        now: Timestamp,
    ) -> Explanation {
        let required = action.required_level();
        let mut ex = Explanation {
            action,
            node: node.clone(),
            now,
            required,
            level: None,
            allowed: false,
            reasons: Vec::new(),
        };
        let Some(&i) = self.by_id.get(node) else {
            ex.reasons.push(Reason::UnknownNode);
            return ex;
        };
        let r = self.resolve(principal);
        let access = self.access_slot(&r, i, now);
        let kind = self.slots[i as usize].node.kind;
        ex.level = access.level;
        ex.allowed = access.permits(action, kind);
        let root = self.root_of(i);
        let mut decided = Vec::new();
        let mut missed = Vec::new();

        if r.kind == Kind::Token && r.scopes.expired(now) {
            ex.reasons.push(Reason::TokenExpired {
                at: r.scopes.expires.unwrap_or(now),
            });
            return ex;
        }
        let owner = self.slots[root as usize].owner;
        if r.kind != Kind::Token && r.user != NONE && owner == r.user {
            ex.reasons.push(Reason::Owner {
                portfolio: self.slots[root as usize].node.id.clone(),
            });
            return ex;
        }
        if r.kind == Kind::Token {
            let (relation, user) = self.token_relation(&r, i, root, now);
            if let Some((level, _)) = super::eval::scoped_level(&r.scopes, relation, user, now)
                && Some(level) == access.level
            {
                decided.push(Reason::TokenScope { relation, level });
            }
        }

        let mut cur = i;
        loop {
            let s = &self.slots[cur as usize];
            let mut grants: Vec<u32> = s.grants.clone();
            grants.sort_by_key(|&g| self.grant_slot(g).grant.id);
            for g in grants {
                let gs = self.grant_slot(g);
                // For a token, only grants naming the token itself count directly.
                let direct = if r.kind == Kind::Token {
                    r.matches(gs.key, root, None)
                } else {
                    r.concerns(gs.key, root)
                };
                if !direct {
                    continue;
                }
                let gr = &gs.grant;
                let (grant, subject, level, at) =
                    (gr.id, gr.subject.clone(), gr.level, s.node.id.clone());
                let in_force_time = gr.in_window(now);
                let role_held = r.matches(gs.key, root, Some(now));
                let cond_ok = gr
                    .condition
                    .as_ref()
                    .is_none_or(|c| c.holds(s.node.kind, &s.node.state));
                if in_force_time && role_held && cond_ok {
                    if Some(level) == access.level {
                        decided.push(Reason::Granted {
                            grant,
                            subject,
                            level,
                            node: at,
                            inherited: cur != i,
                        });
                    }
                    continue;
                }
                if ex.allowed || level < required {
                    continue;
                }
                missed.push(match gr.timing(now) {
                    Timing::NotStarted(start) => Reason::NotStarted {
                        grant,
                        subject,
                        level,
                        node: at,
                        start,
                    },
                    Timing::Ended(end) => Reason::Ended {
                        grant,
                        subject,
                        level,
                        node: at,
                        end,
                    },
                    Timing::Current if !role_held => match subject {
                        Subject::Role { role } => Reason::RoleEnded {
                            grant,
                            role,
                            level,
                            node: at,
                        },
                        other => Reason::Ended {
                            grant,
                            subject: other,
                            level,
                            node: at,
                            end: now,
                        },
                    },
                    Timing::Current => Reason::ConditionFailed {
                        grant,
                        subject,
                        level,
                        node: at,
                        condition: gr
                            .condition
                            .as_ref()
                            .map(|c| c.as_str().to_owned())
                            .unwrap_or_default(),
                    },
                });
            }
            if s.parent == NONE {
                break;
            }
            cur = s.parent;
        }
        ex.reasons.extend(decided);
        ex.reasons.extend(missed);
        if !ex.allowed {
            if action == Action::CreateChild && !kind.is_container() {
                ex.reasons.push(Reason::NotAContainer { kind });
            } else if action == Action::Share && access.level.is_some() {
                ex.reasons.push(Reason::MayNotShare);
            }
            if ex.reasons.is_empty() {
                ex.reasons.push(Reason::NoGrant);
            }
        }
        ex
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = |node: &NodeId, inherited: bool| {
            if inherited {
                format!("on `{node}` (inherited by everything inside it)")
            } else {
                format!("on `{node}`")
            }
        };
        match self {
            Reason::UnknownNode => {
                f.write_str("this item does not exist or is not shared with you")
            }
            Reason::Owner { portfolio } => {
                write!(f, "you own the portfolio `{portfolio}`, which gives manage")
            }
            Reason::Granted {
                grant,
                subject,
                level,
                node,
                inherited,
            } => {
                write!(
                    f,
                    "grant {grant} gives {level} to {subject} {}",
                    place(node, *inherited)
                )
            }
            Reason::NotStarted {
                grant,
                subject,
                level,
                node,
                start,
            } => write!(
                f,
                "grant {grant} would give {level} to {subject} on `{node}`, but it only starts at {} ms",
                start.0
            ),
            Reason::Ended {
                grant,
                subject,
                level,
                node,
                end,
            } => {
                write!(
                    f,
                    "grant {grant} gave {level} to {subject} on `{node}`, but it ended at {} ms",
                    end.0
                )
            }
            Reason::RoleEnded {
                grant,
                role,
                level,
                node,
            } => write!(
                f,
                "grant {grant} gives {level} to everyone with role `{role}` on `{node}`, but your role `{role}` has ended"
            ),
            Reason::ConditionFailed {
                grant,
                subject,
                level,
                node,
                condition,
            } => write!(
                f,
                "grant {grant} would give {level} to {subject} on `{node}`, but only while `{condition}`, which does not hold now"
            ),
            Reason::TokenScope { relation, level } => {
                write!(
                    f,
                    "the API token's portfolio scope gives {level} on {relation} portfolios"
                )
            }
            Reason::TokenExpired { at } => write!(f, "the API token expired at {} ms", at.0),
            Reason::NotAContainer { kind } => write!(f, "a {kind} cannot contain anything"),
            Reason::MayNotShare => {
                f.write_str("sharing needs manage, or a grant that allows passing access on")
            }
            Reason::NoGrant => f.write_str("nothing gives you access here"),
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.allowed { "allowed" } else { "denied" };
        let has = self
            .level
            .map_or("no access".to_owned(), |l| format!("{l}"));
        write!(
            f,
            "{verdict}: {} on `{}` needs {}; you have {has}.",
            self.action, self.node, self.required
        )?;
        for r in &self.reasons {
            write!(f, "\n- {r}")?;
        }
        Ok(())
    }
}
