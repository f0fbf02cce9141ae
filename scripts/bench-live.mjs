// Benchmark (not a test): live conversations on local workerd. Starts the built edge (run
// scripts/build-edge and scripts/build-assets first) on a spare port with a fresh D1 state and prints:
//   1. delivery latency agent → visitor: an admin-API agent message until the visitor's socket
//      has it (median, p99 over N sequential messages);
//   2. the visitor's share of one conversation object's sockets: opens it (20), pushes messages,
//      and counts what every socket got (and that one more is refused);
//   3. post-message latency (median, sequential, with the visitor's socket open);
//   4. throughput: 20 concurrent visitors posting vs 20 concurrent GET /api/v1/site in the same
//      run, as a ratio, then checks every acknowledged message is stored exactly once.
// Node 20 has WebSocket behind --experimental-websocket (the script re-runs itself with it);
// no dependency. Usage: node scripts/bench-live.mjs [N=1000]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (typeof WebSocket === "undefined") {
  const r = spawnSync(process.execPath, ["--experimental-websocket", "--no-warnings", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const n = Number(process.argv[2] ?? 1000);
const port = 8913;
const base = `http://127.0.0.1:${port}`;
const root = new URL("..", import.meta.url).pathname;
const admin = readFileSync(join(root, "edge/.dev.vars.example"), "utf8").match(/^ADMIN_TOKEN=(.*)$/m)[1];
const state = mkdtempSync(join(tmpdir(), "switchboard-bench-live-"));
const server = spawn("bash", ["scripts/serve-edge", String(port), state], { cwd: root, stdio: "ignore", detached: true });
const stop = () => { try { process.kill(-server.pid, "SIGTERM"); } catch {} };
process.on("exit", stop);
for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/api/v1/site`)).ok) break; } catch {}
  if (i > 240) throw new Error("edge did not start");
  await new Promise((r) => setTimeout(r, 250));
}

const json = { "content-type": "application/json" };
const create = async (headers = {}) => (await fetch(`${base}/api/v1/conversations`, { method: "POST", headers })).json();
// Twenty visitors are twenty people: each posts from its own address (workerd takes the client's
// CF-Connecting-IP locally), so the per-address limits count each on its own, as in production.
const visitorAddress = (v) => ({ "cf-connecting-ip": `203.0.113.${v + 1}` });
const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(2);
let seq = 0;
const agentSays = (id, text) =>
  fetch(`${base}/api/v1/admin/conversations/${id}/messages`, {
    method: "POST",
    headers: { ...json, authorization: `Bearer ${admin}` },
    body: JSON.stringify({ agent: "Ana", text, client_message_id: `bench-agent-${seq++}` }),
  });
/** Opens a visitor socket; resolves once the edge says it is caught up. */
const open = (conv, onEvent = () => {}) =>
  new Promise((resolve, reject) => {
    const after = conv.messages.at(-1).id;
    const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/conversations/${conv.conversation_id}/live?after=${after}`, ["switchboard.live.v1", `bearer.${conv.token}`]);
    ws.onmessage = (e) => {
      const event = JSON.parse(e.data);
      if (event.type === "ready") resolve(ws);
      else onEvent(event);
    };
    ws.onerror = () => reject(new Error("socket refused"));
  });

// 1. Delivery latency.
{
  const conv = await create();
  const waiting = new Map();
  const ws = await open(conv, (e) => e.type === "message" && waiting.get(e.message.text)?.());
  const times = [];
  for (let i = 0; i < n; i++) {
    const text = `latency ${i}`;
    const t = performance.now();
    const arrived = new Promise((r) => waiting.set(text, r));
    const res = await agentSays(conv.conversation_id, text);
    if (res.status !== 201) throw new Error(`agent message: HTTP ${res.status}`);
    await arrived;
    times.push(performance.now() - t);
  }
  ws.close();
  times.sort((a, b) => a - b);
  console.log(`delivery agent → visitor, ${n} messages: median ${q(times, 0.5)} ms, p99 ${q(times, 0.99)} ms, max ${times.at(-1).toFixed(2)} ms`);
}

// 2. Concurrent sockets on one conversation object: a visitor's token holds at most 20 of them
// (the rest of the object's 200 are kept for agents watching); the 21st is refused.
{
  const conv = await create();
  const counts = [];
  const sockets = [];
  let errors = 0;
  for (let i = 0; i < 20; i++) {
    counts.push(0);
    try {
      sockets.push(await open(conv, (e) => e.type === "message" && counts[i]++));
    } catch {
      errors++;
    }
  }
  const extra = await open(conv).then(() => "accepted", () => "refused");
  const pushes = 10;
  for (let i = 0; i < pushes; i++) await agentSays(conv.conversation_id, `fan-out ${i}`);
  await new Promise((r) => setTimeout(r, 1000));
  const complete = counts.filter((c) => c === pushes).length;
  console.log(`one conversation object: ${sockets.length} visitor sockets open (${errors} errors), ${complete} got all ${pushes} pushes exactly once; the 21st ${extra}`);
  for (const ws of sockets) ws.close();
}

// 3. Post-message latency (sequential, the visitor's socket open).
{
  let conv = await create();
  let ws = await open(conv);
  const times = [];
  for (let i = 0; i < 200; i++) {
    if (i % 15 === 14) { ws.close(); conv = await create(); ws = await open(conv); }
    const t = performance.now();
    const res = await fetch(`${base}/api/v1/conversations/${conv.conversation_id}/messages`, {
      method: "POST",
      headers: { ...json, authorization: `Bearer ${conv.token}` },
      body: JSON.stringify({ text: "what are the withdrawal fees for bitcoin?", client_message_id: `lat-${i}` }),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (i >= 20) times.push(performance.now() - t);
  }
  ws.close();
  times.sort((a, b) => a - b);
  console.log(`post-message, 180 sequential with a socket open: median ${q(times, 0.5)} ms, p99 ${q(times, 0.99)} ms`);
}

// 4. Throughput: 20 visitors posting vs 20 readers of /api/v1/site, each for `seconds`.
{
  const seconds = 8;
  const visitors = 20;
  const run = async (work) => {
    const end = performance.now() + seconds * 1000;
    const times = [];
    await Promise.all(Array.from({ length: visitors }, async (_, v) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await work(v, i);
        times.push(performance.now() - t);
      }
    }));
    times.sort((a, b) => a - b);
    return { rate: times.length / seconds, p50: q(times, 0.5) };
  };
  const site = await run(async () => { const r = await fetch(`${base}/api/v1/site`); await r.arrayBuffer(); });
  const acknowledged = new Map(); // conversation id → { conv, ids: Set of client ids }
  const convs = [];
  let lost = 0;
  const posts = await run(async (v, i) => {
    // A new conversation every 15 messages keeps under 20 per conversation per minute.
    if (i % 15 === 0) convs[v] = await create(visitorAddress(v));
    const conv = convs[v];
    const id = `tp-${v}-${i}`;
    const res = await fetch(`${base}/api/v1/conversations/${conv.conversation_id}/messages`, {
      method: "POST",
      headers: { ...json, ...visitorAddress(v), authorization: `Bearer ${conv.token}` },
      body: JSON.stringify({ text: "how long do ethereum deposits take?", client_message_id: id }),
    });
    await res.arrayBuffer();
    if (res.ok) {
      if (!acknowledged.has(conv.conversation_id)) acknowledged.set(conv.conversation_id, { conv, ids: new Set() });
      acknowledged.get(conv.conversation_id).ids.add(id);
    } else lost++;
  });
  let stored = 0, missing = 0, doubled = 0;
  for (const { conv, ids } of acknowledged.values()) {
    const history = await (await fetch(`${base}/api/v1/conversations/${conv.conversation_id}/messages`, { headers: { authorization: `Bearer ${conv.token}` } })).json();
    const seen = new Map();
    for (const m of history.messages) if (m.client_message_id) seen.set(m.client_message_id, (seen.get(m.client_message_id) ?? 0) + 1);
    for (const id of ids) {
      const c = seen.get(id) ?? 0;
      if (c === 0) missing++;
      if (c > 1) doubled++;
      stored += c ? 1 : 0;
    }
  }
  console.log(`throughput, ${visitors} concurrent for ${seconds} s: posts ${posts.rate.toFixed(1)}/s (p50 ${posts.p50} ms) vs GET /api/v1/site ${site.rate.toFixed(1)}/s (p50 ${site.p50} ms): ratio ${(posts.rate / site.rate).toFixed(3)}`);
  console.log(`  acknowledged ${stored + missing}, stored ${stored}, missing ${missing}, stored twice ${doubled}, refused or failed ${lost}`);
}
stop();
process.exit(0);
