//! The app root: sign-in until a session is open, then the inbox's layout (banner, the views'
//! navigation, the list, the open conversation), with one alert and one status region that every
//! part reports to. Every agent has their canned replies (`#canned`); an admin also has the
//! console: Actions (`#console`), Reports (`#reports`) and Team (`#team`), drawn by the console's
//! build (`/inbox/console/`); the agents' build links there.

use crate::conversation::ConversationView;
use crate::conversation_list::ConversationList;
use crate::nav::{Nav, Search};
use crate::notices::Notices;
use crate::sign_in::SignIn;
use crate::state::Inbox;
#[cfg(feature = "console")]
use crate::{console::Console, console_reports::ReportsPage, console_team::TeamPage};
use leptos::prelude::*;
use shared::inbox::Role;

/// Whether this build draws the console (`/inbox/console/`) or links to it (`/inbox/`).
const CONSOLE: bool = cfg!(feature = "console");

/// Where an admin is: the conversations, or a page of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Conversations,
    Canned,
    Actions,
    Reports,
    Team,
}

impl Section {
    /// The section the address asks for (`#console`, `#team`).
    fn asked() -> Self {
        match web_sys::window().and_then(|w| w.location().hash().ok()).as_deref() {
            Some("#canned") => Section::Canned,
            Some("#console") => Section::Actions,
            Some("#reports") => Section::Reports,
            Some("#team") => Section::Team,
            _ => Section::Conversations,
        }
    }

    fn hash(self) -> &'static str {
        match self {
            Section::Conversations => "",
            Section::Canned => "#canned",
            Section::Actions => "#console",
            Section::Reports => "#reports",
            Section::Team => "#team",
        }
    }

    /// Where the section's link goes: within this page when it draws the section, else to the
    /// console's page (the conversations and canned replies are in both builds).
    fn href(self) -> String {
        match self {
            Section::Conversations => "#".into(),
            Section::Canned => self.hash().into(),
            _ if CONSOLE => self.hash().into(),
            _ => format!("/inbox/console/{}", self.hash()),
        }
    }

    /// Whether only admins have it.
    fn console(self) -> bool {
        matches!(self, Section::Actions | Section::Reports | Section::Team)
    }

    fn label(self) -> &'static str {
        match self {
            Section::Conversations => "Conversations",
            Section::Canned => "Canned replies",
            Section::Actions => "Actions",
            Section::Reports => "Reports",
            Section::Team => "Team",
        }
    }
}

/// In the agents' build, an admin's link to a console page (`/inbox/#reports`, from before the
/// console had its own page) goes on to the console's page.
fn to_console(section: Section) {
    if !CONSOLE && section.console() {
        if let Some(w) = web_sys::window() {
            let _ = w.location().replace(&section.href());
        }
    }
}

/// The page a section other than the conversations draws, if this build has it.
fn page(section: Section, inbox: Inbox) -> Option<AnyView> {
    match section {
        Section::Canned => Some(view! { <crate::canned_page::CannedPage inbox=inbox /> }.into_any()),
        Section::Conversations => None,
        _ => console_page(section, inbox),
    }
}

/// The console's page the build has, or nothing (the agents' build).
#[cfg(feature = "console")]
fn console_page(section: Section, inbox: Inbox) -> Option<AnyView> {
    match section {
        Section::Actions => Some(view! { <Console inbox=inbox /> }.into_any()),
        Section::Reports => Some(view! { <ReportsPage inbox=inbox /> }.into_any()),
        Section::Team => Some(view! { <TeamPage inbox=inbox /> }.into_any()),
        Section::Conversations | Section::Canned => None,
    }
}

/// The console's page the build has, or nothing (the agents' build).
#[cfg(not(feature = "console"))]
fn console_page(_: Section, _: Inbox) -> Option<AnyView> {
    None
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let inbox = Inbox::new();
    inbox.start();
    let sheet = RwSignal::new(false);
    crate::keys::listen(inbox, sheet);
    // Back and Forward (and a pasted link) move between conversations, and to the console.
    let section = RwSignal::new(Section::asked());
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        section.set(Section::asked());
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
                // Only an admin has the console; anyone else is in the conversations, whatever
                // the address says.
                let shown = move || match section.get() {
                    s if s.console() && !admin => Section::Conversations,
                    s => s,
                };
                Effect::new(move |_| to_console(shown()));
                view! {
                    <a class="skip" href="#main" on:click=move |e: leptos::ev::MouseEvent| {
                        // Not a jump by address: the address holds the open conversation.
                        e.prevent_default();
                        crate::keys::focus_soon("main");
                    }>"Skip to the conversations"</a>
                    <crate::keys::KeysSheet sheet=sheet />
                    <header class="topbar">
                        <h1>{move || if shown().console() { "Console" } else { "Inbox" }}</h1>
                        <p class="who">{format!("Signed in as {}", me.name)}</p>
                        <crate::attention::AlertControls alerts=inbox.alerts />
                        <nav class="sections" aria-label="Sections">
                            {[Section::Conversations, Section::Canned, Section::Actions, Section::Reports, Section::Team]
                                .into_iter()
                                .filter(|to| admin || !to.console())
                                .map(|to| view! {
                                    <a href=to.href() aria-current=move || (shown() == to).then_some("page")>{to.label()}</a>
                                }).collect_view()}
                        </nav>
                        <button type="button" class="secondary" on:click=move |_| inbox.sign_out()>"Sign out"</button>
                    </header>
                    {move || match page(shown(), inbox) {
                        Some(page) => page,
                        None => view! {
                            <Nav inbox=inbox />
                            <main class="workspace" id="main" tabindex="-1">
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
                    }}
                }
                .into_any()
            }
        }
    }
}
