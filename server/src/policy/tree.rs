//! Keeping the engine's tree and the `nodes` table in step with documents.

use folio_core::access::{Engine, Node, NodeId};

/// One change to a portfolio's node skeleton, derived by a document actor
/// from accepted document changes.
#[derive(Clone, Debug, PartialEq)]
pub enum TreeChange {
    /// The node exists with this parent, kind, title and state (added,
    /// moved, renamed, submitted …).
    Upsert(Node),
    /// The node and its whole subtree are gone.
    Remove(NodeId),
}

/// Applies changes to an engine; returns the nodes to store and the ids to
/// delete. Changes the engine refuses (a parent it does not know, a kind that
/// cannot hold the child) are skipped: the document validated them, so this
/// only happens for nodes whose ancestors were deleted concurrently.
pub(super) fn apply(engine: &mut Engine, changes: &[TreeChange]) -> (Vec<Node>, Vec<NodeId>) {
    let mut upserted = Vec::new();
    let mut removed = Vec::new();
    for change in changes {
        match change {
            TreeChange::Upsert(node) => {
                let ok = match engine.node(&node.id).cloned() {
                    None => engine.add_node(node.clone()).is_ok(),
                    Some(old) => {
                        let mut ok = true;
                        if old.parent != node.parent
                            && let Some(p) = &node.parent
                        {
                            ok = engine.move_node(&node.id, p).is_ok();
                        }
                        if ok && old.title != node.title {
                            ok = engine.set_title(&node.id, node.title.clone()).is_ok();
                        }
                        if ok && old.state != node.state {
                            ok = engine.set_state(&node.id, node.state.clone()).is_ok();
                        }
                        ok
                    }
                };
                if ok {
                    let mut stored = node.clone();
                    stored.owner = None;
                    upserted.push(stored);
                } else {
                    tracing::debug!(node = %node.id, "tree change skipped");
                }
            }
            TreeChange::Remove(id) => {
                if let Ok(gone) = engine.remove_subtree(id) {
                    removed.extend(gone);
                }
            }
        }
    }
    (upserted, removed)
}
