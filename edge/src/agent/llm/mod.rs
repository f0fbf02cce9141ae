//! The LLM engine: any OpenAI-compatible model with tool calling (`[llm]` in `agent.toml`). It
//! only decides and writes: the owner's actions are its tools (`tools`), what it reads is built
//! here (`prompt`), one call goes over the edge's network (`client`, `wire`); the turn
//! (`conversation::model_turn`) runs the loop and carries every call out behind the same guards
//! as the built-in engine's decisions.

pub mod client;
pub mod prompt;
pub mod stream;
pub mod tools;
pub mod wire;
#[cfg(test)]
mod wire_check;
