//! The conversation layer, below the HTTP API: one turn of a conversation — plan, then carry the
//! plan out behind the guards, log every run, keep the conversation's state.

pub mod turn;
