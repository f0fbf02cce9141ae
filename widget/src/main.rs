//! The chat widget drawn inside the loader's iframe: a Leptos (CSR) app on the edge's origin, so
//! the host page's CSS and scripts cannot reach it and it cannot reach them.

mod api;
mod app;
mod chat;
mod composer;
mod header;
mod host;
mod message_list;
mod message_text;
mod storage;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
