//! Switchboard's edge: the Cloudflare Worker that holds the owner's configuration, stores
//! conversations and answers visitors. Everything but `glue` is plain Rust, tested natively.

pub mod action_run;
pub mod actions;
pub mod agent;
pub mod api;
pub mod attachments;
pub mod console_site;
pub mod conversation;
pub mod erasure;
pub mod handoff;
pub mod identity;
pub mod inbox;
pub mod knowledge;
pub mod limits;
pub mod live;
pub mod object;
pub mod pending;
pub mod reports;
pub mod site;
pub mod store;
pub mod token;
pub mod values;

#[cfg(test)]
mod eval;
#[cfg(test)]
mod figures;
#[cfg(test)]
mod test_support;

#[cfg(target_arch = "wasm32")]
mod glue;
