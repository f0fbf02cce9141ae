// What the edge sends to the owner's API, and what comes back, when that API misbehaves the way
// real APIs do: it echoes the key it was sent, dribbles its body, streams megabytes, redirects to
// another origin or to the cloud metadata address. Against the real edge in workerd and the demo
// backend's test modes (demo/backend/server.mjs, /__mode).
import { test, expect, APIRequestContext, Page } from "@playwright/test";
import http from "node:http";

import { devVars, ADMIN, BACKEND } from "./support";
const API_KEY = devVars.EXCHANGE_API_KEY;

const mode = (request: APIRequestContext, query: string) => request.get(`${BACKEND}/__mode?${query}`);
const backendRequests = async (request: APIRequestContext) =>
  (await (await request.get(`${BACKEND}/__requests`)).json()) as any[];
const outboundStats = async (request: APIRequestContext) =>
  (await (await request.get(`${BACKEND}/__outbound`)).json()) as { bodyBytesSent: number; closedEarly: boolean };
const runTest = async (request: APIRequestContext, action: string) => {
  const started = Date.now();
  const res = await request.post(`/api/v1/admin/actions/${action}/test`, { headers: ADMIN, data: { variables: {} } });
  expect(res.status()).toBe(200);
  return { text: await res.text(), ms: Date.now() - started };
};
const logsOf = async (request: APIRequestContext, action: string) =>
  (await request.get(`/api/v1/admin/actions/${action}/logs?limit=5`, { headers: ADMIN })).text();

/** Whether `text` holds the key in any spelling: as is, percent-encoded, or inside any base64 word. */
function holdsKey(text: string, key: string): boolean {
  if (text.includes(key) || text.includes(encodeURIComponent(key))) return true;
  for (const word of text.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) {
    const standard = word.replace(/-/g, "+").replace(/_/g, "/");
    for (let skip = 0; skip < 4; skip++) {
      if (Buffer.from(standard.slice(skip), "base64").toString("latin1").includes(key)) return true;
    }
  }
  return false;
}

async function openChat(page: Page) {
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  return chat;
}

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test.afterEach(async ({ request }) => {
  await mode(request, "status=ok&kyc=ok");
});

test("the key checker finds the key in every spelling it claims to", () => {
  expect(holdsKey(`x ${API_KEY} y`, API_KEY)).toBe(true);
  expect(holdsKey(Buffer.from(`authorization: Bearer ${API_KEY}\r\n`).toString("base64"), API_KEY)).toBe(true);
  expect(holdsKey(Buffer.from(`ab${API_KEY}`).toString("base64url"), API_KEY)).toBe(true);
  expect(holdsKey("nothing [REDACTED] here", API_KEY)).toBe(false);
});

test("an API that echoes the key: the visitor sees its answer without the key or any credential field", async ({ request }) => {
  await mode(request, "kyc=echo");
  const start = await (await request.post("/api/v1/conversations", { data: { lead: { email: "ana@example.com" } } })).json();
  const res = await request.post(`/api/v1/conversations/${start.conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${start.token}` },
    data: { text: "What is my KYC verification status?", client_message_id: "m1" },
  });
  expect(res.status()).toBe(200);
  const [, reply] = (await res.json()).messages;
  // The API answered without the fields the reply template names, so the visitor sees the answer's fields…
  expect(reply.text).toContain("Here's what **Get KYC Status** returned");
  expect(reply.action).toEqual({ name: "Get KYC Status", status: "ok" });
  // …and the key was really sent and echoed (in a header echo and base64 in the raw header block)…
  const [kyc] = (await backendRequests(request)).filter((r) => r.path === "/v1/kyc");
  expect(kyc.headers.authorization).toBe(`Bearer ${API_KEY}`);
  // …but appears in no spelling, and no credential-named field is shown at all.
  expect(holdsKey(reply.text, API_KEY)).toBe(false);
  expect(reply.text.toLowerCase()).not.toContain("authorization");
  const history = await (
    await request.get(`/api/v1/conversations/${start.conversation_id}/messages`, { headers: { Authorization: `Bearer ${start.token}` } })
  ).text();
  expect(holdsKey(history, API_KEY)).toBe(false);
  expect(holdsKey(await logsOf(request, "get-kyc-status"), API_KEY)).toBe(false);
});

test("an API that echoes the key: the owner's test run and logs show the echo with the key redacted", async ({ request }) => {
  await mode(request, "status=echo");
  const { text } = await runTest(request, "get-service-status");
  const run = JSON.parse(text).run;
  expect(run).toMatchObject({ status: "ok", reply: "Deposits and withdrawals are operating normally." });
  const echoed = JSON.parse(run.response_body).echo;
  expect(echoed.headers.authorization).toBe("[REDACTED]");
  expect(echoed.raw_headers_b64).toBe("[REDACTED]");
  expect(holdsKey(text, API_KEY)).toBe(false);
  expect(holdsKey(await logsOf(request, "get-service-status"), API_KEY)).toBe(false);
});

test("a body that dribbles past the timeout ends at the timeout, not when the body does", async ({ request }) => {
  await mode(request, "status=slow-body");
  const { text, ms } = await runTest(request, "get-service-status");
  const run = JSON.parse(text).run;
  // timeout_ms 1500 for headers and body together, one retry after 200 ms: about 3.2 s, not 2 × 8 s.
  expect(run).toMatchObject({ status: "failed", error_class: "timeout", retries: 1 });
  console.log(`slow body: the test run ended after ${ms} ms (run.duration_ms ${run.duration_ms})`);
  expect(ms).toBeLessThan(4_500);
  expect((await outboundStats(request)).closedEarly).toBe(true);
});

test("a body streamed without Content-Length is cut at 256 KiB while it is read", async ({ request }) => {
  await mode(request, "status=huge");
  const { text, ms } = await runTest(request, "get-service-status");
  const run = JSON.parse(text).run;
  expect(run).toMatchObject({ status: "failed", error_class: "too_large" });
  const stats = await outboundStats(request);
  console.log(`huge body: cut after ${ms} ms; the API had written ${(stats.bodyBytesSent / 1024 / 1024).toFixed(1)} MiB of 64 MiB`);
  expect(stats.closedEarly).toBe(true);
  expect(stats.bodyBytesSent).toBeLessThan(16 * 1024 * 1024);
});

test("a redirect to another origin is followed without the Authorization header", async ({ request }) => {
  await mode(request, "status=redirect-cross-origin");
  const { text } = await runTest(request, "get-service-status");
  const run = JSON.parse(text).run;
  const calls = (await backendRequests(request)).filter((r) => r.path === "/v1/status");
  expect(calls.map((c) => c.port)).toEqual([8788, 8789]);
  expect(calls[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
  expect(calls[1].headers.authorization).toBeUndefined();
  // The other origin does not know the edge, so it refuses; nothing leaked to it.
  expect(run).toMatchObject({ status: "failed", error_class: "http4xx", response_status: 401 });
  expect(run.request.url).toBe("http://127.0.0.1:8789/v1/status");
});

test("a visitor is told what failed in plain words, never where the edge was sent", async ({ page, request }) => {
  await mode(request, "status=redirect");
  const chat = await openChat(page);
  await chat.getByRole("button", { name: "Check service status" }).click();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I can't do Get Service Status right now: this is not set up correctly on our side.");
  for (const detail of ["169.254", "meta-data", "redirect", "allow_private_addresses"]) {
    await expect(log).not.toContainText(detail);
  }
  // The owner's log keeps the detail.
  expect(await logsOf(request, "get-service-status")).toContain("169.254.169.254");
});

test("a visitor whose check times out is told so, without the timeout or the address", async ({ page, request }) => {
  await mode(request, "status=slow-body");
  const chat = await openChat(page);
  await chat.getByRole("button", { name: "Check service status" }).click();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I couldn't complete Get Service Status: the service did not answer in time.");
  await expect(log).not.toContainText("1500");
  await expect(log).not.toContainText("127.0.0.1");
});

test("a request body without Content-Length is refused at 16 KiB without waiting for its end", async ({ request, baseURL }) => {
  // The local dev proxy can drop the first connection after a test whose action target dribbled
  // its body (seen once in CI: "socket hang up"); a dropped connection gets two more tries, an
  // answer of any status none.
  let start: any = null;
  for (let attempt = 0; attempt < 3 && !start; attempt++) {
    start = await request
      .post("/api/v1/conversations", { data: {} })
      .then((r) => r.json())
      .catch((e) => (attempt < 2 && String(e).includes("socket hang up") ? null : Promise.reject(e)));
  }
  const url = new URL(`/api/v1/conversations/${start.conversation_id}/messages`, baseURL);
  const started = Date.now();
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    let answered = false;
    const req = http.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${start.token}`, "transfer-encoding": "chunked" },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        answered = true;
        // Only now end the body (the local dev server's proxy stalls on a connection dropped mid-body).
        req.end('"}');
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", (e) => answered || reject(e));
    // 20 KiB of a message, and the body does not end: only a reader that stops at the limit answers.
    req.write(`{"client_message_id":"big","text":"${"a".repeat(20 * 1024)}`);
  });
  console.log(`chunked 20 KiB body without an end: answered ${status} after ${Date.now() - started} ms`);
  expect(status).toBe(413);
  expect(JSON.parse(body).error.code).toBe("payload_too_large");
  // The local dev proxy may hold the next request while it drains the cut connection (not the
  // edge: Cloudflare's front end does not do this), so the read gets a few short tries.
  let history: any = null;
  for (let attempt = 0; attempt < 4 && !history; attempt++) {
    history = await request
      .get(`/api/v1/conversations/${start.conversation_id}/messages`, { headers: { Authorization: `Bearer ${start.token}` }, timeout: 5_000 })
      .then((r) => r.json())
      .catch(() => null);
  }
  expect(history, "the conversation could be read back").toBeTruthy();
  expect(history.messages.filter((m: any) => m.author === "visitor")).toHaveLength(0);
});
