// Riverside Family Clinic's scheduling API: the third example site's backend, which its actions
// call. A real HTTP server with fictional appointments, so the end-to-end tests exercise real
// network calls for a site whose agent runs on a model (`[llm]` in its agent.toml).
// Usage: node tests/sites/clinic/backend.mjs [port=8791]
// Every API call needs `Authorization: Bearer <CLINIC_API_TOKEN>`. Test hooks (for the test suite
// only; a real API has none): GET /__requests (what it received), GET /__reset.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? process.env.PORT ?? 8791);
const TOKEN = process.env.CLINIC_API_TOKEN ?? "demo-clinic-token-41d8a0";
const fresh = () => ({
  "RFC-204518": { date: "2027-01-12", time: "09:30", clinician: "Dr. Amara Osei", location: "Riverside Main", status: "booked" },
  "RFC-318274": { date: "2027-01-14", time: "15:10", clinician: "Nurse Lee Park", location: "Riverside North", status: "booked" },
});
let appointments = fresh();
let received = [];

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
    const p = url.pathname;
    if (p === "/__requests") return send(res, 200, received);
    if (p === "/__reset") {
      appointments = fresh();
      received = [];
      return send(res, 200, { ok: true });
    }
    received.push({ method: req.method, path: p, body: text ? JSON.parse(text) : {} });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { error: "unauthorized" });
    const found = p.match(/^\/appointments\/(RFC-\d{6})(\/cancel)?$/);
    const appointment = found && appointments[found[1]];
    if (!appointment) return send(res, 404, { error: "no such appointment" });
    if (found[2] && req.method === "POST") {
      appointment.status = "cancelled";
      return send(res, 200, { booking_ref: found[1], ...appointment, fee_note: "No fee applies." });
    }
    if (req.method === "GET") return send(res, 200, { booking_ref: found[1], ...appointment });
    send(res, 405, { error: "method not allowed" });
  });
}).listen(port, "127.0.0.1", () => console.log(`clinic API on http://127.0.0.1:${port}`));
