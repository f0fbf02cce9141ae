//! A streamed chat completion read as it arrives: server-sent events (`data: {…}` lines, ending
//! with `data: [DONE]`) whose chunks carry pieces of the text, pieces of tool calls (assembled by
//! their `index`) and, last, the usage. Pieces of text are handed on as they complete; a stream
//! that ends before its end is a failed call, and a stopped one keeps its text and drops any
//! half-written tool call, which never runs.

use super::client::{Completion, ModelError};
use super::wire::{ChatMessage, FunctionCall, ToolCall, Usage};
use serde_json::Value;

/// Longest line kept while waiting for its end (a chunk is far smaller).
const MAX_LINE_BYTES: usize = 64 * 1024;

/// The state of one streamed completion.
#[derive(Debug, Default)]
pub struct StreamReader {
    /// Bytes after the last complete line.
    partial: Vec<u8>,
    /// The text so far.
    content: String,
    /// Tool calls so far: id, name and arguments, by index.
    calls: Vec<(String, String, String)>,
    usage: Usage,
    /// `[DONE]` or a finish reason was read.
    ended: bool,
    /// The server said something that is not a chunk.
    broken: Option<String>,
}

impl StreamReader {
    /// Reads `bytes`; returns the pieces of text they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        if self.broken.is_some() {
            // Nothing more is shown once the stream said something that is not a chunk.
            return Vec::new();
        }
        self.partial.extend_from_slice(bytes);
        let mut pieces = Vec::new();
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            if let Some(piece) = self.line(line.trim_end_matches(['\n', '\r'])) {
                pieces.push(piece);
            }
            if self.broken.is_some() {
                self.partial.clear();
                return Vec::new();
            }
        }
        if self.partial.len() > MAX_LINE_BYTES {
            self.broken = Some("a line longer than 64 KiB".into());
            self.partial.clear();
        }
        pieces
    }

    /// One line of the stream; the text piece it carries, if any.
    fn line(&mut self, line: &str) -> Option<String> {
        let data = line.strip_prefix("data:")?.trim_start();
        if data == "[DONE]" {
            self.ended = true;
            return None;
        }
        let chunk: Value = match serde_json::from_str(data) {
            Ok(v) => v,
            Err(e) => {
                self.broken = Some(format!("an unreadable chunk ({e})"));
                return None;
            }
        };
        if let Some(error) = chunk.get("error") {
            self.broken = Some(format!("the server reported an error: {error}"));
            return None;
        }
        if let Some(usage) = chunk.get("usage").and_then(|u| serde_json::from_value::<Usage>(u.clone()).ok()) {
            self.usage = usage;
        }
        let choice = chunk.get("choices").and_then(|c| c.get(0))?;
        if choice.get("finish_reason").is_some_and(|f| !f.is_null()) {
            self.ended = true;
        }
        let delta = choice.get("delta")?;
        for call in delta.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
            let index = call.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
            // At most a few calls a turn: a made-up index cannot grow the list without bound.
            if index >= 16 {
                continue;
            }
            if self.calls.len() <= index {
                self.calls.resize(index + 1, Default::default());
            }
            let slot = &mut self.calls[index];
            if let Some(id) = call.get("id").and_then(Value::as_str) {
                slot.0 = id.to_string();
            }
            let function = call.get("function");
            if let Some(name) = function.and_then(|f| f.get("name")).and_then(Value::as_str) {
                // OpenAI sends the name once, in a call's first piece; llama.cpp's server (through
                // llama-cpp-python) repeats it whole in every piece: that is not more of it.
                if slot.1 != name {
                    slot.1.push_str(name);
                }
            }
            if let Some(args) = function.and_then(|f| f.get("arguments")).and_then(Value::as_str) {
                slot.2.push_str(args);
            }
        }
        let text = delta.get("content").and_then(Value::as_str).filter(|t| !t.is_empty())?;
        self.content.push_str(text);
        Some(text.to_string())
    }

    /// The completion: the text and the calls, or, with `stopped`, the text alone. A stream that
    /// ended before its end, or that said something unreadable, is a failed call.
    pub fn finish(mut self, stopped: bool) -> Result<Completion, ModelError> {
        if let Some(why) = self.broken.take() {
            return Err(ModelError::Malformed(why));
        }
        if !stopped && !self.ended {
            return Err(ModelError::Malformed("the stream ended before its end".into()));
        }
        let tool_calls = if stopped {
            Vec::new()
        } else {
            self.calls
                .into_iter()
                .enumerate()
                .filter(|(_, (_, name, _))| !name.is_empty())
                .map(|(i, (id, name, arguments))| ToolCall {
                    id: if id.is_empty() { format!("call_{i}") } else { id },
                    kind: "function".into(),
                    function: FunctionCall { name, arguments },
                })
                .collect()
        };
        if !stopped && self.content.trim().is_empty() && tool_calls.is_empty() {
            return Err(ModelError::Malformed("an empty answer".into()));
        }
        let message = ChatMessage {
            role: "assistant".into(),
            content: (!self.content.is_empty()).then_some(self.content),
            tool_calls,
            tool_call_id: None,
        };
        Ok(Completion { message, usage: self.usage })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chunk(delta: &str) -> String {
        format!("data: {{\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":null}}]}}\n\n")
    }

    #[test]
    fn text_pieces_come_as_they_complete_whatever_the_byte_boundaries() {
        let stream = format!(
            "{}{}{}data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":9,\"completion_tokens\":2}}}}\n\ndata: [DONE]\n\n",
            chunk(r#"{"role":"assistant","content":""}"#),
            chunk(r#"{"content":"Hel"}"#),
            chunk(r#"{"content":"lo ✓"}"#),
        );
        let mut reader = StreamReader::default();
        let mut pieces = Vec::new();
        // One byte at a time: a multi-byte character split across reads still arrives whole.
        for b in stream.as_bytes() {
            pieces.extend(reader.feed(std::slice::from_ref(b)));
        }
        assert_eq!(pieces, ["Hel", "lo ✓"]);
        let done = reader.finish(false).unwrap();
        assert_eq!(done.message.content.as_deref(), Some("Hello ✓"));
        assert_eq!(done.usage, Usage { prompt_tokens: 9, completion_tokens: 2 });
    }

    #[test]
    fn tool_calls_are_assembled_from_their_pieces() {
        let stream = [
            chunk(r#"{"tool_calls":[{"index":0,"id":"c9","type":"function","function":{"name":"order-status","arguments":""}}]}"#),
            chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"order\":"}}]}"#),
            chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"ORD-12345\"}"}}]}"#),
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n".to_string(),
        ]
        .concat();
        let mut reader = StreamReader::default();
        assert!(reader.feed(stream.as_bytes()).is_empty());
        let calls = reader.finish(false).unwrap().message.tool_calls;
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].id.as_str(), calls[0].function.name.as_str()), ("c9", "order-status"));
        assert_eq!(calls[0].function.arguments, r#"{"order":"ORD-12345"}"#);
    }

    #[test]
    fn a_server_that_repeats_the_name_in_every_piece_gives_one_call_with_its_name_once() {
        // As llama-cpp-python's server streams a forced call (its chunks' shape, trimmed): the
        // name and id whole in every piece, a legacy `function_call` copy beside them.
        let piece = |args: &str| {
            let call = json!({"index": 0, "id": "call__0_tx-status", "type": "function",
                "function": {"name": "tx-status", "arguments": args}});
            let delta = json!({"role": null, "content": null, "function_call": {"name": "tx-status", "arguments": args},
                "tool_calls": [call]});
            format!(
                "data: {}\n\n",
                json!({"object": "chat.completion.chunk", "choices": [{"index": 0,
                "finish_reason": null, "logprobs": null, "delta": delta}]})
            )
        };
        let mut stream = String::from(
            "data: {\"choices\": [{\"index\": 0, \"finish_reason\": null, \"delta\": {\"role\": \"assistant\", \
             \"content\": null, \"function_call\": null, \"tool_calls\": null}}]}\n\n",
        );
        for args in ["{", "\"", "tx", "\":\"", "\"}"] {
            stream.push_str(&piece(args));
        }
        stream.push_str(
            "data: {\"choices\": [{\"index\": 0, \"finish_reason\": \"tool_calls\", \"delta\": {\"role\": null, \
                         \"content\": null, \"function_call\": null, \"tool_calls\": null}}]}\n\ndata: [DONE]\n\n",
        );
        let mut reader = StreamReader::default();
        reader.feed(stream.as_bytes());
        let calls = reader.finish(false).unwrap().message.tool_calls;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].function.name, "tx-status");
        assert_eq!(calls[0].function.arguments, r#"{"tx":""}"#);
    }

    #[test]
    fn a_cut_stream_fails_and_a_stopped_one_keeps_its_text_and_runs_no_half_call() {
        let mut cut = StreamReader::default();
        cut.feed(chunk(r#"{"content":"Your refund is"}"#).as_bytes());
        assert!(matches!(cut.finish(false), Err(ModelError::Malformed(_))));

        let mut stopped = StreamReader::default();
        stopped.feed(chunk(r#"{"content":"Let me look"}"#).as_bytes());
        stopped.feed(
            chunk(r#"{"tool_calls":[{"index":0,"id":"c1","function":{"name":"cancel-order","arguments":"{\"or"}}]}"#)
                .as_bytes(),
        );
        let kept = stopped.finish(true).unwrap();
        assert_eq!(kept.message.content.as_deref(), Some("Let me look"));
        assert!(kept.message.tool_calls.is_empty());

        let mut error = StreamReader::default();
        error.feed(b"data: {\"error\":{\"message\":\"overloaded\"}}\n\n");
        assert!(matches!(error.finish(false), Err(ModelError::Malformed(_))));
    }
}
