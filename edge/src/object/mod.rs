//! What a conversation's Durable Object decides, as plain code the native tests run; the
//! runtime's side (sockets, alarms, its SQLite) stays in `glue::live`. So far: when its journal
//! must reach D1 (`flush`).

pub mod flush;
