// Pinecone Outfitters' API: the second example site's backend, which its actions call. A real HTTP
// server with fictional orders, so the end-to-end tests exercise real network calls for a site
// that is not the demo.
// Usage: node tests/sites/shop/backend.mjs [port=8790]
// Every API call needs `Authorization: Bearer <SHOP_API_TOKEN>`, and an order is shown or returned
// only for its delivery ZIP code. Test hooks (for the test suite only; a real API has none):
// GET /__requests (what it received), GET /__reset; POST /__webhook receives Switchboard's handoff
// webhook (verified with the README's snippet), GET /__webhooks lists them.
import { createServer } from "node:http";
import { verifySwitchboardSignature } from "../../../demo/backend/verify-webhook.mjs";

const WEBHOOK_SECRET = process.env.HANDOFF_WEBHOOK_SECRET ?? "whsec_demo_3c9d27f1";
const webhooks = [];

const port = Number(process.argv[2] ?? process.env.PORT ?? 8790);
const TOKEN = process.env.SHOP_API_TOKEN ?? "demo-shop-token-0c4e7b";
const orders = {
  "ORD-10482": { zip: "97201", status: "shipped", carrier: "UPS", tracking: "1Z999AA10123456784", eta: "Friday" },
  "ORD-20931": { zip: "10001", status: "on hold", carrier: "not yet assigned", tracking: "none yet", eta: "once we hear from you" },
};
const received = [];
let returns = 0;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

createServer((req, res) => {
  const url = new URL(req.url, `http://127.0.0.1:${port}`);
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString();
    if (url.pathname === "/__webhook" && req.method === "POST") {
      const verified = verifySwitchboardSignature(WEBHOOK_SECRET, req.headers["switchboard-signature"], text);
      webhooks.push({ raw: text, headers: req.headers, verified });
      res.writeHead(verified ? 204 : 400);
      return res.end();
    }
    if (url.pathname === "/__webhooks") return send(res, 200, webhooks);
    let body = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return send(res, 400, { error: "invalid JSON" });
    }
    const p = url.pathname;
    if (p === "/__requests") return send(res, 200, received);
    if (p === "/__reset") {
      received.length = 0;
      webhooks.length = 0;
      returns = 0;
      return send(res, 200, {});
    }
    received.push({ method: req.method, path: p, query: Object.fromEntries(url.searchParams), body });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { error: "unauthorized" });
    const order = p.match(/^\/orders\/(ORD-\d+)$/);
    if (order && req.method === "GET") {
      const o = orders[order[1]];
      // Like a real shop: an order is shown only to someone who knows its delivery ZIP code.
      if (!o || o.zip !== url.searchParams.get("zip")) return send(res, 404, { error: "no such order" });
      return send(res, 200, { order: order[1], status: o.status, carrier: o.carrier, tracking: o.tracking, eta: o.eta });
    }
    if (p === "/returns" && req.method === "POST") {
      // The same proof as the lookup: the order's delivery ZIP code.
      if (!orders[body.order] || orders[body.order].zip !== body.zip) return send(res, 404, { error: "no such order" });
      return send(res, 201, { return_id: `RMA-${5001 + returns++}`, email: body.email, status: "label sent" });
    }
    send(res, 404, { error: "not found" });
  });
}).listen(port, "127.0.0.1", () => console.log(`shop backend on http://127.0.0.1:${port}`));
