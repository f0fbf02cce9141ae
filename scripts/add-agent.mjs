// Adds a support agent who can sign in to the inbox, through the admin API.
// Usage: node scripts/add-agent.mjs --email sam@example.com --name "Sam Rivera" [--role admin]
//          [--edge http://127.0.0.1:8787]   (the password is read from standard input, one line)
// The admin token comes from $ADMIN_TOKEN, else from edge/.dev.vars (local development).
import { readFileSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string", default: "agent" }, edge: { type: "string", default: "http://127.0.0.1:8787" } },
});
if (!values.email || !values.name) {
  console.error('usage: echo "PASSWORD" | node scripts/add-agent.mjs --email EMAIL --name NAME [--role agent|admin] [--edge URL]');
  process.exit(2);
}
const vars = existsSync("edge/.dev.vars") ? readFileSync("edge/.dev.vars", "utf8") : "";
const token = process.env.ADMIN_TOKEN ?? /^ADMIN_TOKEN=(.*)$/m.exec(vars)?.[1];
if (!token) {
  console.error("set ADMIN_TOKEN (the edge's admin token)");
  process.exit(2);
}
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const password = Buffer.concat(chunks).toString().split(/\r?\n/)[0];
const res = await fetch(`${values.edge}/api/v1/admin/agents`, {
  method: "POST",
  headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify({ email: values.email, name: values.name, role: values.role, password }),
});
const body = await res.json();
if (!res.ok) {
  console.error(`${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
  process.exit(1);
}
console.log(`added ${body.role} ${body.name} <${body.email}> (${body.id})`);
