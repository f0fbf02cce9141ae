//! The app root: sign-in until a session is open, then the inbox's layout (banner, the views'
//! navigation, the list, the open conversation), with one alert and one status region that every
//! part reports to. An admin also has the console (`#console`), beside the conversations.

use crate::console::Console;
use crate::conversation::ConversationView;
use crate::conversation_list::ConversationList;
use crate::nav::{Nav, Search};
use crate::notices::Notices;
use crate::sign_in::SignIn;
use crate::state::Inbox;
use leptos::prelude::*;
use shared::inbox::Role;

/// Whether the address asks for the console (`/inbox/#console`).
fn console_asked() -> bool {
    web_sys::window().and_then(|w| w.location().hash().ok()).is_some_and(|h| h == "#console")
}

/// Moves to the console or back to the conversations, keeping the address in step.
fn show_console(console: RwSignal<bool>, on: bool) {
    console.set(on);
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(if on { "console" } else { "" });
    }
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let inbox = Inbox::new();
    inbox.start();
    // Back and Forward (and a pasted link) move between conversations, and to the console.
    let console = RwSignal::new(console_asked());
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        console.set(console_asked());
        inbox.follow_link();
    });
    move || {
        if !inbox.checked.get() {
            return view! { <main><p role="status">"Loading the inbox…"</p></main> }.into_any();
        }
        match inbox.me.get() {
            None => view! { <SignIn inbox=inbox /> }.into_any(),
            Some(me) => {
                let admin = me.role == Role::Admin;
                view! {
                    <header class="topbar">
                        <h1>{move || if admin && console.get() { "Console" } else { "Inbox" }}</h1>
                        <p class="who">{format!("Signed in as {}", me.name)}</p>
                        {admin.then(|| view! {
                            <nav class="sections" aria-label="Sections">
                                <button type="button" aria-current=move || (!console.get()).then_some("page")
                                    on:click=move |_| show_console(console, false)>"Conversations"</button>
                                <button type="button" aria-current=move || console.get().then_some("page")
                                    on:click=move |_| show_console(console, true)>"Actions"</button>
                            </nav>
                        })}
                        <button type="button" class="secondary" on:click=move |_| inbox.sign_out()>"Sign out"</button>
                    </header>
                    {move || if admin && console.get() {
                        view! { <Console inbox=inbox /> }.into_any()
                    } else {
                        view! {
                            <Nav inbox=inbox />
                            <main class="workspace">
                                <Notices inbox=inbox />
                                <section class="queue" aria-labelledby="queue-title">
                                    <h2 id="queue-title">{move || inbox.view.get().label()}</h2>
                                    <Search inbox=inbox />
                                    <ConversationList inbox=inbox />
                                </section>
                                <ConversationView inbox=inbox />
                            </main>
                        }
                        .into_any()
                    }}
                }
                .into_any()
            }
        }
    }
}
