//! Custom actions: the owner's HTTP calls, run by the edge on the agent's behalf. This module owns
//! the guards around them (SSRF policy, redaction of what is logged).

pub mod execute;
pub mod guard;
pub mod network;
pub mod redact;
pub mod render;
pub mod runner;
pub mod ssrf;
pub mod token_endpoint;

#[cfg(test)]
mod execute_tests;
#[cfg(test)]
mod runner_tests;
