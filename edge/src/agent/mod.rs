//! The agent: an engine that turns a visitor's message into replies.

pub mod builtin;
pub mod cards;
pub mod engine;
pub mod intent;
pub mod llm;
pub mod planner;
pub mod sentiment;
pub mod smalltalk;

#[cfg(test)]
mod demo_questions;
#[cfg(test)]
mod format_questions;
#[cfg(test)]
mod site_questions;

pub use builtin::BuiltinEngine;
pub use engine::{AnswerEngine, Question, Reply};
