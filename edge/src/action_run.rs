//! One action run as it is logged and shown: the vocabulary is `shared::action_run`, which the
//! owner's console reads too.

pub use shared::action_run::*;
