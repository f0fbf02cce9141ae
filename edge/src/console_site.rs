//! The site as the console leaves it: the files with the action definitions the owner wrote
//! there applied (new actions, and files' actions overridden), each checked again by the build's
//! rules, then the owner's switches, and the actions indexed again. An isolate reads the changes
//! at most once every [`FRESH_MS`] (a visitor's turn in a conversation object must not wait on D1
//! each time), and at once after it changed something itself; it builds its changed copy only
//! when the changes differ from the last ones it saw.
//!
//! An action written in the console gets no thesaurus pairs (those are computed from the pages and
//! files at build time): it is chosen by its own words and the general lexicon.

use crate::agent::intent::ActionIndex;
use crate::store::{ActionSwitch, ConsoleAction, ConsoleChangeStore, StoreError};
use shared::action::ActionDef;
use shared::site::SiteBundle;
use std::cell::RefCell;
use std::rc::Rc;

/// What the console changed, as read from storage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Changes {
    switches: Vec<ActionSwitch>,
    definitions: Vec<ConsoleAction>,
}

/// The site with the console's changes applied, and its actions indexed.
#[derive(Debug)]
pub struct Changed {
    /// The changes applied.
    key: Changes,
    /// The site as changed.
    site: SiteBundle,
    /// Its actions, indexed.
    intents: ActionIndex,
}

/// How long changes read from storage are used before they are read again: a change reaches
/// every isolate within this time.
pub const FRESH_MS: u64 = 1_000;

/// The changes last read and the last changed site built (one per isolate, or per test world).
#[derive(Debug, Default)]
pub struct ConsoleCache {
    read: RefCell<Option<(u64, Changes)>>,
    built: RefCell<Option<Rc<Changed>>>,
    /// Counts [`ConsoleCache::forget`]s: a read that began before one is used, never kept.
    generation: std::cell::Cell<u64>,
}

impl ConsoleCache {
    /// Forgets the changes read: the next request reads them again (after this isolate changed
    /// something, so its own next request sees the change).
    pub fn forget(&self) {
        self.read.borrow_mut().take();
        self.generation.set(self.generation.get() + 1);
    }

    async fn changes<S: ConsoleChangeStore>(&self, store: &S, now_ms: u64) -> Result<Changes, StoreError> {
        let fresh =
            self.read.borrow().as_ref().filter(|(at, _)| now_ms.saturating_sub(*at) < FRESH_MS).map(|(_, c)| c.clone());
        if let Some(changes) = fresh {
            return Ok(changes);
        }
        let began = self.generation.get();
        let changes = Changes { switches: store.switches().await?, definitions: store.console_actions().await? };
        // A request that read while this isolate changed something must not keep the old reading.
        if self.generation.get() == began {
            *self.read.borrow_mut() = Some((now_ms, changes.clone()));
        }
        Ok(changes)
    }
}

/// The site a request sees.
#[derive(Debug)]
pub enum Effective<'a> {
    /// The console changes nothing: the site files, as built.
    Files(&'a SiteBundle, &'a ActionIndex),
    /// It does.
    Changed(Rc<Changed>),
}

impl Effective<'_> {
    /// The site.
    pub fn site(&self) -> &SiteBundle {
        match self {
            Effective::Files(site, _) => site,
            Effective::Changed(c) => &c.site,
        }
    }

    /// Its actions, indexed.
    pub fn intents(&self) -> &ActionIndex {
        match self {
            Effective::Files(_, intents) => intents,
            Effective::Changed(c) => &c.intents,
        }
    }
}

/// A definition written in the console that is not in force, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its slug.
    pub slug: String,
    /// What the build's rules say of it now, each with the field to blame.
    pub problems: Vec<shared::console::ActionProblem>,
}

/// The label a console definition's problems name in place of a file.
pub const CONSOLE_FILE: &str = "console";

/// Parses and checks one console definition against `site` (the actions it would join).
pub fn check(site: &SiteBundle, definition: &str) -> Result<ActionDef, Vec<shared::console::ActionProblem>> {
    use shared::console::ActionProblem;
    let def = ActionDef::from_json(definition).map_err(|message| vec![ActionProblem { field: None, message }])?;
    site.check_action(def, CONSOLE_FILE)
        .map_err(|errors| errors.into_iter().map(|e| ActionProblem { field: e.field, message: e.message }).collect())
}

/// `files` with the console's `definitions` applied: an override replaces its file's action in
/// place, a new action joins at the end. Each is checked as the build checks a file, against the
/// actions it joins (an action another console action runs is applied first); one that fails is
/// left out, and said why.
pub fn with_definitions(files: &SiteBundle, definitions: &[ConsoleAction]) -> (SiteBundle, Vec<Rejected>) {
    let mut site = files.clone();
    let mut pending: Vec<&ConsoleAction> = definitions.iter().collect();
    loop {
        let mut failed = Vec::new();
        let before = pending.len();
        for c in pending {
            match check(&site, &c.definition) {
                Ok(def) => match site.actions.iter_mut().find(|a| a.slug == def.slug) {
                    Some(file) => *file = def,
                    None => site.actions.push(def),
                },
                Err(problems) => failed.push((c, problems)),
            }
        }
        if failed.is_empty() || failed.len() == before {
            let rejected =
                failed.into_iter().map(|(c, problems)| Rejected { slug: c.slug.clone(), problems }).collect();
            return (site, rejected);
        }
        pending = failed.into_iter().map(|(c, _)| c).collect();
    }
}

/// The site a request sees: `files` and their `intents` with the console's stored changes
/// applied. When they cannot be read, every action of the files is off for this request (and the
/// failure is returned, to be logged): serving the files instead could run an action the owner
/// turned off, and failing the request would take sign-in, the inbox and the console's own routes
/// down with it.
pub async fn effective<'a, S: ConsoleChangeStore>(
    store: &S,
    files: &'a SiteBundle,
    intents: &'a ActionIndex,
    cache: &ConsoleCache,
    now_ms: u64,
) -> (Effective<'a>, Option<StoreError>) {
    match cache.changes(store, now_ms).await {
        Ok(changes) => (changed(files, intents, cache, changes), None),
        Err(e) => {
            let all_off = Changes {
                switches: files
                    .actions
                    .iter()
                    .filter(|a| a.enabled)
                    .map(|a| ActionSwitch {
                        action: a.slug.to_string(),
                        enabled: false,
                        changed_by: String::new(),
                        changed_at_ms: 0,
                    })
                    .collect(),
                definitions: Vec::new(),
            };
            (Effective::Changed(Rc::new(build(files, all_off))), Some(e))
        }
    }
}

/// `files` with `changes` applied, from the cache when it was built for the same ones.
fn changed<'a>(
    files: &'a SiteBundle,
    intents: &'a ActionIndex,
    cache: &ConsoleCache,
    changes: Changes,
) -> Effective<'a> {
    let switches_change_nothing =
        changes.switches.iter().all(|s| files.action(&s.action).is_none_or(|a| a.enabled == s.enabled));
    if changes.definitions.is_empty() && switches_change_nothing {
        return Effective::Files(files, intents);
    }
    if let Some(hit) = cache.built.borrow().as_ref().filter(|c| c.key == changes) {
        return Effective::Changed(Rc::clone(hit));
    }
    let built = Rc::new(build(files, changes));
    *cache.built.borrow_mut() = Some(Rc::clone(&built));
    Effective::Changed(built)
}

/// `files` with the definitions of `key`, then its switches, applied, and the actions indexed.
fn build(files: &SiteBundle, key: Changes) -> Changed {
    let (mut site, _) = with_definitions(files, &key.definitions);
    for action in &mut site.actions {
        if let Some(switch) = key.switches.iter().find(|s| action.slug == s.action) {
            action.enabled = switch.enabled;
        }
    }
    let intents = ActionIndex::new(&site);
    Changed { key, site, intents }
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
        definitions: RefCell<Vec<ConsoleAction>>,
        reads: Cell<u32>,
        broken: Cell<bool>,
    }

    impl ConsoleChangeStore for Elsewhere {
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
        async fn console_actions(&self) -> Result<Vec<ConsoleAction>, StoreError> {
            Ok(self.definitions.borrow().clone())
        }
        async fn put_console_action(&self, action: &ConsoleAction) -> Result<(), StoreError> {
            self.definitions.borrow_mut().push(action.clone());
            Ok(())
        }
        async fn remove_console_action(&self, _: &str) -> Result<bool, StoreError> {
            Ok(!std::mem::take(&mut *self.definitions.borrow_mut()).is_empty())
        }
    }

    #[test]
    fn a_switch_made_elsewhere_applies_within_fresh_ms_and_the_files_serve_when_none_changes_anything() {
        let site = crate::api::tests::site();
        let intents = ActionIndex::new(&site);
        let (store, cache) = (Elsewhere::default(), ConsoleCache::default());
        let on = |now| block_on(effective(&store, &site, &intents, &cache, now)).0.site().actions[0].enabled;
        assert!(on(0));
        let off = ActionSwitch { action: "tx-status".into(), enabled: false, changed_by: "x".into(), changed_at_ms: 1 };
        block_on(store.set_switch(&off)).unwrap();
        assert!(on(FRESH_MS - 1), "read less than FRESH_MS ago: not read again");
        assert_eq!(store.reads.get(), 1);
        assert!(!on(FRESH_MS), "read again, and applied");
        assert!(matches!(block_on(effective(&store, &site, &intents, &cache, FRESH_MS)).0, Effective::Changed(_)));
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
