//! Requests for slugs that name no source, held in memory between two writes of the log, one
//! entry per slug however many requests (see `records::UnknownSlugRow` for what is kept).

use std::collections::HashMap;

use super::OTHER_SLUGS;
use crate::traffic::{self, BURST_REFUSALS};

/// Slugs are recorded up to this many characters (a slug is at most 63).
const MAX_SLUG_CHARS: usize = 64;
/// Distinct slugs held between two writes; more go to [`OTHER_SLUGS`] at once.
const MAX_PENDING_SLUGS: usize = 256;

/// Requests for unknown slugs waiting to be written, one entry per slug however many requests.
#[derive(Default)]
pub(crate) struct UnknownSlugBuffer {
    slugs: HashMap<String, PendingSlug>,
}

pub(crate) struct PendingSlug {
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) count: u64,
    /// Unix ms of the newest few, oldest first.
    pub(crate) recent: Vec<i64>,
}

impl UnknownSlugBuffer {
    pub(super) fn push(&mut self, slug: &str, time: String) {
        let slug: String = slug.chars().filter(|c| !c.is_control()).take(MAX_SLUG_CHARS).collect();
        let key = if self.slugs.contains_key(&slug) || self.slugs.len() < MAX_PENDING_SLUGS {
            slug
        } else {
            OTHER_SLUGS.to_owned()
        };
        let at = traffic::unix_ms(&time).unwrap_or(0);
        let pending = self.slugs.entry(key).or_insert_with(|| PendingSlug {
            first: time.clone(),
            last: time.clone(),
            count: 0,
            recent: Vec::with_capacity(BURST_REFUSALS),
        });
        pending.last = time;
        pending.count += 1;
        if pending.recent.len() == BURST_REFUSALS {
            pending.recent.remove(0);
        }
        pending.recent.push(at);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.slugs.is_empty()
    }

    pub(super) fn take(&mut self) -> HashMap<String, PendingSlug> {
        std::mem::take(&mut self.slugs)
    }
}
