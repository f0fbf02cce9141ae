// Benchmark (not a test): the edge's proxy overhead per action call on local workerd.
// Starts the demo backend and the built edge (run scripts/build-edge and scripts/build-assets
// first), then for N rounds times (a) a direct call to the backend and (b) the same call run by
// the edge through the admin test endpoint, whose run reports the edge-measured duration.
// Overhead = edge-measured run duration − direct call. Prints median and p99 of each.
// Usage: node scripts/bench-actions.mjs [N=200]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const n = Number(process.argv[2] ?? 200);
const root = new URL("..", import.meta.url).pathname;
const port = 8912;
const base = `http://127.0.0.1:${port}`;
const backendUrl = "http://127.0.0.1:8788";
const vars = Object.fromEntries(readFileSync(join(root, "edge/.dev.vars.example"), "utf8").split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")));
const tx = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";

const children = [
  spawn("node", ["demo/backend/server.mjs", "8788"], { cwd: root, stdio: "ignore", detached: true }),
  spawn("bash", ["scripts/serve-edge", String(port), mkdtempSync(join(tmpdir(), "switchboard-bench-"))], { cwd: root, stdio: "ignore", detached: true }),
];
const stop = () => children.forEach((c) => { try { process.kill(-c.pid, "SIGTERM"); } catch {} });
process.on("exit", stop);
for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/api/v1/site`)).ok && (await fetch(`${backendUrl}/__requests`)).ok) break; } catch {}
  if (i > 240) throw new Error("servers did not start");
  await new Promise((r) => setTimeout(r, 250));
}

const direct = async () => {
  const t = performance.now();
  const r = await fetch(`${backendUrl}/v1/transactions/${tx}`, { headers: { authorization: `Bearer ${vars.EXCHANGE_API_KEY}` } });
  await r.arrayBuffer();
  return performance.now() - t;
};
const viaEdge = async () => {
  const t = performance.now();
  const r = await fetch(`${base}/api/v1/admin/actions/get-transaction-status/test`, {
    method: "POST",
    headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ variables: { "inputs.tx_hash": tx } }),
  });
  const body = await r.json();
  if (body.run?.status !== "ok") throw new Error(JSON.stringify(body));
  return { total: performance.now() - t, run: body.run.duration_ms };
};
for (let i = 0; i < 20; i++) { await direct(); await viaEdge(); }
const d = [], e = [], t = [];
for (let i = 0; i < n; i++) {
  d.push(await direct());
  const v = await viaEdge();
  e.push(v.run);
  t.push(v.total);
}
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
const overhead = e.map((x, i) => x - d[i]);
const f = (x) => x.toFixed(2).padStart(7);
console.log(`action call, ${n} rounds           median     p99   (ms)`);
console.log(`direct call to the target        ${f(q(d, 0.5))} ${f(q(d, 0.99))}`);
console.log(`edge-measured run duration       ${f(q(e, 0.5))} ${f(q(e, 0.99))}`);
console.log(`proxy overhead (run − direct)    ${f(q(overhead, 0.5))} ${f(q(overhead, 0.99))}`);
console.log(`whole test-endpoint request      ${f(q(t, 0.5))} ${f(q(t, 0.99))}   (includes D1 log write and local dev proxy)`);
stop();
process.exit(0);
