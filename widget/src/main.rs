//! The chat widget drawn inside the loader's iframe: a Leptos (CSR) app on the edge's origin, so
//! the host page's CSS and scripts cannot reach it and it cannot reach them.

mod api;
mod app;
mod buttons;
mod chat;
mod composer;
mod delete;
mod dom;
mod file_card;
mod file_picker;
mod form_card;
mod header;
mod host;
mod json;
mod live;
mod message_list;
mod message_text;
mod storage;
mod typing;

// A small free-list allocator instead of dlmalloc: a chat panel allocates little, and every KB of
// wasm counts against the widget's download budget.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: the widget runs on the browser's main thread only (no wasm threads).
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

fn main() {
    leptos::mount::mount_to_body(app::App);
}
