//! The inbox: the agents' console, a second Leptos (CSR) app of the widget crate, served by the
//! edge at `/inbox/`. Agents sign in, work the queue (waiting, mine, all open, resolved; search),
//! read a conversation with everything the edge knows about it, and answer live. It talks only to
//! `/api/v1/inbox/*` with the agent's session cookie, in `shared::inbox` types.

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
mod console;
mod console_action;
mod console_reports;
mod console_team;
mod console_wizard;
mod conversation;
mod conversation_actions;
mod conversation_list;
mod details;
mod history;
mod live;
mod nav;
mod notes;
mod notices;
mod reply;
mod sign_in;
mod state;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
