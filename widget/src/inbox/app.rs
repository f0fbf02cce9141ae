//! The app root: sign-in until a session is open, then the inbox's layout (banner, the views'
//! navigation, the list, the open conversation), with one alert and one status region that every
//! part reports to.

use crate::conversation::ConversationView;
use crate::conversation_list::ConversationList;
use crate::nav::{Nav, Search};
use crate::notices::Notices;
use crate::sign_in::SignIn;
use crate::state::Inbox;
use leptos::prelude::*;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let inbox = Inbox::new();
    inbox.start();
    // Back and Forward (and a pasted link) move between conversations.
    let _ = window_event_listener(leptos::ev::hashchange, move |_| inbox.follow_link());
    move || {
        if !inbox.checked.get() {
            return view! { <main><p role="status">"Loading the inbox…"</p></main> }.into_any();
        }
        match inbox.me.get() {
            None => view! { <SignIn inbox=inbox /> }.into_any(),
            Some(me) => view! {
                <header class="topbar">
                    <h1>"Inbox"</h1>
                    <p class="who">{format!("Signed in as {}", me.name)}</p>
                    <button type="button" class="secondary" on:click=move |_| inbox.sign_out()>"Sign out"</button>
                </header>
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
            .into_any(),
        }
    }
}
