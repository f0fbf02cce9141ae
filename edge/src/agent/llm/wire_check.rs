//! The wire check against a real OpenAI-compatible server (`scripts/llm-wire-check` starts
//! llama.cpp's with a tiny model): what that server writes, streamed and not, is read by this
//! edge — an answer through a whole turn, and a tool call when the request forces one. Quality is
//! not the point; the format is. Run only by that script.

use super::client::Completion;
use super::stream::StreamReader;
use super::tools::tools;
use super::wire::{ChatMessage, ChatRequest, ChatResponse, StreamOptions};
use crate::api::test_world::World;
use crate::api::tests::{block_on, messages_path};
use crate::store::ModelUsageStore;
use serde_json::{json, Value};

/// The server's base URL and model, from the script.
fn server() -> (String, String) {
    let base = std::env::var("WIRE_CHECK_BASE_URL").expect("set WIRE_CHECK_BASE_URL (scripts/llm-wire-check does)");
    let model = std::env::var("WIRE_CHECK_MODEL").unwrap_or_else(|_| "tiny".into());
    (base, model)
}

/// One POST to the server, its status and body.
fn post(url: &str, body: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response =
        agent.post(url).header("content-type", "application/json").send(body).unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().expect("a body"))
}

fn site(base: &str, model: &str, stream: bool) -> shared::site::SiteBundle {
    let mut site = crate::api::tests::site();
    site.agent.llm = Some(
        toml::from_str(&format!(
            "base_url = \"{base}\"\nmodel = \"{model}\"\nmax_tokens = 24\ntimeout_ms = 120000\nmax_steps = 1\nstream = {stream}"
        ))
        .expect("an [llm] section"),
    );
    site
}

#[test]
#[ignore = "needs a model server: scripts/llm-wire-check"]
fn a_real_servers_answers_reach_the_visitor_streamed_and_whole() {
    let (base, model) = server();
    // Whole first: a failure of the streamed form does not hide how the whole one went.
    for stream in [false, true] {
        let w = World::with_site(site(&base, &model, stream));
        let url = format!("{base}/chat/completions");
        *w.network.1.borrow_mut() = Some(Box::new(move |r: &crate::actions::render::OutboundRequest| {
            if r.url == url {
                post(&r.url, r.body.as_deref().unwrap_or_default())
            } else {
                (200, "{}".into())
            }
        }));
        let (id, token) = w.start();
        let body = json!({"text": "hello, what are the withdrawal fees?", "client_message_id": "k1"}).to_string();
        let (status, v) = w.call("POST", &messages_path(&id), Some(&token), &body);
        assert_eq!(status, 200, "{v}");
        let calls = block_on(w.index().model_calls(5, None)).unwrap();
        println!("stream={stream}: {:?}; replied {:?}", calls[0], v["messages"][1]["text"]);
        assert_eq!(calls[0].outcome, "ok", "stream={stream}: the server's answer was read");
        // A server may ignore `stream_options` (llama-cpp-python does): streamed usage is then 0.
        assert!(stream || calls[0].prompt_tokens > 0, "stream={stream}: usage was read");
    }
}

#[test]
#[ignore = "needs a model server: scripts/llm-wire-check"]
fn a_real_servers_tool_call_is_read_streamed_and_whole() {
    let (base, model) = server();
    let site = site(&base, &model, true);
    let tool = "tx-status";
    for stream in [false, true] {
        let request = ChatRequest {
            model: model.clone(),
            messages: vec![ChatMessage::text("user", "status of my transaction please")],
            tools: tools(&site),
            temperature: 0.0,
            max_tokens: 128,
            stream,
            stream_options: stream.then_some(StreamOptions { include_usage: true }),
        };
        let mut body = serde_json::to_value(&request).unwrap();
        // Forced, so a tiny model writes a call all the same (the edge never forces one).
        body["tool_choice"] = json!({"type": "function", "function": {"name": tool}});
        let (status, text) = post(&format!("{base}/chat/completions"), &body.to_string());
        assert_eq!(status, 200, "{text}");
        let completion: Completion = if stream {
            let mut reader = StreamReader::default();
            reader.feed(text.as_bytes());
            reader.finish(false).unwrap_or_else(|e| panic!("{e}: {text}"))
        } else {
            let parsed: ChatResponse = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            Completion { message: parsed.choices[0].message.clone(), usage: parsed.usage.unwrap_or_default() }
        };
        let call = completion.message.tool_calls.first().unwrap_or_else(|| panic!("no tool call: {text}"));
        println!("stream={stream}: {}({})", call.function.name, call.function.arguments);
        assert_eq!(call.function.name, tool);
        assert!(serde_json::from_str::<Value>(&call.function.arguments).is_ok_and(|v| v.is_object()));
    }
}
