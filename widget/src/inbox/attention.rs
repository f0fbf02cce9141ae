//! What tells an agent that something needs them, whatever view is shown: the count in the tab's
//! title, a sound (their choice, kept in this browser), a desktop notification (asked for only
//! when they click), and a polite announcement. Fed by every list the edge sends: what needs this
//! agent and is unread (`attention`), and the waits over the owner's threshold (`long_waits`).

use leptos::prelude::*;
use shared::handoff::ConversationStatus;
use shared::inbox::{Attention, ConversationList};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{AudioContext, Notification, NotificationOptions, NotificationPermission, OscillatorType};

/// Where the agent's sound choice is kept in this browser.
const SOUND_KEY: &str = "switchboard.inbox.sound";

/// Whether this browser may show desktop notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desktop {
    /// Not asked yet.
    Ask,
    /// Allowed.
    On,
    /// Refused (only the browser's settings can change it now).
    Blocked,
    /// No Notification API (or not a secure page).
    Unsupported,
}

/// The alerts' state (signals and stored values: `Copy`).
#[derive(Clone, Copy)]
pub struct Alerts {
    /// Sound on.
    pub sound: RwSignal<bool>,
    /// Desktop notifications.
    pub desktop: RwSignal<Desktop>,
    /// What was already alerted: each conversation with the moment it needed the agent.
    heard: StoredValue<Option<HashMap<String, u64>>>,
    /// Long waits already alerted.
    long: StoredValue<HashSet<String>>,
    /// The page's own title, which the count goes before.
    title: StoredValue<String>,
}

thread_local! {
    /// Made on the agent's first click on Sound (browsers allow audio only after a gesture).
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

impl Alerts {
    /// The alerts as this browser left them.
    pub fn new() -> Self {
        let stored = storage().and_then(|s| s.get_item(SOUND_KEY).ok().flatten());
        Self {
            sound: RwSignal::new(stored.as_deref() == Some("on")),
            desktop: RwSignal::new(desktop_now()),
            heard: StoredValue::new(None),
            long: StoredValue::new(HashSet::new()),
            title: StoredValue::new(
                web_sys::window().and_then(|w| w.document()).map(|d| d.title()).unwrap_or_default(),
            ),
        }
    }

    /// Turns the sound on or off (and plays it once when turned on, so the agent hears it).
    pub fn toggle_sound(self) {
        let on = !self.sound.get_untracked();
        self.sound.set(on);
        if let Some(s) = storage() {
            let _ = s.set_item(SOUND_KEY, if on { "on" } else { "off" });
        }
        if on {
            chime();
        }
    }

    /// Asks the browser for desktop notifications (from the agent's click).
    pub fn ask_desktop(self) {
        let Ok(promise) = Notification::request_permission() else { return };
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            self.desktop.set(desktop_now());
        });
    }

    /// A new list from the edge: the title's count, and an alert for each conversation that needs
    /// the agent since the last list (none for what was there when the inbox opened), unless it
    /// is the one they are looking at. Returns what to announce.
    pub fn heard(self, list: &ConversationList, looking_at: Option<&str>) -> Option<String> {
        self.set_count(list.attention.len());
        let mut fresh: Vec<&Attention> = Vec::new();
        let first = self.heard.with_value(Option::is_none);
        self.heard.update_value(|heard| {
            let heard = heard.get_or_insert_with(HashMap::new);
            for a in &list.attention {
                if heard.get(&a.id).is_none_or(|at| *at < a.since_ms) && !first {
                    fresh.push(a);
                }
                heard.insert(a.id.clone(), a.since_ms);
            }
        });
        let mut long: Vec<&Attention> = Vec::new();
        self.long.update_value(|seen| {
            for a in &list.long_waits {
                if seen.insert(a.id.clone()) {
                    long.push(a);
                }
            }
        });
        let minutes = list.wait_alert_ms.unwrap_or_default() / 60_000;
        let mut said: Vec<String> = Vec::new();
        for a in fresh.iter().filter(|a| looking_at != Some(a.id.as_str()) || hidden()) {
            let title = match a.status {
                ConversationStatus::Waiting => "New conversation waiting".to_string(),
                _ => format!("New message from {}", who(a)),
            };
            self.notify(&title, a);
            said.push(format!("{title}: {}", a.preview));
        }
        for a in long {
            let title = format!("Waiting over {minutes} min: {}", who(a));
            self.notify(&title, a);
            said.push(title);
        }
        if !said.is_empty() && self.sound.get_untracked() {
            chime();
        }
        (!said.is_empty()).then(|| said.join(". "))
    }

    /// The count in the tab's title (the page's own title alone at 0).
    pub fn set_count(self, n: usize) {
        let base = self.title.get_value();
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(&if n == 0 { base } else { format!("({n}) {base}") });
        }
    }

    /// A desktop notification that opens the conversation when clicked.
    fn notify(self, title: &str, a: &Attention) {
        if self.desktop.get_untracked() != Desktop::On {
            return;
        }
        let options = NotificationOptions::new();
        options.set_body(&a.preview);
        // One per conversation: a newer one replaces it.
        options.set_tag(&a.id);
        let Ok(note) = Notification::new_with_options(title, &options) else { return };
        let hash = format!("#conversation={}", crate::api::encode(&a.id));
        let open = Closure::<dyn FnMut()>::new(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
                let _ = w.location().set_hash(&hash);
            }
        });
        note.set_onclick(Some(open.as_ref().unchecked_ref()));
        open.forget();
    }
}

/// The visitor as a notification names them.
fn who(a: &Attention) -> String {
    a.who.clone().unwrap_or_else(|| "a visitor".into())
}

/// Whether the page is in a background tab or a minimised window.
fn hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

fn desktop_now() -> Desktop {
    let supported = web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false) && w.is_secure_context());
    if !supported {
        return Desktop::Unsupported;
    }
    match Notification::permission() {
        NotificationPermission::Granted => Desktop::On,
        NotificationPermission::Denied => Desktop::Blocked,
        _ => Desktop::Ask,
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A short two-note chime, drawn by the browser (no sound file to fetch).
fn chime() {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = AudioContext::new().ok();
        }
        let Some(ctx) = audio.as_ref() else { return };
        let _ = ctx.resume();
        let now = ctx.current_time();
        for (i, hz) in [880.0f32, 1320.0].into_iter().enumerate() {
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
            osc.set_type(OscillatorType::Sine);
            osc.frequency().set_value(hz);
            let start = now + i as f64 * 0.12;
            gain.gain().set_value(0.0);
            let _ = gain.gain().linear_ramp_to_value_at_time(0.2, start + 0.01);
            let _ = gain.gain().linear_ramp_to_value_at_time(0.0, start + 0.11);
            let _ = osc.connect_with_audio_node(&gain).and_then(|_| gain.connect_with_audio_node(&ctx.destination()));
            let _ = osc.start_with_when(start);
            let _ = osc.stop_with_when(start + 0.12);
        }
    });
}

/// Sound and desktop alerts, in the top bar.
#[component]
pub fn AlertControls(alerts: Alerts) -> impl IntoView {
    view! {
        <button type="button" class="secondary" aria-pressed=move || if alerts.sound.get() { "true" } else { "false" }
            on:click=move |_| alerts.toggle_sound()>"Sound"</button>
        {move || match alerts.desktop.get() {
            Desktop::Ask => view! {
                <button type="button" class="secondary" on:click=move |_| alerts.ask_desktop()>"Turn on desktop alerts"</button>
            }.into_any(),
            Desktop::On => view! { <span class="muted">"Desktop alerts on"</span> }.into_any(),
            Desktop::Blocked => view! { <span class="muted">"Desktop alerts are blocked in this browser's settings"</span> }.into_any(),
            Desktop::Unsupported => ().into_any(),
        }}
    }
}
