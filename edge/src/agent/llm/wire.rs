//! The OpenAI chat-completions wire format, as far as the edge uses it: the request with tools,
//! the response's message, tool calls and token usage. Our own small types keep the Worker small
//! and read every provider the same way (OpenAI, Workers AI, Groq, vLLM, Ollama, llama.cpp).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /chat/completions`.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    /// The model's name.
    pub model: String,
    /// The conversation as the model sees it.
    pub messages: Vec<ChatMessage>,
    /// What the model may call; left out when empty (some servers refuse `[]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Sampling temperature.
    pub temperature: f32,
    /// Most tokens to write.
    pub max_tokens: u32,
    /// Whether the answer comes as server-sent events.
    pub stream: bool,
    /// With `stream`: ask for the usage in the last chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

/// `stream_options`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StreamOptions {
    /// Send the usage in a last chunk.
    pub include_usage: bool,
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// The text (null on an assistant message that only calls tools).
    #[serde(default)]
    pub content: Option<String>,
    /// The calls an assistant message makes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call a tool message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A message with only text.
    pub fn text(role: &str, content: impl Into<String>) -> Self {
        Self { role: role.into(), content: Some(content.into()), tool_calls: Vec::new(), tool_call_id: None }
    }

    /// The result of the call `id`.
    pub fn tool_result(id: &str, content: impl Into<String>) -> Self {
        Self {
            role: "tool".into(),
            content: Some(content.into()),
            tool_calls: Vec::new(),
            tool_call_id: Some(id.into()),
        }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The function.
    pub function: FunctionDef,
}

/// A function's name, what it does and its parameters as JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionDef {
    /// `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What it does and when not to use it.
    pub description: String,
    /// JSON Schema of the arguments (an object).
    pub parameters: Value,
}

/// A call the model asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The model's id for the call, echoed in the result.
    #[serde(default)]
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default = "function_kind")]
    pub kind: String,
    /// Which function, with what.
    pub function: FunctionCall,
}

fn function_kind() -> String {
    "function".into()
}

/// The function called and its arguments, a JSON text (which may be malformed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// The arguments as JSON text; some servers send an object instead, kept as its text.
    #[serde(default, deserialize_with = "arguments_text")]
    pub arguments: String,
}

fn arguments_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// The response body.
#[derive(Debug, Clone, Deserialize)]
pub struct ChatResponse {
    /// The choices; the edge reads the first.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Tokens used, when the server counts them.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// The model that answered, as the server names it.
    #[serde(default)]
    pub model: Option<String>,
}

/// One choice.
#[derive(Debug, Clone, Deserialize)]
pub struct Choice {
    /// The assistant's message.
    pub message: ChatMessage,
}

/// Tokens used by one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens read.
    #[serde(default)]
    pub prompt_tokens: u32,
    /// Tokens written.
    #[serde(default)]
    pub completion_tokens: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_call_is_read_whether_its_arguments_are_text_or_an_object() {
        let body = r#"{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
            {"id":"c1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}},
            {"id":"c2","function":{"name":"b","arguments":{"y":"z"}}}]}}],
            "usage":{"prompt_tokens":12,"completion_tokens":3}}"#;
        let r: ChatResponse = serde_json::from_str(body).unwrap();
        let calls = &r.choices[0].message.tool_calls;
        assert_eq!(calls[0].function.arguments, r#"{"x":1}"#);
        assert_eq!(calls[1].function.arguments, r#"{"y":"z"}"#);
        assert_eq!(r.usage, Some(Usage { prompt_tokens: 12, completion_tokens: 3 }));
    }

    #[test]
    fn a_request_leaves_out_empty_tools_and_sends_tool_results_with_their_ids() {
        let request = ChatRequest {
            model: "m".into(),
            messages: vec![ChatMessage::text("user", "hi"), ChatMessage::tool_result("c1", "{}")],
            tools: Vec::new(),
            temperature: 0.2,
            max_tokens: 100,
            stream: false,
            stream_options: None,
        };
        let json = serde_json::to_value(&request).unwrap();
        assert!(json.get("tools").is_none());
        assert_eq!(json["messages"][1]["tool_call_id"], "c1");
        assert!(json["messages"][0].get("tool_calls").is_none());
    }
}
