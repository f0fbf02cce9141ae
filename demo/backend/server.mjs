// Nova Exchange's demo API: the owner's backend that Switchboard's actions call. A real HTTP
// server with fictional data, so the demo and the tests exercise real network calls.
// Usage: node demo/backend/server.mjs [port=8788]   (keys: EXCHANGE_API_KEY, EXCHANGE_ADMIN_KEY env)
// Test hooks: GET /__requests (what it received), GET /__otp?email= (the last code it "emailed"),
// GET /__mode?status=&kyc= (how /v1/status and /v1/kyc misbehave), GET /__outbound (what the
// misbehaving modes saw). It also listens on port+1: a second origin for cross-origin redirects.
// GET /__channel/{page,ad} (pages on another origin than the edge's, for the channel tests).
// POST /__webhook: Switchboard's handoff webhook receiver, verifying each delivery with the README's
// snippet (verify-webhook.mjs); GET /__webhooks lists what arrived, GET /__webhook-mode?fail=N
// answers 500 to the next N deliveries.
import { createServer } from "node:http";
import { verifySwitchboardSignature } from "./verify-webhook.mjs";

const port = Number(process.argv[2] ?? process.env.PORT ?? 8788);
const API_KEY = process.env.EXCHANGE_API_KEY ?? "demo-exchange-key-5b1c9e";
const ADMIN_KEY = process.env.EXCHANGE_ADMIN_KEY ?? "demo-admin-key-77f0a2";
// The fake value of edge/.dev.vars.example.
const WEBHOOK_SECRET = process.env.HANDOFF_WEBHOOK_SECRET ?? "whsec_demo_3c9d27f1";
const webhooks = []; // {at, headers, raw, verified, answered}
let webhookFailures = 0;

const customers = {
  "ana@example.com": { name: "Ana Lima", kyc: { level: 2, status: "approved" }, balances: { BTC: "0.8421", ETH: "3.1200", USDT: "1250.00" } },
  "ben@example.com": { name: "Ben Okafor", kyc: { level: 1, status: "pending review" }, balances: { BTC: "0.0050", USDT: "80.00" } },
};
// Any other address at example.com is a new customer too, so each test (and each demo visitor) can
// use an account of its own: per-email limits then never mix them up.
const customer = (email) => {
  if (customers[email]) return customers[email];
  if (!/^[a-z0-9._+-]+@example\.com$/i.test(String(email ?? ""))) return undefined;
  return (customers[email] = { name: String(email).split("@")[0], kyc: { level: 0, status: "not started" }, balances: { BTC: "0.0000" } });
};
const hex = (seed) => Array.from({ length: 64 }, (_, i) => "0123456789abcdef"[(seed * 7 + i * 13) % 16]).join("");
const transactions = [
  { hash: "0x" + hex(1), type: "deposit", asset: "BTC", amount: "0.25", status: "confirmed", confirmations: 6, email: "ana@example.com" },
  { hash: "0x" + hex(2), type: "withdrawal", asset: "ETH", amount: "1.5", status: "pending", confirmations: 3, email: "ana@example.com" },
  { hash: "0x" + hex(3), type: "deposit", asset: "USDT", amount: "500", status: "credited", confirmations: 20, email: "ben@example.com" },
];
const otps = new Map(); // email -> code
const verified = new Set();
const idempotent = new Map(); // Idempotency-Key -> response
const received = [];
let tickets = 0;
let statusMode = "ok"; // test hook: how /v1/status behaves (ok, slow, fail, redirect, and the outbound modes below)
// Outbound-safety modes (tests/e2e/outbound.spec.ts), answering the way real APIs do:
//   status=echo                  echoes the request (headers incl. Authorization, and the raw header block in base64)
//   status=slow-body             sends the headers at once, then dribbles the body for 8 s
//   status=huge                  streams 64 MiB without Content-Length
//   status=redirect-cross-origin redirects to the same path on the second origin (port+1)
//   kyc=echo                     /v1/kyc answers with the echo only (no fields the reply template names)
let kycMode = "ok";
const outbound = { bodyBytesSent: 0, closedEarly: false };

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// What an echo endpoint answers: the request as received, as httpbin and many debug endpoints do.
function echoOf(req) {
  const raw = req.rawHeaders.reduce((out, v, i) => out + (i % 2 ? `${v}\r\n` : `${v}: `), "");
  return { method: req.method, path: req.url, headers: req.headers, raw_headers_b64: Buffer.from(raw).toString("base64") };
}

// Headers at once, then one byte of the JSON body every 100 ms for `ms`.
function dribble(res, ms) {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"summary":"');
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started >= ms) { clearInterval(timer); return res.end('slow"}'); }
    res.write(".");
    outbound.bodyBytesSent += 1;
  }, 100);
  res.on("close", () => { if (!res.writableEnded) outbound.closedEarly = true; clearInterval(timer); });
}

// `total` bytes of JSON without Content-Length (chunked), as fast as the reader takes them.
function flood(res, total) {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(64 * 1024, "a");
  res.write('{"summary":"');
  let closed = false;
  res.on("close", () => { closed = true; if (!res.writableEnded) outbound.closedEarly = true; });
  const pump = () => {
    while (!closed && outbound.bodyBytesSent < total) {
      outbound.bodyBytesSent += chunk.length;
      if (!res.write(chunk)) return res.once("drain", pump);
    }
    if (!closed) res.end('"}');
  };
  pump();
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try { return JSON.parse(text); } catch { return Object.fromEntries(new URLSearchParams(text)); }
}

// Test hook for tests/e2e/channel.spec.ts: pages on this origin, which the demo site does not allow
// to embed the chat. "page" is just another site; "ad" is a foreign iframe that keeps sending
// loader commands to every other frame of the page that embeds it, and tells that page how many
// frames it reached.
const channelPages = {
  page: "<!doctype html><title>Another site</title><h1>Another site</h1>",
  ad: `<!doctype html><title>Ad</title><p>An ad</p><script>
const forged = [
  { switchboard: "attributes", attributes: { plan: "forged" } },
  { switchboard: "identify", identity: { user_id: "u-ben", email: "ben@example.com", name: "Forged" } },
  { switchboard: "open" },
];
let round = 0;
setInterval(() => {
  let reached = 0;
  for (let i = 0; i < parent.frames.length; i++) {
    if (parent.frames[i] === window) continue;
    for (const m of forged) parent.frames[i].postMessage(m, "*");
    reached++;
  }
  parent.postMessage({ ad: "posted", reached, round: ++round }, "*");
}, 200);
</script>`,
};

/// The webhook receiver: verifies the raw body's signature, answers 500 while told to fail.
async function receiveWebhook(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString("utf8");
  const verified = verifySwitchboardSignature(WEBHOOK_SECRET, req.headers["switchboard-signature"], raw);
  const answered = webhookFailures > 0 ? 500 : verified ? 204 : 400;
  if (webhookFailures > 0) webhookFailures--;
  webhooks.push({ at: Date.now(), headers: req.headers, raw, verified, answered });
  res.writeHead(answered);
  res.end();
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === "/__webhook" && req.method === "POST") return receiveWebhook(req, res);
  const body = await readBody(req);
  if (!url.pathname.startsWith("/__")) received.push({ method: req.method, path: url.pathname, query: url.search, headers: req.headers, body, port: req.socket.localPort });
  const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
  const authed = bearer === API_KEY || req.headers["x-api-key"] === API_KEY;
  const p = url.pathname;

  if (p === "/__requests") return send(res, 200, received);
  if (p === "/__otp") return send(res, 200, { code: otps.get(url.searchParams.get("email")) ?? null });
  if (p === "/__reset") { received.length = 0; otps.clear(); verified.clear(); idempotent.clear(); statusMode = "ok"; kycMode = "ok"; tickets = 0; return send(res, 200, {}); }
  if (p.startsWith("/__channel/") && Object.hasOwn(channelPages, p.slice("/__channel/".length))) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(channelPages[p.slice("/__channel/".length)]);
  }
  if (p === "/__mode") {
    statusMode = url.searchParams.get("status") ?? "ok";
    kycMode = url.searchParams.get("kyc") ?? "ok";
    Object.assign(outbound, { bodyBytesSent: 0, closedEarly: false });
    return send(res, 200, { statusMode, kycMode });
  }
  if (p === "/__outbound") return send(res, 200, outbound);
  if (p === "/__webhooks") return send(res, 200, webhooks);
  if (p === "/__webhook-mode") {
    webhookFailures = Number(url.searchParams.get("fail") ?? 0);
    webhooks.length = 0;
    return send(res, 200, { fail: webhookFailures });
  }

  if (p === "/status") {
    // The public status page the demo's link button opens.
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end("<!doctype html><title>Nova Exchange status</title><h1>All systems operational</h1>");
  }
  if (p.startsWith("/v1/2fa/reset")) {
    if (req.headers["x-admin-key"] !== ADMIN_KEY) return send(res, 401, { error: "bad admin key" });
    const key = req.headers["idempotency-key"];
    if (key && idempotent.has(key)) return send(res, 200, idempotent.get(key));
    if (!customer(body.email)) return send(res, 404, { error: "no such customer" });
    const result = { status: "reset", email: body.email, withdrawals_locked_hours: 48, reset_id: `r-${received.length}` };
    if (key) idempotent.set(key, result);
    return send(res, 200, result);
  }
  if (!authed) return send(res, 401, { error: "missing or wrong API key" });

  let m;
  if (p === "/v1/status") {
    if (statusMode === "slow") return setTimeout(() => send(res, 200, { summary: "late" }), 10_000);
    if (statusMode === "fail") return send(res, 500, { error: "status service down" });
    if (statusMode === "redirect") { res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }); return res.end(); }
    if (statusMode === "echo") return send(res, 200, { summary: "operating normally", deposits: "normal", withdrawals: "normal", echo: echoOf(req) });
    if (statusMode === "slow-body") return dribble(res, 8_000);
    if (statusMode === "huge") return flood(res, 64 * 1024 * 1024);
    if (statusMode === "redirect-cross-origin") { res.writeHead(302, { location: `http://127.0.0.1:${port + 1}/v1/status` }); return res.end(); }
    return send(res, 200, { summary: "operating normally", deposits: "normal", withdrawals: "normal" });
  }
  if ((m = /^\/v1\/transactions\/([^/]+)$/.exec(p))) {
    const tx = transactions.find((t) => t.hash.toLowerCase() === decodeURIComponent(m[1]).toLowerCase());
    return tx ? send(res, 200, tx) : send(res, 404, { error: "no transaction with that hash" });
  }
  if (p === "/v1/kyc") {
    if (kycMode === "echo") return send(res, 200, { received: "ok", echo: echoOf(req) });
    const c = customer(url.searchParams.get("email"));
    return c ? send(res, 200, c.kyc) : send(res, 404, { error: "no such customer" });
  }
  if (p === "/v1/balances") {
    const c = customer(url.searchParams.get("email"));
    return c ? send(res, 200, { balances: c.balances }) : send(res, 404, { error: "no such customer" });
  }
  if (p === "/v1/addresses/validate") {
    const a = String(body.address ?? "");
    const network = /^0x[0-9a-fA-F]{40}$/.test(a) ? "Ethereum" : /^(bc1[a-z0-9]{11,71}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})$/.test(a) ? "Bitcoin" : null;
    // An address of the other network than the asset named is not valid for it.
    const wanted = { BTC: "Bitcoin", ETH: "Ethereum" }[String(body.asset ?? "")];
    const valid = !!network && (!wanted || wanted === network);
    const verdict = valid ? "valid" : wanted && network ? `not valid for ${body.asset}` : "not valid";
    return send(res, 200, { address: a, valid, verdict, network: network ?? "unknown network" });
  }
  if (p === "/v1/tickets" && req.method === "POST") {
    const key = req.headers["idempotency-key"];
    if (key && idempotent.has(key)) return send(res, 200, idempotent.get(key));
    const result = { ticket_id: `T-${1000 + tickets++}`, status: "open" };
    if (key) idempotent.set(key, result);
    return send(res, 201, result);
  }
  if (p === "/v1/otp/send") {
    if (!customer(body.email)) return send(res, 404, { error: "no such customer" });
    const code = String(100000 + Math.floor(Math.random() * 900000));
    otps.set(body.email, code);
    console.log(`[demo backend] one-time code for ${body.email}: ${code}`);
    return send(res, 200, { sent: true });
  }
  if (p === "/v1/otp/verify") {
    const ok = otps.get(body.email) === String(body.code);
    if (ok) verified.add(body.email);
    // As many real APIs do: a wrong code is still HTTP 200, with verified: false.
    return send(res, 200, ok ? { verified: true } : { verified: false, error: "wrong or expired code" });
  }
  send(res, 404, { error: "no such endpoint" });
});

server.listen(port, "127.0.0.1", () => console.log(`[demo backend] Nova Exchange API on http://127.0.0.1:${port}`));
// The same API on a second origin, where redirects to "another origin" land in the tests.
createServer((req, res) => server.emit("request", req, res)).listen(port + 1, "127.0.0.1");
