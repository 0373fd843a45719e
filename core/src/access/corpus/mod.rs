//! The decision corpus: access decisions as data, run identically natively and
//! in WebAssembly.
//!
//! # Fixture format
//!
//! A fixture (see `core/fixtures/access/*.json`) is one JSON object:
//!
//! ```json
//! {
//!   "name": "karuta share use-cases",
//!   "description": "optional prose",
//!   "nodes":  [ { "id": "p", "kind": "portfolio", "owner": "olga" },
//!               { "id": "c", "kind": "collection", "parent": "p", "state": { "submitted": 5 } } ],
//!   "grants": [ { "id": 1, "node": "c", "subject": { "type": "role", "role": "teacher" },
//!                 "level": "comment", "end": 1000, "condition": "submitted == 'Y'" } ],
//!   "changes": [ { "op": "set_grant", "grant": { … }, "overwrite": true },
//!                { "op": "revoke", "grant": 1 },
//!                { "op": "move", "node": "c", "parent": "p2" } ],
//!   "principals": { "tom": { "type": "user", "id": "tom",
//!                            "roles": [ { "portfolio": "p", "role": "teacher" } ] } },
//!   "cases": [ { "name": "the teacher may comment once submitted",
//!                "principal": "tom", "action": "comment", "node": "c", "now": 10,
//!                "allowed": true, "level": "comment" } ]
//! }
//! ```
//!
//! `changes` (optional) are applied in order after the nodes and grants are
//! loaded. In a case, `level` is optional; `"none"` expects no access.
//! [`run`] answers every case and reports each decision next to its
//! expectation; the wasm binding exposes it in one line so Node and Chromium
//! run the very same files.
//!
//! # Generated corpus
//!
//! [`random_cases`] builds a world from a seed with [`generate_world`] (a
//! [`SplitMix64`] PRNG, no OS randomness) and answers `n` generated questions.
//! Run natively and in wasm with the same seed, the reports (and their
//! [`RandomReport::digest`]) must be equal.
//!
//! ```
//! let a = folio_core::access::corpus::random_cases(7, 200);
//! let b = folio_core::access::corpus::random_cases(7, 200);
//! assert_eq!(a.digest, b.digest);
//! assert_eq!(a.decisions.len(), 200);
//! ```

mod generate;
mod rng;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use generate::{
    GeneratedWorld, Question, WorldSize, generate_questions, generate_world, next_grant_id,
};
pub use rng::SplitMix64;

use super::engine::{Engine, EngineError};
use super::grant::Grant;
use super::ids::{GrantId, NodeId};
use super::level::{Action, Level};
use super::principal::Principal;
use super::tree::{Node, NodeState};
use crate::time::Timestamp;

/// A fixture file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    /// A short name.
    pub name: String,
    /// Prose about what the fixture pins.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The tree, parents first.
    pub nodes: Vec<Node>,
    /// The grants.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Changes applied after loading, in order.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Named principals.
    pub principals: BTreeMap<String, Principal>,
    /// The decisions to make.
    pub cases: Vec<Case>,
}

/// A change applied to a fixture's world before its cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// [`Engine::set_grant`].
    SetGrant {
        /// The new grant.
        grant: Grant,
        /// Replace the subject's grants below.
        #[serde(default)]
        overwrite: bool,
    },
    /// [`Engine::add_grant`].
    AddGrant {
        /// The grant.
        grant: Grant,
    },
    /// [`Engine::remove_grant`].
    Revoke {
        /// The grant.
        grant: GrantId,
    },
    /// [`Engine::add_node`].
    AddNode {
        /// The node.
        node: Node,
    },
    /// [`Engine::move_node`].
    Move {
        /// The node.
        node: NodeId,
        /// Its new parent.
        parent: NodeId,
    },
    /// [`Engine::remove_subtree`].
    RemoveSubtree {
        /// The node.
        node: NodeId,
    },
    /// [`Engine::set_state`].
    SetState {
        /// The node.
        node: NodeId,
        /// Its new state.
        state: NodeState,
    },
}

impl Change {
    /// Applies the change.
    pub fn apply(&self, engine: &mut Engine) -> Result<(), EngineError> {
        match self {
            Change::SetGrant { grant, overwrite } => {
                engine.set_grant(grant.clone(), *overwrite).map(drop)
            }
            Change::AddGrant { grant } => engine.add_grant(grant.clone()),
            Change::Revoke { grant } => engine.remove_grant(*grant).map(drop),
            Change::AddNode { node } => engine.add_node(node.clone()),
            Change::Move { node, parent } => engine.move_node(node, parent),
            Change::RemoveSubtree { node } => engine.remove_subtree(node).map(drop),
            Change::SetState { node, state } => engine.set_state(node, state.clone()),
        }
    }
}

/// One decision to make, with its expected answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// A sentence saying what the case pins.
    pub name: String,
    /// A key of [`Fixture::principals`].
    pub principal: String,
    /// What they try.
    pub action: Action,
    /// Where.
    pub node: NodeId,
    /// When.
    pub now: Timestamp,
    /// The expected decision.
    pub allowed: bool,
    /// The expected level (`"none"` = no access); not checked when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

/// One decision made by [`run`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The case's name.
    pub name: String,
    /// The decision.
    pub allowed: bool,
    /// The effective level.
    pub level: Option<Level>,
    /// What the fixture expected.
    pub expected_allowed: bool,
    /// The expected level, when the fixture says.
    pub expected_level: Option<Option<Level>>,
    /// Whether the decision matches the expectation.
    pub pass: bool,
    /// The explanation, in words.
    pub explanation: String,
}

/// Everything [`run`] decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorpusReport {
    /// The fixture's name.
    pub name: String,
    /// One decision per case, in order.
    pub decisions: Vec<Decision>,
    /// How many decisions did not match their expectation.
    pub failures: usize,
}

/// Why a fixture could not be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorpusError {
    /// The JSON does not describe a fixture.
    #[error("fixture is not valid: {0}")]
    Json(String),
    /// The world could not be built or changed.
    #[error("fixture world is inconsistent: {0}")]
    World(#[from] EngineError),
    /// A case names a principal the fixture does not define.
    #[error("case `{case}` names principal `{principal}`, which `principals` does not define")]
    UnknownPrincipal {
        /// The case.
        case: String,
        /// The name.
        principal: String,
    },
    /// A case's `level` is not a level.
    #[error(
        "case `{case}` expects level `{level}`: use none, read, comment, write, remove or manage"
    )]
    BadLevel {
        /// The case.
        case: String,
        /// The text.
        level: String,
    },
}

/// Loads a fixture's world: nodes, grants, then changes.
pub fn load(fixture: &Fixture) -> Result<Engine, CorpusError> {
    let mut engine = Engine::build(
        fixture.nodes.iter().cloned(),
        fixture.grants.iter().cloned(),
    )?;
    for c in &fixture.changes {
        c.apply(&mut engine)?;
    }
    Ok(engine)
}

/// Runs a fixture given as JSON text and returns every decision.
pub fn run(json: &str) -> Result<CorpusReport, CorpusError> {
    let fixture: Fixture =
        serde_json::from_str(json).map_err(|e| CorpusError::Json(e.to_string()))?;
    run_fixture(&fixture)
}

/// Runs a parsed fixture.
pub fn run_fixture(fixture: &Fixture) -> Result<CorpusReport, CorpusError> {
    let engine = load(fixture)?;
    let mut decisions = Vec::with_capacity(fixture.cases.len());
    for case in &fixture.cases {
        let p = fixture.principals.get(&case.principal).ok_or_else(|| {
            CorpusError::UnknownPrincipal {
                case: case.name.clone(),
                principal: case.principal.clone(),
            }
        })?;
        let expected_level = match case.level.as_deref() {
            None => None,
            Some("none") => Some(None),
            Some(l) => Some(Some(l.parse::<Level>().map_err(|_| {
                CorpusError::BadLevel {
                    case: case.name.clone(),
                    level: l.to_owned(),
                }
            })?)),
        };
        let ex = engine.explain(p, case.action, &case.node, case.now);
        let pass = ex.allowed == case.allowed && expected_level.is_none_or(|l| l == ex.level);
        decisions.push(Decision {
            name: case.name.clone(),
            allowed: ex.allowed,
            level: ex.level,
            expected_allowed: case.allowed,
            expected_level,
            pass,
            explanation: ex.to_string(),
        });
    }
    let failures = decisions.iter().filter(|d| !d.pass).count();
    Ok(CorpusReport {
        name: fixture.name.clone(),
        decisions,
        failures,
    })
}

/// One generated decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomDecision {
    /// The question.
    pub question: Question,
    /// The decision.
    pub allowed: bool,
    /// The effective level.
    pub level: Option<Level>,
}

/// Everything [`random_cases`] decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomReport {
    /// The seed.
    pub seed: u64,
    /// One decision per question.
    pub decisions: Vec<RandomDecision>,
    /// FNV-1a over every decision, for a quick equality check across platforms.
    pub digest: u64,
}

/// Builds the world for `seed` ([`WorldSize::CORPUS`]) and answers `n` generated
/// questions with the engine.
pub fn random_cases(seed: u64, n: usize) -> RandomReport {
    let world = generate_world(seed, &WorldSize::CORPUS);
    let engine = Engine::build(world.nodes.iter().cloned(), world.grants.iter().cloned())
        .expect("generated worlds are consistent");
    let questions = generate_questions(seed, &world, WorldSize::CORPUS.horizon, n);
    let mut digest = Fnv::new();
    let decisions: Vec<RandomDecision> = questions
        .into_iter()
        .map(|q| {
            let p = &world.principals[q.principal];
            let access = engine.access(p, &q.node, q.now);
            let kind = engine
                .node(&q.node)
                .map(|n| n.kind)
                .expect("questions name existing nodes");
            let allowed = access.permits(q.action, kind);
            digest.write(&(q.principal as u64).to_le_bytes());
            digest.write(q.action.as_str().as_bytes());
            digest.write(q.node.as_str().as_bytes());
            digest.write(&q.now.0.to_le_bytes());
            digest.write(&[allowed as u8, access.level.map_or(0, |l| l as u8 + 1)]);
            RandomDecision {
                question: q,
                allowed,
                level: access.level,
            }
        })
        .collect();
    RandomReport {
        seed,
        decisions,
        digest: digest.0,
    }
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
