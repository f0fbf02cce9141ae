// A scripted OpenAI-compatible model server for the end-to-end tests: `POST /v1/chat/completions`
// answers with the next scripted turn, over real HTTP, whole or streamed as server-sent events
// (when the request asks `stream: true`), the way OpenAI, vLLM, Ollama and llama.cpp's server do.
// Usage: node tests/model/server.mjs [port=8792]
// Test hooks: POST /__script (a JSON array of turns, queued), GET /__requests (what it received:
// headers and body), GET /__reset. A turn is one of:
//   {"content": "text"}                           a reply (streamed in pieces of `piece` characters)
//   {"tool_calls": [{"name": "...", "arguments": "{...}"}]}
//   {"status": 429, "body": "..."}                an error answer
// and may add "delay_ms" (wait before answering), "piece" (characters per streamed chunk, default
// 4), "gap_ms" (between chunks), "cut_after" (streamed: drop the connection after that many chunks).
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? process.env.PORT ?? 8792);
let script = [];
let received = [];
let calls = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function usage() {
  return { prompt_tokens: 100 + calls, completion_tokens: 10 };
}

function toolCalls(turn) {
  return turn.tool_calls.map((c, i) => ({
    id: `call_${calls}_${i}`,
    type: "function",
    function: { name: c.name, arguments: c.arguments ?? "{}" },
  }));
}

async function whole(res, turn) {
  const message = turn.tool_calls
    ? { role: "assistant", content: null, tool_calls: toolCalls(turn) }
    : { role: "assistant", content: turn.content };
  send(res, 200, { id: `chatcmpl-${calls}`, object: "chat.completion", model: "scripted",
    choices: [{ index: 0, message, finish_reason: turn.tool_calls ? "tool_calls" : "stop" }], usage: usage() });
}

async function streamed(res, turn) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (delta, finish = null) =>
    `data: ${JSON.stringify({ id: `chatcmpl-${calls}`, object: "chat.completion.chunk", model: "scripted",
      choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const pieces = [];
  if (turn.tool_calls) {
    toolCalls(turn).forEach((c, index) => {
      pieces.push(chunk({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }));
      const args = c.function.arguments;
      for (let i = 0; i < args.length; i += 8) {
        pieces.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 8) } }] }));
      }
    });
    pieces.push(chunk({}, "tool_calls"));
  } else {
    pieces.push(chunk({ role: "assistant", content: "" }));
    const size = turn.piece ?? 4;
    for (let i = 0; i < turn.content.length; i += size) pieces.push(chunk({ content: turn.content.slice(i, i + size) }));
    pieces.push(chunk({}, "stop"));
  }
  pieces.push(`data: ${JSON.stringify({ id: `chatcmpl-${calls}`, object: "chat.completion.chunk", choices: [], usage: usage() })}\n\n`);
  pieces.push("data: [DONE]\n\n");
  for (let i = 0; i < pieces.length; i++) {
    if (turn.cut_after !== undefined && i >= turn.cut_after) {
      res.socket.destroy();
      return;
    }
    res.write(pieces[i]);
    if (turn.gap_ms) await sleep(turn.gap_ms);
  }
  res.end();
}

createServer((req, res) => {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const text = Buffer.concat(chunks).toString();
    if (url.pathname === "/__reset") {
      script = [];
      received = [];
      return send(res, 200, { ok: true });
    }
    if (url.pathname === "/__requests") return send(res, 200, received);
    if (url.pathname === "/__script" && req.method === "POST") {
      script.push(...JSON.parse(text));
      return send(res, 200, { queued: script.length });
    }
    if (url.pathname === "/v1/chat/completions" && req.method === "POST") {
      calls += 1;
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, { error: { message: "invalid JSON" } });
      }
      received.push({ authorization: req.headers.authorization ?? null, body });
      const turn = script.shift() ?? { status: 500, body: { error: { message: "the script ran out" } } };
      if (turn.delay_ms) await sleep(turn.delay_ms);
      if (turn.status) return send(res, turn.status, turn.body ?? { error: { message: "scripted error" } });
      return body.stream ? streamed(res, turn) : whole(res, turn);
    }
    send(res, 404, { error: { message: "not found" } });
  });
}).listen(port, "127.0.0.1", () => console.log(`scripted model on http://127.0.0.1:${port}/v1`));
