//! The inbox by keyboard: single-key shortcuts while no field has the focus (`j`/`k` next and
//! previous conversation, `c` claim or take over, `r` reply, `e` resolve, `a` assign, `/`
//! search, `?` this list; Escape leaves a field), the sheet that lists them, and the skip link.

use crate::api::Step;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use shared::handoff::ConversationStatus;
use wasm_bindgen::JsCast;

/// The shortcuts, as the sheet lists them.
const SHORTCUTS: &[(&str, &str)] = &[
    ("j", "Next conversation"),
    ("k", "Previous conversation"),
    ("c", "Claim, take over or reopen the open conversation"),
    ("r", "Write a reply"),
    ("e", "Resolve (a closing message, then Enter)"),
    ("a", "Assign to a colleague"),
    ("/", "Search"),
    ("?", "Show or hide these shortcuts"),
    ("Esc", "Leave the field you are typing in"),
];

/// Focuses the element with `id`, once the view has drawn it.
pub fn focus_soon(id: &'static str) {
    leptos::task::spawn_local(async move {
        crate::dom::sleep(0).await;
        if let Some(e) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
            crate::dom::focus(&e);
        }
    });
}

/// Whether a key goes to a field the agent is typing in.
fn typing_in_field(e: &ev::KeyboardEvent) -> bool {
    let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    matches!(target.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || target.closest("[contenteditable]").ok().flatten().is_some()
}

/// Opens the conversation `step` rows away from the open one in the list shown, and focuses its row.
fn move_by(inbox: Inbox, step: isize) {
    let ids: Vec<String> = inbox.list.with_untracked(|l| {
        l.as_ref().map(|l| l.conversations.iter().map(|c| c.id.clone()).collect()).unwrap_or_default()
    });
    if ids.is_empty() {
        return;
    }
    let at = inbox.selected.with_untracked(|s| s.as_ref().and_then(|s| ids.iter().position(|i| i == s)));
    let next = match at {
        Some(i) => (i as isize + step).clamp(0, ids.len() as isize - 1) as usize,
        None => 0,
    };
    inbox.open(ids[next].clone());
    leptos::task::spawn_local(async move {
        crate::dom::sleep(0).await;
        let row = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(".row[aria-current=\"true\"]").ok().flatten());
        if let Some(row) = row {
            crate::dom::focus(&row);
        }
    });
}

/// Listens for the shortcuts on the whole page; `sheet` shows the list.
pub fn listen(inbox: Inbox, sheet: RwSignal<bool>) {
    let handle = window_event_listener(ev::keydown, move |e: ev::KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
            return;
        }
        if e.key() == "Escape" && sheet.get_untracked() {
            sheet.set(false);
            return;
        }
        if inbox.me.with_untracked(Option::is_none) {
            return;
        }
        if typing_in_field(&e) {
            // Escape leaves a field (what it typed stays), so the shortcuts work again.
            if e.key() == "Escape" {
                e.prevent_default();
                focus_soon("main");
            }
            return;
        }
        let status = inbox.detail.with_untracked(|d| d.as_ref().map(|d| d.conversation.status));
        match e.key().as_str() {
            "j" => move_by(inbox, 1),
            "k" => move_by(inbox, -1),
            "c" => match status {
                Some(ConversationStatus::Waiting) => inbox.step(Step::Claim),
                Some(ConversationStatus::Ai) => inbox.step(Step::TakeOver),
                Some(ConversationStatus::Resolved) => inbox.step(Step::Reopen),
                _ => return,
            },
            "r" => focus_soon("reply-input"),
            "e" => focus_soon("closing-message"),
            "a" => focus_soon("assign-to"),
            "/" => focus_soon("search-input"),
            "?" => {
                sheet.update(|s| *s = !*s);
                if sheet.get_untracked() {
                    focus_soon("keys-title");
                }
            }
            _ => return,
        }
        e.prevent_default();
    });
    // The listener lives as long as the page.
    std::mem::forget(handle);
}

/// The list of shortcuts, shown by `?`.
#[component]
pub fn KeysSheet(sheet: RwSignal<bool>) -> impl IntoView {
    move || {
        sheet.get().then(|| {
            view! {
                <div class="keys-sheet" role="dialog" aria-labelledby="keys-title">
                    <h2 id="keys-title" tabindex="-1">"Keyboard shortcuts"</h2>
                    <dl>
                        {SHORTCUTS.iter().map(|(key, what)| view! { <dt><kbd>{*key}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    </dl>
                    <p class="muted">"They work while no field has the focus. Escape closes this list."</p>
                    <button type="button" class="secondary" on:click=move |_| sheet.set(false)>"Close"</button>
                </div>
            }
        })
    }
}
