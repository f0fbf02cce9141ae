//! The owner's switches applied: the site as the console left it, each switched action's
//! `enabled` set and the actions indexed again. An isolate reads the switches at most once every
//! [`FRESH_MS`] (a visitor's turn in a conversation object must not wait on D1 each time), and at
//! once after it changed one itself; it builds its switched copy only when the switches differ
//! from the last ones it saw.

use crate::agent::intent::ActionIndex;
use crate::store::{ActionSwitch, ActionSwitchStore, StoreError};
use shared::site::SiteBundle;
use std::cell::RefCell;
use std::rc::Rc;

/// The site with the switches that change something applied, and its actions indexed.
#[derive(Debug)]
pub struct Switched {
    /// The switches applied, by action.
    key: Vec<(String, bool)>,
    /// The site as switched.
    site: SiteBundle,
    /// Its actions, indexed.
    intents: ActionIndex,
}

/// How long switches read from storage are used before they are read again: a switch reaches
/// every isolate within this time.
pub const FRESH_MS: u64 = 1_000;

/// The switches last read and the last switched site built (one per isolate, or per test world).
#[derive(Debug, Default)]
pub struct SwitchCache {
    read: RefCell<Option<(u64, Vec<ActionSwitch>)>>,
    built: RefCell<Option<Rc<Switched>>>,
    /// Counts [`SwitchCache::forget`]s: a read that began before one is used, never kept.
    generation: std::cell::Cell<u64>,
}

impl SwitchCache {
    /// Forgets the switches read: the next request reads them again (after this isolate changed
    /// one, so its own next request sees the change).
    pub fn forget(&self) {
        self.read.borrow_mut().take();
        self.generation.set(self.generation.get() + 1);
    }

    async fn switches<S: ActionSwitchStore>(&self, store: &S, now_ms: u64) -> Result<Vec<ActionSwitch>, StoreError> {
        let fresh =
            self.read.borrow().as_ref().filter(|(at, _)| now_ms.saturating_sub(*at) < FRESH_MS).map(|(_, s)| s.clone());
        if let Some(switches) = fresh {
            return Ok(switches);
        }
        let began = self.generation.get();
        let switches = store.switches().await?;
        // A request that read while this isolate changed a switch must not keep the old ones.
        if self.generation.get() == began {
            *self.read.borrow_mut() = Some((now_ms, switches.clone()));
        }
        Ok(switches)
    }
}

/// The site a request sees.
#[derive(Debug)]
pub enum Effective<'a> {
    /// No switch changes anything: the site files, as built.
    Files(&'a SiteBundle, &'a ActionIndex),
    /// Some switch does.
    Switched(Rc<Switched>),
}

impl Effective<'_> {
    /// The site.
    pub fn site(&self) -> &SiteBundle {
        match self {
            Effective::Files(site, _) => site,
            Effective::Switched(s) => &s.site,
        }
    }

    /// Its actions, indexed.
    pub fn intents(&self) -> &ActionIndex {
        match self {
            Effective::Files(_, intents) => intents,
            Effective::Switched(s) => &s.intents,
        }
    }
}

/// The switches that change an action of `site` (a switch for an action the files no longer
/// have, or equal to its file, changes nothing).
fn changes(site: &SiteBundle, switches: &[ActionSwitch]) -> Vec<(String, bool)> {
    switches
        .iter()
        .filter(|s| site.action(&s.action).is_some_and(|a| a.enabled != s.enabled))
        .map(|s| (s.action.clone(), s.enabled))
        .collect()
}

/// The site a request sees: `site` and its `intents` with the stored switches applied. When the
/// switches cannot be read, every action is off for this request (and the failure is returned,
/// to be logged): serving the files instead could run an action the owner turned off, and
/// failing the request would take sign-in, the inbox and the switches' own route down with it.
pub async fn effective<'a, S: ActionSwitchStore>(
    store: &S,
    site: &'a SiteBundle,
    intents: &'a ActionIndex,
    cache: &SwitchCache,
    now_ms: u64,
) -> (Effective<'a>, Option<StoreError>) {
    match cache.switches(store, now_ms).await {
        Ok(switches) => (switched(site, intents, cache, &switches), None),
        Err(e) => {
            let all_off: Vec<(String, bool)> =
                site.actions.iter().filter(|a| a.enabled).map(|a| (a.slug.to_string(), false)).collect();
            (build(site, all_off), Some(e))
        }
    }
}

/// `site` with `switches` applied, from the cache when it was built for the same ones.
fn switched<'a>(
    site: &'a SiteBundle,
    intents: &'a ActionIndex,
    cache: &SwitchCache,
    switches: &[ActionSwitch],
) -> Effective<'a> {
    let key = changes(site, switches);
    if key.is_empty() {
        return Effective::Files(site, intents);
    }
    if let Some(hit) = cache.built.borrow().as_ref().filter(|c| c.key == key) {
        return Effective::Switched(Rc::clone(hit));
    }
    let built = build(site, key);
    if let Effective::Switched(b) = &built {
        *cache.built.borrow_mut() = Some(Rc::clone(b));
    }
    built
}

/// `site` with the switches of `key` applied and its actions indexed again.
fn build(site: &SiteBundle, key: Vec<(String, bool)>) -> Effective<'_> {
    let mut switched = site.clone();
    for action in &mut switched.actions {
        if let Some((_, on)) = key.iter().find(|(slug, _)| action.slug == *slug) {
            action.enabled = *on;
        }
    }
    let intents = ActionIndex::new(&switched);
    Effective::Switched(Rc::new(Switched { key, site: switched, intents }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;
    use std::cell::Cell;

    /// Switches set "in another isolate": reads are counted.
    #[derive(Default)]
    struct Elsewhere {
        switches: RefCell<Vec<ActionSwitch>>,
        reads: Cell<u32>,
        broken: Cell<bool>,
    }

    impl ActionSwitchStore for Elsewhere {
        async fn switches(&self) -> Result<Vec<ActionSwitch>, StoreError> {
            self.reads.set(self.reads.get() + 1);
            if self.broken.get() {
                return Err(StoreError("D1_ERROR: no such table: action_switches".into()));
            }
            Ok(self.switches.borrow().clone())
        }
        async fn set_switch(&self, switch: &ActionSwitch) -> Result<(), StoreError> {
            self.switches.borrow_mut().push(switch.clone());
            Ok(())
        }
        async fn clear_switch(&self, _: &str) -> Result<(), StoreError> {
            self.switches.borrow_mut().clear();
            Ok(())
        }
    }

    #[test]
    fn a_switch_made_elsewhere_applies_within_fresh_ms_and_the_files_serve_when_none_changes_anything() {
        let site = crate::api::tests::site();
        let intents = ActionIndex::new(&site);
        let (store, cache) = (Elsewhere::default(), SwitchCache::default());
        let on = |now| block_on(effective(&store, &site, &intents, &cache, now)).0.site().actions[0].enabled;
        assert!(on(0));
        let off = ActionSwitch { action: "tx-status".into(), enabled: false, changed_by: "x".into(), changed_at_ms: 1 };
        block_on(store.set_switch(&off)).unwrap();
        assert!(on(FRESH_MS - 1), "read less than FRESH_MS ago: not read again");
        assert_eq!(store.reads.get(), 1);
        assert!(!on(FRESH_MS), "read again, and applied");
        assert!(matches!(block_on(effective(&store, &site, &intents, &cache, FRESH_MS)).0, Effective::Switched(_)));
        // A switch equal to the file changes nothing: the files serve.
        *store.switches.borrow_mut() = vec![ActionSwitch { enabled: true, ..off }];
        cache.forget();
        assert!(matches!(block_on(effective(&store, &site, &intents, &cache, FRESH_MS)).0, Effective::Files(..)));
        // Unreadable switches: every action is off for that request, and the failure is told.
        store.broken.set(true);
        cache.forget();
        let (seen, failure) = block_on(effective(&store, &site, &intents, &cache, FRESH_MS));
        assert!(failure.is_some() && seen.site().actions.iter().all(|a| !a.enabled));
    }
}
