//! `[llm]` in `agent.toml`: the OpenAI-compatible model the agent may use. Without it the
//! built-in engine answers, as it always has; with it, the model decides and writes, and the
//! built-in engine is the fallback whenever the model fails.

use serde::{Deserialize, Serialize};

/// `[llm]`: any OpenAI-compatible `/chat/completions` endpoint (OpenAI, Workers AI, Groq,
/// Together, vLLM, Ollama, llama.cpp's server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// Where the API lives, without `/chat/completions`, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model's name at that endpoint.
    pub model: String,
    /// The name of the Worker secret holding the API key (none: no `Authorization` header).
    #[serde(default)]
    pub api_key: Option<String>,
    /// Sampling temperature, 0–2.
    #[serde(default = "default_temperature")]
    pub temperature: f32,
    /// Most tokens one completion may write.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Longest one call to the model may take before the built-in engine answers instead.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// Most calls to the model in one turn (each tool result goes back for another).
    #[serde(default = "default_max_steps")]
    pub max_steps: u8,
    /// The owner's instructions, added to the system prompt (what to stress, what to avoid).
    #[serde(default)]
    pub instructions: Option<String>,
    /// Ask for the answer as a stream, shown to the visitor as it is written (off: for a server
    /// that cannot stream tool calls; the reply then appears whole).
    #[serde(default = "yes")]
    pub stream: bool,
}

fn yes() -> bool {
    true
}

fn default_temperature() -> f32 {
    0.2
}
fn default_max_tokens() -> u32 {
    600
}
fn default_timeout_ms() -> u32 {
    20_000
}
fn default_max_steps() -> u8 {
    4
}

impl LlmConfig {
    /// The chat completions URL.
    pub fn completions_url(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }

    /// What is wrong, as (field under `llm.`, message).
    pub fn problems(&self, secrets: &[String]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |field: &str, message: String| out.push((format!("llm.{field}"), message));
        let url = self.base_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.len() < 10
            || url.contains(char::is_whitespace)
        {
            bad("base_url", format!("{url:?} must be an http(s) URL such as \"https://api.openai.com/v1\""));
        }
        if url.ends_with("/chat/completions") {
            bad("base_url", "leave out \"/chat/completions\": the edge adds it".into());
        }
        if self.model.trim().is_empty() {
            bad("model", "must name the model, e.g. \"gpt-4o-mini\"".into());
        }
        if let Some(key) = &self.api_key {
            if key.trim().is_empty() || key.contains(char::is_whitespace) || key.starts_with("sk-") {
                bad(
                    "api_key",
                    "must be the name of a Worker secret (e.g. \"OPENAI_API_KEY\"), never the key itself".into(),
                );
            } else if secrets.iter().any(|s| s == key) {
                bad("api_key", format!("{key:?} is also an action secret: give the model's key its own secret"));
            }
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            bad("temperature", format!("{} must be between 0 and 2", self.temperature));
        }
        if !(16..=8192).contains(&self.max_tokens) {
            bad("max_tokens", format!("{} must be between 16 and 8192", self.max_tokens));
        }
        if !(1_000..=120_000).contains(&self.timeout_ms) {
            bad("timeout_ms", format!("{} must be between 1000 and 120000", self.timeout_ms));
        }
        if !(1..=8).contains(&self.max_steps) {
            bad("max_steps", format!("{} must be between 1 and 8", self.max_steps));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::LlmConfig;

    fn config(toml_text: &str) -> LlmConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn defaults_fill_what_the_owner_leaves_out() {
        let c = config("base_url = \"http://127.0.0.1:8792/v1/\"\nmodel = \"m\"");
        assert_eq!(c.completions_url(), "http://127.0.0.1:8792/v1/chat/completions");
        assert_eq!((c.max_steps, c.timeout_ms, c.api_key.as_deref()), (4, 20_000, None));
        assert!(c.problems(&[]).is_empty());
    }

    #[test]
    fn a_key_written_in_place_of_its_secret_name_is_refused() {
        let c = config("base_url = \"https://api.openai.com/v1\"\nmodel = \"m\"\napi_key = \"sk-abc123\"");
        let problems = c.problems(&[]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "llm.api_key");
    }

    #[test]
    fn bounds_and_urls_are_checked() {
        let c = config(
            "base_url = \"api.openai.com/v1/chat/completions\"\nmodel = \" \"\ntemperature = 3.0\nmax_steps = 0",
        );
        let fields: Vec<String> = c.problems(&[]).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["llm.base_url", "llm.base_url", "llm.model", "llm.temperature", "llm.max_steps"]);
    }
}
