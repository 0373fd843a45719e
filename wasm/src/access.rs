//! The access engine in the browser: a policy engine loaded from the server's
//! snapshot, share-spec parsing and (feature `testing`) corpus runs. Conversion
//! only; the core decides.

#[cfg(feature = "testing")]
use folio_core::access::corpus;
use folio_core::access::share::{Recipient, ShareSpec, Validity};
use folio_core::access::{Action, Engine, FeedbackEntry, NodeId, PolicySnapshot, Principal};
use folio_core::time::Timestamp;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::answer::{Answer, Failure, from_js, to_js};

#[cfg(feature = "testing")]
/// Runs one decision-corpus fixture (the JSON text of a file in
/// `core/fixtures/access/`) and returns `Answer<CorpusReport>`.
#[wasm_bindgen(js_name = runCorpus, unchecked_return_type = "Answer<any>")]
pub fn run_corpus(fixture_json: &str) -> JsValue {
    Answer::from_result("corpus", corpus::run(fixture_json)).into_js()
}

/// The summary of a generated parity run: the same seed gives the same digest
/// natively and in WebAssembly.
#[cfg(feature = "testing")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParityRun {
    seed: u32,
    cases: usize,
    allowed: usize,
    /// FNV-1a over every decision, as 16 hex digits.
    digest: String,
}

#[cfg(feature = "testing")]
/// Answers `n` generated questions over the world generated from `seed` and
/// returns `{ seed, cases, allowed, digest }`.
#[wasm_bindgen(js_name = randomCases, unchecked_return_type = "{ seed: number; cases: number; allowed: number; digest: string }")]
pub fn random_cases(seed: u32, n: u32) -> JsValue {
    let report = corpus::random_cases(u64::from(seed), n as usize);
    to_js(&ParityRun {
        seed,
        cases: report.decisions.len(),
        allowed: report.decisions.iter().filter(|d| d.allowed).count(),
        digest: format!("{:016x}", report.digest),
    })
}

fn action(text: &str) -> Option<Action> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

fn bad_action(text: &str) -> Answer<()> {
    Answer::Failure {
        error: Failure {
            kind: "action",
            message: format!(
                "unknown action `{text}`: use read, comment, write, create_child, delete, share or manage"
            ),
        },
    }
}

/// The engine the browser asks what the signed-in person may do. It is loaded
/// from the policy snapshot the server sends and replaced by every newer one;
/// its answers are advisory (the server decides), and identical to the server's
/// for everything the snapshot covers.
#[wasm_bindgen]
pub struct PolicyEngine {
    engine: Engine,
    principal: Principal,
    revision: Option<u64>,
}

impl Default for PolicyEngine {
    fn default() -> Self {
        PolicyEngine { engine: Engine::new(), principal: Principal::Anonymous, revision: None }
    }
}

#[wasm_bindgen]
impl PolicyEngine {
    /// An empty engine: denies everything until a snapshot is loaded.
    #[wasm_bindgen(constructor)]
    pub fn new() -> PolicyEngine {
        PolicyEngine::default()
    }

    /// Loads a policy snapshot (a plain object). Older revisions than the one
    /// loaded are refused, so a late message cannot roll access back.
    /// Returns `Answer<{ revision }>`.
    #[wasm_bindgen(unchecked_return_type = "Answer<{ revision: number }>")]
    pub fn load(&mut self, snapshot: JsValue) -> JsValue {
        let snapshot: PolicySnapshot = match from_js("snapshot", snapshot) {
            Ok(s) => s,
            Err(failure) => return failure.into_js(),
        };
        if self.revision.is_some_and(|r| snapshot.revision < r) {
            return Answer::<()>::Failure {
                error: Failure {
                    kind: "stale_snapshot",
                    message: format!("snapshot revision `{}` is older than the loaded one", snapshot.revision),
                },
            }
            .into_js();
        }
        match Engine::from_snapshot(&snapshot) {
            Ok(engine) => {
                self.engine = engine;
                self.principal = snapshot.principal.clone();
                self.revision = Some(snapshot.revision);
                #[derive(Serialize)]
                struct Loaded {
                    revision: u64,
                }
                Answer::Success { value: Loaded { revision: snapshot.revision } }.into_js()
            }
            Err(e) => Answer::<()>::from_result("snapshot", Err(e)).into_js(),
        }
    }

    /// May the signed-in person do `action` on `node` at `now` (ms since the epoch)?
    /// An unknown action is denied; `explain` says why.
    pub fn can(&self, action_name: &str, node: &str, now: f64) -> bool {
        action(action_name).is_some_and(|a| self.engine.check(&self.principal, a, &NodeId::from(node), ts(now)))
    }

    /// May the person move page `node` into collection `collection` at `now`
    /// (`Engine::may_move`: Remove on the page where it is, Write on the
    /// target, a collection of the same portfolio that is not its own)?
    #[wasm_bindgen(js_name = mayMove)]
    pub fn may_move(&self, node: &str, collection: &str, now: f64) -> bool {
        self.engine.may_move(&self.principal, &NodeId::from(node), &NodeId::from(collection), ts(now))
    }

    /// Why moving page `node` into `collection` at `now` is refused
    /// (`unknown_node`, `not_a_page`, `not_a_collection`, `other_portfolio`,
    /// `same_collection`, `forbidden`), or `undefined` when it is allowed.
    #[wasm_bindgen(js_name = moveRefusal, unchecked_return_type = "'unknown_node' | 'not_a_page' | 'not_a_collection' | 'other_portfolio' | 'same_collection' | 'forbidden' | undefined")]
    pub fn move_refusal(&self, node: &str, collection: &str, now: f64) -> JsValue {
        match self.engine.move_check(&self.principal, &NodeId::from(node), &NodeId::from(collection), ts(now)) {
            Ok(()) => JsValue::UNDEFINED,
            Err(r) => to_js(&r),
        }
    }

    /// The effective level on `node` at `now`: `"read"` … `"manage"`, or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "string | undefined")]
    pub fn level(&self, node: &str, now: f64) -> JsValue {
        match self.engine.level(&self.principal, &NodeId::from(node), ts(now)) {
            Some(level) => to_js(&level),
            None => JsValue::UNDEFINED,
        }
    }

    /// Why `action` on `node` is allowed or denied: `Answer<Explanation>`, with a
    /// `text` field in plain words.
    #[wasm_bindgen(unchecked_return_type = "Answer<any>")]
    pub fn explain(&self, action_name: &str, node: &str, now: f64) -> JsValue {
        let Some(a) = action(action_name) else { return bad_action(action_name).into_js() };
        let explanation = self.engine.explain(&self.principal, a, &NodeId::from(node), ts(now));
        #[derive(Serialize)]
        struct Explained<'a> {
            text: String,
            #[serde(flatten)]
            explanation: &'a folio_core::access::Explanation,
        }
        Answer::Success { value: Explained { text: explanation.to_string(), explanation: &explanation } }.into_js()
    }

    /// The ids of every node the person may read at `now`.
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn visible(&self, now: f64) -> JsValue {
        to_js(&self.engine.visible(&self.principal, ts(now)))
    }

    /// May the person see a feedback entry `{ author, thread_starter }` on `node`
    /// (the hide-feedback rule)? Returns `Answer<boolean>`.
    #[wasm_bindgen(js_name = feedbackVisible, unchecked_return_type = "Answer<boolean>")]
    pub fn feedback_visible(&self, node: &str, entry: JsValue, now: f64) -> JsValue {
        let entry: FeedbackEntry = match from_js("feedback_entry", entry) {
            Ok(e) => e,
            Err(failure) => return failure.into_js(),
        };
        let visible = self.engine.feedback_visible(&self.principal, &NodeId::from(node), &entry, ts(now));
        Answer::Success { value: visible }.into_js()
    }

    /// The revision of the loaded snapshot, if any.
    #[wasm_bindgen(getter)]
    pub fn revision(&self) -> Option<f64> {
        self.revision.map(|r| r as f64)
    }
}

fn ts(now: f64) -> Timestamp {
    Timestamp(now as i64)
}

/// A share spec as the sharing UI shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShareView {
    sharer_role: String,
    recipient_role: String,
    recipients: Vec<Recipient>,
    /// 0–4.
    level: u8,
    /// `null` when unlimited.
    validity_hours: Option<u32>,
    labels: Vec<folio_core::access::share::Label>,
    condition: Option<String>,
    /// Whether the sharer must type an email (`?`).
    asks_for_email: bool,
}

/// Parses a share spec (Karuta format). Returns `Answer<{ shares, canonical }>`;
/// a failure names the field and column.
#[wasm_bindgen(js_name = parseShareSpec, unchecked_return_type = "Answer<{ shares: any[]; canonical: string }>")]
pub fn parse_share_spec(text: &str) -> JsValue {
    #[derive(Serialize)]
    struct Parsed {
        shares: Vec<ShareView>,
        canonical: String,
    }
    let parsed = text.parse::<ShareSpec>().map(|spec| Parsed {
        canonical: spec.to_string(),
        shares: spec
            .shares
            .iter()
            .map(|s| ShareView {
                sharer_role: s.sharer_role.to_string(),
                recipient_role: s.recipient_role.to_string(),
                recipients: s.recipients.clone(),
                level: s.level.digit(),
                validity_hours: match s.validity {
                    Validity::Hours(h) => Some(h),
                    Validity::Unlimited => None,
                },
                labels: s.labels.clone(),
                condition: s.condition.as_ref().map(|c| c.to_string()),
                asks_for_email: s.recipients.contains(&Recipient::Ask),
            })
            .collect(),
    });
    Answer::from_result("share_spec", parsed).into_js()
}
