//! Incremental changes to the tree and the grants.
//!
//! Nothing here rebuilds the index: adding a node touches its parent's child
//! list, moving a subtree re-links one node, deleting a subtree frees its slots
//! and the grants attached inside it. Every change bumps the revision.

use super::{Engine, EngineError, GrantSlot, NONE, Slot};
use crate::access::grant::{Grant, Subject};
use crate::access::ids::{GrantId, NodeId};
use crate::access::tree::{Node, NodeKind, NodeState};

impl Engine {
    /// Adds a node under its parent (which must exist and be able to contain it).
    pub fn add_node(&mut self, node: Node) -> Result<(), EngineError> {
        if self.by_id.contains_key(&node.id) {
            return Err(EngineError::DuplicateNode(node.id));
        }
        let is_portfolio = node.kind == NodeKind::Portfolio;
        if is_portfolio != node.parent.is_none() || is_portfolio != node.owner.is_some() {
            return Err(EngineError::MalformedNode(node.id));
        }
        let parent = match &node.parent {
            None => NONE,
            Some(pid) => {
                let &p = self
                    .by_id
                    .get(pid)
                    .ok_or_else(|| EngineError::UnknownNode(pid.clone()))?;
                let pk = self.slots[p as usize].node.kind;
                if !pk.can_contain(node.kind) {
                    return Err(EngineError::KindMismatch {
                        node: node.id,
                        kind: node.kind.as_str(),
                        parent: pid.clone(),
                        parent_kind: pk.as_str(),
                    });
                }
                p
            }
        };
        let owner = node
            .owner
            .as_ref()
            .map_or(NONE, |o| self.users.intern(o.as_str()));
        let id = node.id.clone();
        let slot = Slot {
            node: Box::new(node),
            parent,
            children: Vec::new(),
            grants: Vec::new(),
            owner,
            alive: true,
        };
        let i = match self.free_slots.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        if parent == NONE {
            self.roots.push(i);
        } else {
            self.slots[parent as usize].children.push(i);
        }
        self.by_id.insert(id, i);
        self.revision += 1;
        Ok(())
    }

    /// Moves a node, with its subtree and the grants inside it, under a new parent.
    pub fn move_node(&mut self, id: &NodeId, new_parent: &NodeId) -> Result<(), EngineError> {
        let &i = self
            .by_id
            .get(id)
            .ok_or_else(|| EngineError::UnknownNode(id.clone()))?;
        let &p = self
            .by_id
            .get(new_parent)
            .ok_or_else(|| EngineError::UnknownNode(new_parent.clone()))?;
        let kind = self.slots[i as usize].node.kind;
        let pk = self.slots[p as usize].node.kind;
        if kind == NodeKind::Portfolio || !pk.can_contain(kind) {
            return Err(EngineError::KindMismatch {
                node: id.clone(),
                kind: kind.as_str(),
                parent: new_parent.clone(),
                parent_kind: pk.as_str(),
            });
        }
        if self.is_ancestor_or_self(i, p) {
            return Err(EngineError::Cycle {
                node: id.clone(),
                parent: new_parent.clone(),
            });
        }
        let old = self.slots[i as usize].parent;
        self.slots[old as usize].children.retain(|&c| c != i);
        self.slots[p as usize].children.push(i);
        let s = &mut self.slots[i as usize];
        s.parent = p;
        s.node.parent = Some(new_parent.clone());
        self.revision += 1;
        Ok(())
    }

    /// Deletes a node, its subtree and every grant attached inside it.
    /// Returns the removed node ids, the node itself first.
    pub fn remove_subtree(&mut self, id: &NodeId) -> Result<Vec<NodeId>, EngineError> {
        let &i = self
            .by_id
            .get(id)
            .ok_or_else(|| EngineError::UnknownNode(id.clone()))?;
        let parent = self.slots[i as usize].parent;
        if parent == NONE {
            self.roots.retain(|&r| r != i);
        } else {
            self.slots[parent as usize].children.retain(|&c| c != i);
        }
        let mut removed = Vec::new();
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            let grants = std::mem::take(&mut self.slots[n as usize].grants);
            for g in grants {
                self.unindex_grant(g);
            }
            let s = &mut self.slots[n as usize];
            stack.append(&mut s.children);
            s.alive = false;
            s.parent = NONE;
            let nid = s.node.id.clone();
            self.by_id.remove(&nid);
            self.free_slots.push(n);
            removed.push(nid);
        }
        self.revision += 1;
        Ok(removed)
    }

    /// Replaces a node's state (what conditions look at).
    pub fn set_state(&mut self, id: &NodeId, state: NodeState) -> Result<(), EngineError> {
        let &i = self
            .by_id
            .get(id)
            .ok_or_else(|| EngineError::UnknownNode(id.clone()))?;
        self.slots[i as usize].node.state = state;
        self.revision += 1;
        Ok(())
    }

    /// Replaces a node's title.
    pub fn set_title(&mut self, id: &NodeId, title: Option<String>) -> Result<(), EngineError> {
        let &i = self
            .by_id
            .get(id)
            .ok_or_else(|| EngineError::UnknownNode(id.clone()))?;
        self.slots[i as usize].node.title = title;
        self.revision += 1;
        Ok(())
    }

    /// Adds one grant, leaving every other grant as it is.
    pub fn add_grant(&mut self, grant: Grant) -> Result<(), EngineError> {
        if self.grant_by_id.contains_key(&grant.id) {
            return Err(EngineError::DuplicateGrant(grant.id));
        }
        let &node = self
            .by_id
            .get(&grant.node)
            .ok_or_else(|| EngineError::UnknownNode(grant.node.clone()))?;
        let key = self.key_of(&grant.subject);
        let id = grant.id;
        let slot = GrantSlot { grant, key, node };
        let g = match self.free_grants.pop() {
            Some(g) => {
                self.grants[g as usize] = Some(slot);
                g
            }
            None => {
                self.grants.push(Some(slot));
                (self.grants.len() - 1) as u32
            }
        };
        self.slots[node as usize].grants.push(g);
        self.by_key.entry(key).or_default().push(g);
        self.grant_by_id.insert(id, g);
        self.revision += 1;
        Ok(())
    }

    /// Removes one grant (a revocation). Returns it.
    pub fn remove_grant(&mut self, id: GrantId) -> Result<Grant, EngineError> {
        let &g = self
            .grant_by_id
            .get(&id)
            .ok_or(EngineError::UnknownGrant(id))?;
        let node = self.grant_slot(g).node;
        self.slots[node as usize].grants.retain(|&x| x != g);
        let grant = self.unindex_grant(g);
        self.revision += 1;
        Ok(grant)
    }

    fn unindex_grant(&mut self, g: u32) -> Grant {
        let slot = self.grants[g as usize]
            .take()
            .expect("indexed grant slot is occupied");
        if let Some(list) = self.by_key.get_mut(&slot.key) {
            if let Some(pos) = list.iter().position(|&x| x == g) {
                list.swap_remove(pos);
            }
            if list.is_empty() {
                self.by_key.remove(&slot.key);
            }
        }
        self.grant_by_id.remove(&slot.grant.id);
        self.free_grants.push(g);
        slot.grant
    }

    /// Changes a container's grant for one subject, the way a sharing dialog does.
    ///
    /// The subject's existing grants on `grant.node` are replaced by `grant`.
    /// With `overwrite`, the subject's explicit grants on every descendant are
    /// removed too, so the new grant is all that applies below; without it,
    /// grants below stay and the new rights are simply added to the subtree.
    /// Returns the ids of the grants removed.
    pub fn set_grant(
        &mut self,
        grant: Grant,
        overwrite: bool,
    ) -> Result<Vec<GrantId>, EngineError> {
        let doomed = self.doomed(&grant.node, &grant.subject, overwrite)?;
        if self.grant_by_id.contains_key(&grant.id) && !doomed.contains(&grant.id) {
            return Err(EngineError::DuplicateGrant(grant.id));
        }
        for id in &doomed {
            self.remove_grant(*id)?;
        }
        self.add_grant(grant)?;
        Ok(doomed)
    }

    /// Removes `subject`'s grants on `node`, and with `overwrite` on its whole
    /// subtree. Returns the ids removed, sorted.
    pub fn clear_subject(
        &mut self,
        node: &NodeId,
        subject: &Subject,
        overwrite: bool,
    ) -> Result<Vec<GrantId>, EngineError> {
        let doomed = self.doomed(node, subject, overwrite)?;
        for id in &doomed {
            self.remove_grant(*id)?;
        }
        Ok(doomed)
    }

    fn doomed(
        &mut self,
        node: &NodeId,
        subject: &Subject,
        overwrite: bool,
    ) -> Result<Vec<GrantId>, EngineError> {
        let &top = self
            .by_id
            .get(node)
            .ok_or_else(|| EngineError::UnknownNode(node.clone()))?;
        let key = self.key_of(subject);
        let doomed: Vec<GrantId> = match self.by_key.get(&key) {
            None => Vec::new(),
            Some(list) => list
                .iter()
                .map(|&g| self.grant_slot(g))
                .filter(|gs| {
                    gs.node == top || (overwrite && self.is_ancestor_or_self(top, gs.node))
                })
                .map(|gs| gs.grant.id)
                .collect(),
        };
        let mut doomed = doomed;
        doomed.sort();
        Ok(doomed)
    }
}
