// Custom actions through the real edge in workerd, calling the demo backend (a real HTTP server
// on loopback) — via the owner's admin API and its test endpoint.
import { test, expect, APIRequestContext } from "@playwright/test";

import { devVars, ADMIN, BACKEND } from "./support";
const API_KEY = devVars.EXCHANGE_API_KEY;
const ADMIN_KEY = devVars.EXCHANGE_ADMIN_KEY;
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";

async function backendRequests(request: APIRequestContext) {
  return (await (await request.get(`${BACKEND}/__requests`)).json()) as any[];
}

const runTest = (request: APIRequestContext, action: string, variables: object) =>
  request.post(`/api/v1/admin/actions/${action}/test`, { headers: ADMIN, data: { variables } });

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test("the admin API needs the owner's token and never shows secret values", async ({ request }) => {
  expect((await request.get("/api/v1/admin/actions")).status()).toBe(401);
  expect((await request.get("/api/v1/admin/actions", { headers: { Authorization: "Bearer nope" } })).status()).toBe(403);
  const res = await request.get("/api/v1/admin/actions", { headers: ADMIN });
  expect(res.status()).toBe(200);
  const text = await res.text();
  const { actions } = JSON.parse(text);
  expect(actions.map((a: any) => a.slug)).toContain("get-transaction-status");
  expect(actions.find((a: any) => a.slug === "reset-2fa").secrets).toEqual(["EXCHANGE_ADMIN_KEY"]);
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(ADMIN_KEY);
});

test("a GET action: variables reach the URL, the secret reaches the target, and is redacted everywhere else", async ({ request }) => {
  const res = await runTest(request, "get-transaction-status", { "inputs.tx_hash": TX });
  expect(res.status()).toBe(200);
  const text = await res.text();
  const body = JSON.parse(text);
  expect(body.run.status).toBe("ok");
  expect(body.run.reply).toBe("Your deposit of 0.25 BTC is **confirmed** (6 confirmations).");
  expect(body.request.url).toBe(`http://127.0.0.1:8788/v1/transactions/${TX}`);
  expect(body.request.headers).toContainEqual(["Authorization", "[REDACTED]"]);
  expect(text).not.toContain(API_KEY);

  const [received] = await backendRequests(request);
  expect(received.path).toBe(`/v1/transactions/${TX}`);
  expect(received.headers.authorization).toBe(`Bearer ${API_KEY}`);

  const logs = await (await request.get("/api/v1/admin/actions/get-transaction-status/logs?limit=5", { headers: ADMIN })).text();
  expect(JSON.parse(logs).logs[0]).toMatchObject({ test: true, status: "ok", response_status: 200 });
  expect(logs).not.toContain(API_KEY);
});

test("a POST action sends a JSON body, the API key header and an Idempotency-Key", async ({ request }) => {
  const address = "0x52908400098527886E0F7030069857D2E4169EE7";
  const res = await runTest(request, "validate-wallet-address", { "inputs.address": address, "conversation.id": "c-test" });
  const body = await res.json();
  expect(body.run.reply).toBe("That address is **valid** (Ethereum).");
  const [received] = await backendRequests(request);
  expect(received.method).toBe("POST");
  expect(received.body).toEqual({ address, asset: "", conversation: "c-test" }); // the optional asset, not given
  expect(received.headers["x-api-key"]).toBe(API_KEY);
  expect(received.headers["idempotency-key"]).toMatch(/^[0-9a-f]{32}$/);
  expect(JSON.stringify(body)).not.toContain(API_KEY);
});

test("invalid inputs are refused before anything is sent", async ({ request }) => {
  const res = await runTest(request, "validate-wallet-address", { "inputs.address": "not an address" });
  expect(res.status()).toBe(400);
  expect((await res.json()).error.field).toBe("variables.inputs.address");
  const unknown = await request.post("/api/v1/admin/actions/launch-rocket/test", { headers: ADMIN, data: {} });
  expect((await unknown.json()).error.code).toBe("action_not_found");
  expect(await backendRequests(request)).toHaveLength(0);
});

test("a slow target times out cleanly, a 500 is reported, and a redirect to the metadata address is refused — all logged", async ({ request }) => {
  await request.get(`${BACKEND}/__mode?status=slow`);
  const started = Date.now();
  let run = (await (await runTest(request, "get-service-status", {})).json()).run;
  expect(run).toMatchObject({ status: "failed", error_class: "timeout", retries: 1 });
  expect(Date.now() - started).toBeLessThan(6_000); // 2 attempts × 1.5 s + backoff, not 10 s each

  await request.get(`${BACKEND}/__mode?status=fail`);
  run = (await (await runTest(request, "get-service-status", {})).json()).run;
  expect(run).toMatchObject({ status: "failed", error_class: "http5xx", response_status: 500 });

  await request.get(`${BACKEND}/__mode?status=redirect`);
  run = (await (await runTest(request, "get-service-status", {})).json()).run;
  expect(run).toMatchObject({ status: "refused", error_class: "ssrf" });
  expect(run.summary).toContain("169.254.169.254");

  const logs = (await (await request.get("/api/v1/admin/actions/get-service-status/logs?limit=2", { headers: ADMIN })).json()).logs;
  expect(logs.map((l: any) => l.error_class)).toEqual(["ssrf", "http5xx"]);
  const page2 = (await (await request.get(`/api/v1/admin/actions/get-service-status/logs?limit=2&before=${logs[1].id}`, { headers: ADMIN })).json()).logs;
  expect(page2.map((l: any) => l.error_class)).toEqual(["timeout"]);
});

// ---- Actions in a visitor's conversation ----

async function startConversation(request: APIRequestContext, email?: string) {
  const res = await request.post("/api/v1/conversations", { data: email ? { lead: { email } } : {} });
  const c = await res.json();
  let n = 0;
  const say = async (text: string) => {
    const r = await request.post(`/api/v1/conversations/${c.conversation_id}/messages`, {
      headers: { Authorization: `Bearer ${c.token}` },
      data: { text, client_message_id: `m${n++}` },
    });
    expect(r.status()).toBe(200);
    return (await r.json()).messages as any[];
  };
  const history = async () =>
    (await (await request.get(`/api/v1/conversations/${c.conversation_id}/messages`, { headers: { Authorization: `Bearer ${c.token}` } })).json())
      .messages as any[];
  return { say, history, id: c.conversation_id as string };
}

test("a visitor's message with a transaction hash runs the lookup; the reply says so and holds no secret", async ({ request }) => {
  const chat = await startConversation(request);
  const [, reply] = await chat.say(`Where is my deposit ${TX}?`);
  expect(reply.text).toBe("Your deposit of 0.25 BTC is **confirmed** (6 confirmations).");
  expect(reply.action).toEqual({ name: "Get Transaction Status", status: "ok" });
  const all = JSON.stringify(await chat.history());
  expect(all).not.toContain(API_KEY);
});

test("a 2FA reset runs only after the one-time code is verified, once, and the code is masked in the transcript", async ({ request }) => {
  const chat = await startConversation(request, "ana@example.com");
  let replies = await chat.say("I lost my phone, please reset my 2FA");
  expect(replies[1].text).toContain("sent a one-time code");
  expect(replies[1].action).toMatchObject({ name: "Send Verification Code", status: "ok" });

  // Not verified yet: the reset endpoint was never called.
  const resetCalls = async () => (await backendRequests(request)).filter((r) => r.path === "/v1/2fa/reset");
  replies = await chat.say("000000");
  expect(replies[1].text).toContain("didn't work");
  expect(await resetCalls()).toHaveLength(0);

  const { code } = await (await request.get(`${BACKEND}/__otp?email=ana@example.com`)).json();
  replies = await chat.say(code);
  expect(replies.map((m) => m.text).join("\n")).toContain("Please confirm: **Reset 2FA**");
  expect(await resetCalls()).toHaveLength(0);

  replies = await chat.say("yes");
  expect(replies[1].text).toContain("Your 2FA has been reset");
  expect(replies[1].action).toEqual({ name: "Reset 2FA", status: "ok" });
  const calls = await resetCalls();
  expect(calls).toHaveLength(1);
  expect(calls[0].headers["x-admin-key"]).toBe(ADMIN_KEY);
  expect(calls[0].headers["idempotency-key"]).toMatch(/^[0-9a-f]{32}$/);
  expect(calls[0].body).toEqual({ email: "ana@example.com", reason: "yes" });

  const transcript = await chat.history();
  const text = JSON.stringify(transcript);
  expect(text).not.toContain(code);
  expect(text).not.toContain(ADMIN_KEY);
  expect(transcript.filter((m) => m.author === "visitor").map((m) => m.text)).toContain("[code]");
});

test("an action that needs the account email asks for it first", async ({ request }) => {
  const chat = await startConversation(request);
  let replies = await chat.say("What is my KYC verification status?");
  expect(replies[1].text).toContain("email address on your account");
  replies = await chat.say("ben@example.com");
  expect(replies[1].text).toBe("Your verification is at **level 1**, status: pending review.");
  expect(replies[1].action.status).toBe("ok");
  const [kyc] = (await backendRequests(request)).filter((r) => r.path === "/v1/kyc");
  expect(kyc.query).toBe("?email=ben%40example.com"); // {{lead.email}} percent-encoded in the query
});
