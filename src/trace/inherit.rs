//! Workflow id/type and the configured custom keys flow from the span that carries them to all its descendants.

use std::sync::Arc;

use super::tree::{Tree, MAX_DEPTH};
use crate::state::Inherited;

/// Computes, for each span of the batch, what it carries or inherits (None when nothing), into `out`.
pub fn resolve(tree: &Tree<'_, '_, '_>, out: &mut Vec<Option<Arc<Inherited>>>, done: &mut Vec<bool>) {
    out.clear();
    out.resize(tree.batch.len(), None);
    done.clear();
    done.resize(tree.batch.len(), false);
    for i in 0..tree.batch.len() {
        resolve_one(tree, i, out, done, 0);
    }
}

fn resolve_one(
    tree: &Tree<'_, '_, '_>,
    i: usize,
    out: &mut [Option<Arc<Inherited>>],
    done: &mut [bool],
    depth: usize,
) -> Option<Arc<Inherited>> {
    if done[i] {
        return out[i].clone();
    }
    // Marked before recursing: a cycle in bad data ends here instead of looping.
    done[i] = true;
    let span = &tree.batch[i];
    let f = span.facts;
    let own = f.workflow_id.is_some() || f.workflow_type.is_some() || !f.propagate.is_empty();
    let from_parent = if span.parent == 0 || span.parent == span.id || depth > MAX_DEPTH {
        None
    } else if let Some(p) = tree.position(span.parent) {
        resolve_one(tree, p, out, done, depth + 1)
    } else {
        tree.memo.spans.get(&span.parent).and_then(|m| m.inherited.clone())
    };
    let repeats = |p: &Inherited| {
        let same = |mine: &Option<crate::conventions::Ranked<'_>>, theirs: &Option<Box<str>>| {
            mine.as_ref().map_or(true, |r| theirs.as_deref() == Some(r.value.as_ref()))
        };
        same(&f.workflow_id, &p.workflow_id)
            && same(&f.workflow_type, &p.workflow_type)
            && f.propagate.iter().all(|(k, v)| p.custom.iter().any(|(ck, cv)| ck == k && &cv[..] == *v))
    };
    let result = if !own || from_parent.as_deref().is_some_and(repeats) {
        // Nothing of its own, or only what it inherits (Traceloop puts the workflow name on every span of the
        // workflow): share the parent's set.
        from_parent
    } else {
        let base = from_parent.as_deref();
        let mut custom: Vec<(u16, Box<[u8]>)> = base.map(|b| b.custom.clone()).unwrap_or_default();
        for &(k, v) in &f.propagate {
            match custom.iter_mut().find(|(ck, _)| *ck == k) {
                Some(slot) => slot.1 = v.into(),
                None => custom.push((k, v.into())),
            }
        }
        let merged = Inherited {
            workflow_id: f
                .workflow_id
                .as_ref()
                .map(|r| r.value.as_ref().into())
                .or_else(|| base.and_then(|b| b.workflow_id.clone())),
            workflow_type: f
                .workflow_type
                .as_ref()
                .map(|r| r.value.as_ref().into())
                .or_else(|| base.and_then(|b| b.workflow_type.clone())),
            custom,
        };
        Some(Arc::new(merged))
    };
    out[i] = result.clone();
    result
}
