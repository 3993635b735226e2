//! Workflow id/type and the configured custom keys flow from the span that carries them to all its descendants.

use std::sync::Arc;

use super::tree::Tree;
use crate::state::{Inherited, SpanMap};

/// Computes, for each span of the batch, what it carries or inherits (None when nothing).
pub fn resolve(tree: &Tree<'_, '_, '_>) -> Vec<Option<Arc<Inherited>>> {
    let mut done: SpanMap<Option<Arc<Inherited>>> = SpanMap::default();
    (0..tree.batch.len()).map(|i| resolve_one(tree, i, &mut done, 0)).collect()
}

fn resolve_one(
    tree: &Tree<'_, '_, '_>,
    i: usize,
    done: &mut SpanMap<Option<Arc<Inherited>>>,
    depth: usize,
) -> Option<Arc<Inherited>> {
    let span = &tree.batch[i];
    if let Some(r) = done.get(&span.id).filter(|_| span.id != 0) {
        return r.clone();
    }
    let from_parent = if span.parent == 0 || span.parent == span.id || depth > 512 {
        None
    } else if let Some(&p) = tree.by_id.get(&span.parent) {
        resolve_one(tree, p, done, depth + 1)
    } else {
        tree.memo.spans.get(&span.parent).and_then(|m| m.inherited.clone())
    };
    let f = span.facts;
    let own = f.workflow_id.is_some() || f.workflow_type.is_some() || !f.propagate.is_empty();
    let result = if !own {
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
        // Share the parent's allocation when this span only repeats what it inherited (Traceloop puts the
        // workflow name on every span of the workflow).
        match from_parent {
            Some(p) if *p == merged => Some(p),
            _ => Some(Arc::new(merged)),
        }
    };
    if span.id != 0 {
        done.insert(span.id, result.clone());
    }
    result
}
