//! Deterministic generated worlds, for the random corpus, the property tests'
//! large cases and the benchmark.

use serde::{Deserialize, Serialize};

use super::rng::SplitMix64;
use crate::access::expr::{Condition, Value};
use crate::access::grant::{Grant, Subject};
use crate::access::ids::{GrantId, LinkId, NodeId, OrgId, RoleName, TokenId, UserId};
use crate::access::level::{Action, Level};
use crate::access::principal::{
    OrgMembership, Principal, RoleMembership, TokenPrincipal, UserPrincipal,
};
use crate::access::token::{Category, Scope, ScopeOp, TokenScopes};
use crate::access::tree::{Node, NodeKind};
use crate::time::Timestamp;

/// How big a generated world is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldSize {
    /// Portfolios (roots).
    pub portfolios: usize,
    /// Nodes in total, roots included.
    pub nodes: usize,
    /// Users.
    pub users: usize,
    /// Organisations.
    pub orgs: usize,
    /// Grants.
    pub grants: usize,
    /// Instants are drawn from `0..horizon` milliseconds.
    pub horizon: i64,
    /// Nodes in the first portfolio, `p0` (owned by `u0`, who owns no other);
    /// 0 = split evenly.
    pub large_portfolio: usize,
}

impl WorldSize {
    /// The benchmark's world: 10,000 nodes in 20 portfolios, 1,000 users in 20
    /// organisations, 2,000 grants.
    pub const BENCH: WorldSize = WorldSize {
        portfolios: 20,
        nodes: 10_000,
        users: 1_000,
        orgs: 20,
        grants: 2_000,
        horizon: 1_000_000,
        large_portfolio: 1_000,
    };
    /// The random corpus's world: small enough to check against the reference.
    pub const CORPUS: WorldSize = WorldSize {
        portfolios: 6,
        nodes: 400,
        users: 40,
        orgs: 5,
        grants: 240,
        horizon: 1_000,
        large_portfolio: 0,
    };
}

/// A generated world: the tree, the grants, and principals to ask about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratedWorld {
    /// Nodes, parents first.
    pub nodes: Vec<Node>,
    /// Grants.
    pub grants: Vec<Grant>,
    /// Users (with roles and memberships), then links, tokens and the anonymous visitor.
    pub principals: Vec<Principal>,
}

const ROLES: [&str; 5] = ["teacher", "peer", "supervisor", "assessor", "external"];
const ORG_ROLES: [&str; 2] = ["staff", "student"];

/// Generates a world from a seed.
pub fn generate_world(seed: u64, size: &WorldSize) -> GeneratedWorld {
    let mut rng = SplitMix64::new(seed);
    let t = |rng: &mut SplitMix64| Timestamp(rng.below(size.horizon.max(1) as u64) as i64);
    let portfolios = size.portfolios.max(1);
    let mut nodes = Vec::with_capacity(size.nodes);
    let mut roots = Vec::new();
    let large = size.large_portfolio.min(size.nodes);
    let per = if large > 0 && portfolios > 1 {
        ((size.nodes - large) / (portfolios - 1)).max(1)
    } else {
        (size.nodes / portfolios).max(1)
    };
    for p in 0..portfolios {
        let root = NodeId(format!("p{p}"));
        let owner = if large > 0 {
            UserId(if p == 0 {
                "u0".to_owned()
            } else {
                format!("u{}", 1 + rng.index(size.users.max(2) - 1))
            })
        } else {
            UserId(format!("u{}", rng.index(size.users.max(1))))
        };
        nodes.push(Node::portfolio(root.clone(), owner).with_title(format!("Portfolio {p}")));
        roots.push(root.clone());
        // Every portfolio gets `per` nodes (its root included); the last takes the rest.
        let target = if p == 0 && large > 0 {
            large
        } else if p + 1 == portfolios {
            (size.nodes + 1).saturating_sub(nodes.len()).max(1)
        } else {
            per
        };
        let mut collections: Vec<NodeId> = Vec::new();
        let mut holders: Vec<NodeId> = Vec::new(); // pages and sections
        let mut made = 1;
        let mut k = 0;
        while made < target {
            let id = NodeId(format!("p{p}n{k}"));
            k += 1;
            let (kind, parent) =
                if collections.is_empty() || (made < target / 20 + 1 && rng.chance(50)) {
                    (NodeKind::Collection, root.clone())
                } else if holders.is_empty() || rng.chance(20) {
                    (
                        NodeKind::Page,
                        collections[rng.index(collections.len())].clone(),
                    )
                } else {
                    let parent: NodeId = holders[rng.index(holders.len())].clone();
                    (
                        if rng.chance(35) {
                            NodeKind::Section
                        } else {
                            NodeKind::Resource
                        },
                        parent,
                    )
                };
            let mut node = Node::child(id.clone(), kind, parent);
            if kind == NodeKind::Page {
                if rng.chance(30) {
                    node.state.submitted = Some(t(&mut rng));
                }
                if rng.chance(30) {
                    let grade = if rng.chance(50) { "A" } else { "draft" };
                    node.state
                        .fields
                        .insert("grade".into(), Value::Str(grade.into()));
                }
            }
            match kind {
                NodeKind::Collection => collections.push(id),
                NodeKind::Page | NodeKind::Section => holders.push(id),
                _ => {}
            }
            nodes.push(node);
            made += 1;
        }
    }

    let users: Vec<Principal> = (0..size.users)
        .map(|u| {
            let roles = (0..rng.below(4))
                .map(|_| RoleMembership {
                    portfolio: roots[rng.index(roots.len())].clone(),
                    role: RoleName::from(ROLES[rng.index(ROLES.len())]),
                    until: if rng.chance(10) {
                        Some(t(&mut rng))
                    } else {
                        None
                    },
                })
                .collect();
            let orgs = if size.orgs > 0 && rng.chance(80) {
                vec![OrgMembership {
                    org: OrgId(format!("o{}", rng.index(size.orgs))),
                    role: if rng.chance(70) {
                        Some(RoleName::from(ORG_ROLES[rng.index(2)]))
                    } else {
                        None
                    },
                }]
            } else {
                Vec::new()
            };
            Principal::User(UserPrincipal {
                id: UserId(format!("u{u}")),
                roles,
                orgs,
            })
        })
        .collect();

    let conditions = [
        "submitted == 'Y'",
        "submitted != 'Y'",
        "grade == 'A' || submitted == 'Y'",
        "!(kind == 'page') && grade != 'draft'",
    ];
    let conditions: Vec<Condition> = conditions
        .iter()
        .map(|c| Condition::parse(c).expect("generator conditions parse"))
        .collect();
    let links = 3.max(size.users / 50);
    let tokens = 3.max(size.users / 50);
    let mut grants = Vec::with_capacity(size.grants);
    for g in 0..size.grants {
        let node = nodes[rng.index(nodes.len())].id.clone();
        let roll = rng.below(100);
        let subject = if roll < 40 {
            Subject::User {
                id: UserId(format!("u{}", rng.index(size.users.max(1)))),
            }
        } else if roll < 70 {
            Subject::Role {
                role: RoleName::from(ROLES[rng.index(ROLES.len())]),
            }
        } else if roll < 90 && size.orgs > 0 {
            Subject::Org {
                org: OrgId(format!("o{}", rng.index(size.orgs))),
                role: if rng.chance(50) {
                    Some(RoleName::from(ORG_ROLES[rng.index(2)]))
                } else {
                    None
                },
            }
        } else if roll < 95 {
            Subject::Link {
                id: LinkId(format!("l{}", rng.index(links))),
            }
        } else if roll < 98 {
            Subject::Token {
                id: TokenId(format!("t{}", rng.index(tokens))),
            }
        } else {
            Subject::Public
        };
        let level = Level::ALL[rng.index(5)];
        let mut grant = Grant::new(g as u64 + 1, node, subject, level);
        if rng.chance(25) {
            grant.end = Some(t(&mut rng));
        }
        if rng.chance(10) {
            grant.start = Some(t(&mut rng));
        }
        if rng.chance(10) {
            grant.condition = Some(conditions[rng.index(conditions.len())].clone());
        }
        grant.may_share = rng.chance(20);
        grant.hide_feedback = rng.chance(15);
        grants.push(grant);
    }

    let mut principals = users.clone();
    for l in 0..links {
        principals.push(Principal::Link {
            id: LinkId(format!("l{l}")),
        });
    }
    let scopes = [Scope::None, Scope::Own, Scope::Related, Scope::All];
    for k in 0..tokens {
        let mut s = TokenScopes::none()
            .with(Category::Portfolios, ScopeOp::View, scopes[rng.index(4)])
            .with(Category::Portfolios, ScopeOp::Edit, scopes[rng.index(3)])
            .with(Category::Feedback, ScopeOp::View, scopes[rng.index(4)]);
        if rng.chance(50) {
            s = s.expiring(t(&mut rng));
        }
        let user = match &users.get(rng.index(users.len().max(1))) {
            Some(Principal::User(u)) if rng.chance(80) => Some(u.clone()),
            _ => None,
        };
        principals.push(Principal::Token(TokenPrincipal {
            id: TokenId(format!("t{k}")),
            user,
            scopes: s,
        }));
    }
    principals.push(Principal::Anonymous);
    GeneratedWorld {
        nodes,
        grants,
        principals,
    }
}

/// One generated question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Index into [`GeneratedWorld::principals`].
    pub principal: usize,
    /// What they try.
    pub action: Action,
    /// Where.
    pub node: NodeId,
    /// When.
    pub now: Timestamp,
}

/// `n` questions about a world, deterministic in `seed`.
pub fn generate_questions(
    seed: u64,
    world: &GeneratedWorld,
    horizon: i64,
    n: usize,
) -> Vec<Question> {
    let mut rng = SplitMix64::new(seed ^ 0x005E_ED0F_C0DE);
    (0..n)
        .map(|_| Question {
            principal: rng.index(world.principals.len()),
            action: Action::ALL[rng.index(Action::ALL.len())],
            node: world.nodes[rng.index(world.nodes.len())].id.clone(),
            now: Timestamp(rng.below(horizon.max(1) as u64) as i64),
        })
        .collect()
}

/// Unused-grant-id helper kept for callers that extend generated worlds.
pub fn next_grant_id(world: &GeneratedWorld) -> GrantId {
    GrantId(world.grants.iter().map(|g| g.id.0).max().unwrap_or(0) + 1)
}
