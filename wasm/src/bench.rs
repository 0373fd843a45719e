//! Benchmark-only bindings: the access engine benchmark's generated world
//! (`folio_core::access::corpus::generate_world` with `WorldSize::BENCH`, the
//! same seeds as `core/benches/access.rs`) built inside the module, so
//! `web/bench/wasm-bench.mjs` can time `check` in a browser on exactly the
//! native benchmark's data. Not part of the app's API.

use folio_core::access::corpus::{GeneratedWorld, Question, WorldSize, generate_questions, generate_world};
use folio_core::access::Engine;
use wasm_bindgen::prelude::*;

use crate::answer::to_js;

/// The generated benchmark world, its engine and random questions about it.
#[wasm_bindgen]
pub struct AccessBench {
    world: GeneratedWorld,
    engine: Engine,
    questions: Vec<Question>,
}

#[wasm_bindgen]
impl AccessBench {
    /// Builds the world of `seed` (the native benchmark uses 2024) and
    /// `questions` random questions (seed 7, as natively).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: u32, questions: u32) -> AccessBench {
        let world = generate_world(u64::from(seed), &WorldSize::BENCH);
        // The generator only makes consistent worlds; a failure here is a bug.
        let engine = Engine::build(world.nodes.clone(), world.grants.clone()).expect("a generated world builds");
        let questions = generate_questions(7, &world, WorldSize::BENCH.horizon, questions as usize);
        AccessBench { world, engine, questions }
    }

    /// Nodes in the world.
    #[wasm_bindgen(getter, js_name = nodeCount)]
    pub fn node_count(&self) -> usize {
        self.engine.node_count()
    }

    /// Answers question `i` (one boundary crossing per check).
    pub fn check(&self, i: usize) -> bool {
        let q = &self.questions[i % self.questions.len()];
        self.engine.check(&self.world.principals[q.principal], q.action, &q.node, q.now)
    }

    /// Answers questions `from..to` inside the module; returns how many were allowed.
    pub fn run(&self, from: usize, to: usize) -> u32 {
        (from..to).filter(|&i| self.check(i)).count() as u32
    }

    /// Question `i` as `{ principal, action, node, now }`.
    #[wasm_bindgen(unchecked_return_type = "{ principal: number; action: string; node: string; now: number }")]
    pub fn question(&self, i: usize) -> JsValue {
        to_js(&self.questions[i % self.questions.len()])
    }

    /// The policy snapshot of principal `i` at `now`, for `PolicyEngine.load`.
    pub fn snapshot(&self, principal: usize, now: f64) -> JsValue {
        let p = &self.world.principals[principal % self.world.principals.len()];
        to_js(&self.engine.snapshot_for(p, folio_core::time::Timestamp(now as i64)))
    }
}
