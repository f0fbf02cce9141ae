// Benchmark (not a test): a model's streamed reply on local workerd. Starts the clinic's built
// edge (target/sites/clinic, built by scripts/test or scripts/build-site-edge; its agent runs on
// [llm]) on a spare port with a fresh D1 state, and the scripted model server
// (tests/model/server.mjs) on the port its [llm] names, then prints over N messages:
//   - time to first token: from posting a message until the visitor's socket gets the first piece
//     of the reply (median, p99); the scripted model answers at once, so this is the edge's own
//     cost (the turn, retrieval, the call, the first read, the push);
//   - time to the stored reply: until the message itself arrives on the socket (median, p99).
// Node 20 has WebSocket behind --experimental-websocket (the script re-runs itself with it).
// Usage: node scripts/bench-stream.mjs [N=100]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (typeof WebSocket === "undefined") {
  const r = spawnSync(process.execPath, ["--experimental-websocket", "--no-warnings", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const n = Number(process.argv[2] ?? 100);
const port = 8914;
const base = `http://127.0.0.1:${port}`;
const model = "http://127.0.0.1:8792";
const root = new URL("..", import.meta.url).pathname;
const state = mkdtempSync(join(tmpdir(), "switchboard-bench-stream-"));
const spawned = [
  spawn("bash", ["scripts/serve-edge", String(port), state, "target/sites/clinic"], { cwd: root, stdio: "ignore", detached: true }),
  spawn(process.execPath, ["tests/model/server.mjs", "8792"], { cwd: root, stdio: "ignore", detached: true }),
];
const stop = () => spawned.forEach((p) => { try { process.kill(-p.pid, "SIGTERM"); } catch {} });
process.on("exit", stop);
for (const url of [`${base}/api/v1/site`, `${model}/__requests`]) {
  for (let i = 0; ; i++) {
    try { if ((await fetch(url)).ok) break; } catch {}
    if (i > 240) throw new Error(`${url} did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(1);
const answer = "Riverside Main has a free car park behind the building, free for up to two hours [1].";
// Ten messages per conversation, each conversation from its own visitor address, so no visitor
// limit is reached (a conversation takes 20 messages a minute, an address 60 sockets).
const first = [], whole = [];
let conv, ws, address;
let onEvent = () => {};
for (let i = 0; i < n; i++) {
  if (i % 10 === 0) {
    ws?.close();
    address = { "cf-connecting-ip": `198.51.100.${(i / 10) % 250}` };
    conv = await (await fetch(`${base}/api/v1/conversations`, { method: "POST", headers: address })).json();
    ws = await new Promise((resolve, reject) => {
      const after = conv.messages.at(-1).id;
      const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/conversations/${conv.conversation_id}/live?after=${after}`, ["switchboard.live.v1", `bearer.${conv.token}`]);
      ws.onmessage = (e) => {
        const event = JSON.parse(e.data);
        if (event.type === "ready") resolve(ws);
        else onEvent(event);
      };
      ws.onerror = () => reject(new Error("socket refused"));
    });
  }
  await fetch(`${model}/__script`, { method: "POST", body: JSON.stringify([{ content: answer, piece: 6 }]) });
  const started = performance.now();
  const done = new Promise((resolve) => {
    let gotFirst = false;
    onEvent = (event) => {
      if (event.type === "reply_delta" && !gotFirst) {
        gotFirst = true;
        first.push(performance.now() - started);
      }
      if (event.type === "message" && event.message.author === "bot") {
        whole.push(performance.now() - started);
        resolve();
      }
    };
  });
  const r = await fetch(`${base}/api/v1/conversations/${conv.conversation_id}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${conv.token}`, ...address },
    body: JSON.stringify({ text: "where can I park?", client_message_id: `bench-${i}` }),
  });
  if (!r.ok) throw new Error(`post ${i}: ${r.status} ${await r.text()}`);
  await done;
}
ws.close();
console.log(`streamed replies on local workerd, ${n} messages (the scripted model answers at once):`);
console.log(`  time to first token: median ${q(first, 0.5)} ms, p99 ${q(first, 0.99)} ms`);
console.log(`  time to the stored reply: median ${q(whole, 0.5)} ms, p99 ${q(whole, 0.99)} ms`);
process.exit(0);
