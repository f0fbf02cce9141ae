//! The inbox's side of the edge: support agents signing in (`password`, `session`, `sign_in`).
//! The inbox's conversation views build on these.

pub mod password;
pub mod session;
pub mod sign_in;
