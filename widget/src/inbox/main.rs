//! The inbox: a second Leptos (CSR) app of the widget crate, served by the edge at `/inbox/`.
//! Agents sign in, work the queue (waiting, mine, all open, resolved; search), read a conversation
//! with everything the edge knows about it, and answer live. It talks to `/api/v1/inbox/*` with
//! the agent's session cookie, in `shared::inbox` types.
//!
//! Built twice: without features for `/inbox/` (what every agent loads), and with the `console`
//! feature for `/inbox/console/`, the same app plus the owner's console (Actions, Reports, Team),
//! which admins open. The console doubles the bundle, so agents never download it.

// The widget's own DOM helpers and Markdown drawing, compiled into this binary as they are (no
// library target: the widget's binary and its size budget stay exactly as they were).
#[path = "../dom.rs"]
#[allow(dead_code)]
mod dom;
#[path = "../message_text.rs"]
mod message_text;
#[path = "../typing.rs"]
mod typing;

mod api;
mod app;
mod attention;
mod bulk;
mod canned_page;
#[cfg(feature = "console")]
mod console;
#[cfg(feature = "console")]
mod console_action;
#[cfg(feature = "console")]
mod console_api;
#[cfg(feature = "console")]
mod console_reports;
#[cfg(feature = "console")]
mod console_team;
#[cfg(feature = "console")]
mod console_wizard;
mod conversation;
mod conversation_actions;
mod conversation_list;
mod details;
mod history;
mod keys;
mod labels;
mod live;
mod nav;
mod notes;
mod notices;
mod reply;
mod sign_in;
mod snooze;
mod state;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
