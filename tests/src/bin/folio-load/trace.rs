//! Editing traces (`--trace`): a recorded session's transactions per agent.

/// One patch of a trace: at this position (Unicode code points), delete so
/// many characters, insert this text.
pub(crate) type Patch = (usize, usize, String);

/// A trace's transactions per agent, in trace order (see `--trace`).
#[derive(Debug)]
pub(crate) struct Script {
    agents: Vec<Vec<Vec<Patch>>>,
}

impl Script {
    /// Reads a gzipped editing trace (josephg/editing-traces format:
    /// `{txns: [{agent?, patches: [[pos, deleted, inserted], …]}, …]}`; a
    /// sequential trace has no agents and plays as agent 0).
    pub(crate) fn load(path: &std::path::Path) -> Result<Script, String> {
        use serde_json::Value;
        use std::io::Read;
        let shown = path.display();
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open the trace {shown}: {e}"))?;
        let mut json = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut json)
            .map_err(|e| format!("the trace {shown} is not gzipped text: {e}"))?;
        let v: Value = serde_json::from_str(&json).map_err(|e| format!("the trace {shown} is not JSON: {e}"))?;
        let txns = v.get("txns").and_then(Value::as_array).ok_or_else(|| format!("the trace {shown} has no `txns` list"))?;
        let mut agents: Vec<Vec<Vec<Patch>>> = Vec::new();
        for (i, t) in txns.iter().enumerate() {
            let bad = || format!("transaction {i} of the trace {shown} is not {{agent, patches: [[pos, deleted, inserted], …]}}");
            let agent = match t.get("agent") {
                None => 0,
                // Agents are numbered from 0; more agents than
                // transactions is no trace.
                Some(a) => a.as_u64().filter(|a| *a < txns.len() as u64).ok_or_else(bad)? as usize,
            };
            let mut txn = Vec::new();
            for p in t.get("patches").and_then(Value::as_array).ok_or_else(bad)? {
                let (Some(pos), Some(del), Some(ins)) = (
                    p.get(0).and_then(Value::as_u64),
                    p.get(1).and_then(Value::as_u64),
                    p.get(2).and_then(Value::as_str),
                ) else {
                    return Err(bad());
                };
                txn.push((pos as usize, del as usize, ins.to_owned()));
            }
            if agents.len() <= agent {
                agents.resize(agent + 1, Vec::new());
            }
            agents[agent].push(txn);
        }
        agents.retain(|a| !a.is_empty());
        if agents.is_empty() {
            return Err(format!("the trace {shown} has no transactions"));
        }
        Ok(Script { agents })
    }

    /// Edit `i` of editor `n`: the editors playing one agent start at
    /// different places in its transactions, and wrap around.
    pub(crate) fn txn(&self, n: usize, i: u64) -> &[Patch] {
        let agent = &self.agents[n % self.agents.len()];
        let start = (n / self.agents.len()) * 997;
        &agent[(start + i as usize) % agent.len()]
    }
}
