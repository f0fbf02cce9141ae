// Benchmark (not a test): latency of POST /api/v1/conversations/{id}/messages on local workerd.
// Starts the built edge (run scripts/build-edge and scripts/build-assets first) on a spare port
// with a fresh D1 state, warms up, then times N sequential posts. Prints median and p99, and the
// share of it spent in the rate limiter (the edge reports it as `Server-Timing: limiter;dur=…`).
// A new conversation every 15 messages keeps under the per-conversation limit (20 per minute).
// Usage: node scripts/bench-latency.mjs [N=300]
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const n = Number(process.argv[2] ?? 300);
const port = 8911;
const base = `http://127.0.0.1:${port}`;
const root = new URL("..", import.meta.url).pathname;
const state = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
const server = spawn("bash", ["scripts/serve-edge", String(port), state], { cwd: root, stdio: "ignore", detached: true });
const stop = () => { try { process.kill(-server.pid, "SIGTERM"); } catch {} };
process.on("exit", stop);

for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/api/v1/site`)).ok) break; } catch {}
  if (i > 240) throw new Error("edge did not start");
  await new Promise((r) => setTimeout(r, 250));
}
let conv = null;
const fresh = async () => (conv = await (await fetch(`${base}/api/v1/conversations`, { method: "POST" })).json());
const limiter = [];
const questions = ["what are the withdrawal fees for bitcoin?", "how long do ethereum deposits take?", "how do I reset 2FA?", "what is the capital of France?"];
const post = async (i) => {
  if (i % 15 === 0 || !conv) await fresh();
  const t = performance.now();
  const res = await fetch(`${base}/api/v1/conversations/${conv.conversation_id}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${conv.token}`, "content-type": "application/json" },
    body: JSON.stringify({ text: questions[i % questions.length], client_message_id: `bench-${i}` }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const timing = /limiter;dur=([0-9.]+)/.exec(res.headers.get("server-timing") ?? "");
  if (timing) limiter.push(Number(timing[1]));
  return performance.now() - t;
};
for (let i = 0; i < 20; i++) await post(100_005 + i); // warm-up
limiter.length = 0;
const times = [];
for (let i = 0; i < n; i++) times.push(await post(i));
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
console.log(`post-message on local workerd, ${n} sequential requests: median ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${times.at(-1).toFixed(2)} ms`);
limiter.sort((a, b) => a - b);
if (limiter.length) {
  const l = (p) => limiter[Math.min(limiter.length - 1, Math.floor(p * limiter.length))].toFixed(2);
  console.log(`  of which the rate limiter (Durable Object round trips): median ${l(0.5)} ms, p90 ${l(0.9)} ms, p99 ${l(0.99)} ms`);
}
stop();
process.exit(0);
