// The verification holes of the 2026-11-26 security review, tried through the real edge in workerd
// against the demo owner API, which answers a wrong one-time code the way many real APIs do:
// HTTP 200 with {"verified": false}. Each test uses accounts of its own (any @example.com address is
// a demo customer): codes, checks and resets are limited per email across conversations.
import { test, expect, APIRequestContext } from "@playwright/test";
import { createHmac } from "node:crypto";
import { devVars as vars, BACKEND } from "./support";

const received = async (request: APIRequestContext, path: string) =>
  ((await (await request.get(`${BACKEND}/__requests`)).json()) as any[]).filter((r) => r.path === path);

async function start(request: APIRequestContext, body: object = {}) {
  const res = await request.post("/api/v1/conversations", { data: body });
  expect(res.status()).toBe(201);
  const c = await res.json();
  const auth = { Authorization: `Bearer ${c.token}` };
  let n = 0;
  const post = (text: string) =>
    request.post(`/api/v1/conversations/${c.conversation_id}/messages`, { headers: auth, data: { text, client_message_id: `v${n++}` } });
  const say = async (text: string) => {
    const r = await post(text);
    expect(r.status(), await r.text()).toBe(200);
    return (await r.json()).messages as any[];
  };
  const submit = (message: string, values: object) =>
    request.post(`/api/v1/conversations/${c.conversation_id}/messages/${message}/submit`, { headers: auth, data: { values } });
  const click = async (message: string, button: string) =>
    (await (await request.post(`/api/v1/conversations/${c.conversation_id}/messages/${message}/buttons/${button}`, { headers: auth })).json())
      .messages as any[];
  return { say, post, submit, click, messages: c.messages as any[] };
}

const lastText = (messages: any[]) => messages[messages.length - 1].text as string;

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test("a wrong code answered with 200 {verified: false} verifies nothing, and the 2FA reset never runs", async ({ request }) => {
  const chat = await start(request);
  expect(lastText(await chat.say("I lost my phone, please reset my 2FA"))).toContain("email address");
  expect(lastText(await chat.say("wendy@example.com"))).toContain("sent a one-time code");
  const wrong = await chat.say("000000");
  expect(lastText(wrong)).toContain("didn't work");
  expect(wrong[1].action).toMatchObject({ name: "Check Verification Code", status: "failed" });
  const [check] = await received(request, "/v1/otp/verify");
  expect(check).toBeTruthy(); // the owner API was asked, and said 200 {verified: false}
  await chat.say("yes");
  await chat.say("please reset my 2FA now");
  expect(await received(request, "/v1/2fa/reset")).toHaveLength(0);
});

test("verifying one email, then submitting the open lead card with another, cancels the pending reset", async ({ request }) => {
  const chat = await start(request);
  const ask = await chat.say("I lost my phone, please reset my 2FA");
  const card = ask.find((m) => m.form?.action === "lead");
  expect(card, "the lead card is on screen").toBeTruthy();
  await chat.say("mallory@example.com");
  const { code } = await (await request.get(`${BACKEND}/__otp?email=mallory@example.com`)).json();
  const confirm = await chat.say(code);
  const prompt = confirm[confirm.length - 1];
  expect(prompt.text).toContain("Please confirm: **Reset 2FA**");

  const switched = await chat.submit(card.id, { email: "victor@example.com" });
  expect(switched.status()).toBe(200);
  const clicked = await chat.click(prompt.id, "b0");
  expect(lastText(clicked)).toContain("no longer waiting");
  expect(await received(request, "/v1/2fa/reset")).toHaveLength(0);
  // Asking again starts over with a code sent to the new address.
  expect(lastText(await chat.say("please reset my 2FA"))).toContain("sent a one-time code");
  const sends = await received(request, "/v1/otp/send");
  expect(sends[sends.length - 1].body).toEqual({ email: "victor@example.com" });
});

test("20 parallel wrong-code guesses: the owner API receives at most the limit", async ({ request }) => {
  // Three conversations on one email (sending a code is itself limited to 3 per email per hour),
  // twenty guesses between them, all fired at once.
  const chats = await Promise.all([0, 1, 2].map(() => start(request)));
  for (const chat of chats) {
    await chat.say("I lost my phone, please reset my 2FA");
    expect(lastText(await chat.say("guesser@example.com"))).toContain("sent a one-time code");
  }
  const guesses = Array.from({ length: 20 }, (_, g) => chats[g % 3].post(`${100000 + g}`));
  const replies = await Promise.all(guesses);
  const texts = await Promise.all(replies.map(async (r) => (r.status() === 200 ? lastText((await r.json()).messages) : `HTTP ${r.status()}`)));
  const checks = await received(request, "/v1/otp/verify");
  console.log(`20 parallel guesses: the owner API received ${checks.length} code checks`);
  expect(checks.length).toBeGreaterThan(0);
  expect(checks.length).toBeLessThanOrEqual(5); // [actions] max_failed_checks (default 5) per email per hour
  expect(texts.filter((t) => t.includes("too many wrong codes")).length).toBeGreaterThan(0);
});

test("a visitor who writes too fast gets 429 with retry_after, and the message is not stored", async ({ request }) => {
  const chat = await start(request);
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++) statuses.push((await chat.post(`hello ${i}`)).status());
  expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
  const over = await chat.post("one too many");
  expect(over.status()).toBe(429);
  const body = await over.json();
  expect(body.error.code).toBe("rate_limited");
  expect(body.error.retry_after).toBeGreaterThan(0);
  expect(Number(over.headers()["retry-after"])).toBe(body.error.retry_after);
});

test("a signed JWT decides who the visitor is; a user_hash alone does not open email-keyed actions", async ({ request }) => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = (claims: object) => {
    const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ aud: "novaex", ...claims })}`;
    return `${head}.${createHmac("sha256", vars.IDENTITY_SECRET).update(head).digest("base64url")}`;
  };
  const exp = Math.floor(Date.now() / 1000) + 600;
  const signed = await start(request, { user_jwt: jwt({ sub: "u-jo", email: "jo@example.com", exp }), lead: { email: "ben@example.com" } });
  expect(lastText(await signed.say("What are my balances?"))).toContain("sent a one-time code");
  const sends = await received(request, "/v1/otp/send");
  expect(sends[sends.length - 1].body).toEqual({ email: "jo@example.com" }); // the signed email, not the browser's

  const hashOnly = await start(request, {
    user_id: "u-jo",
    user_hash: createHmac("sha256", vars.IDENTITY_SECRET).update("u-jo").digest("hex"),
    lead: { email: "jo@example.com" },
  });
  const refused = await hashOnly.say("What are my balances?");
  expect(refused[1].action).toMatchObject({ name: "Get Balances", status: "refused" });

  const forged = await start(request, { user_jwt: jwt({ sub: "u-jo", email: "jo@example.com", exp: exp - 7200 }) });
  const anonymous = await forged.say("What are my balances?");
  // An expired token identifies nobody: the visitor is a stranger, asked who they are, and nothing runs.
  expect(anonymous[1].text).toContain("email address");
  expect(anonymous.some((m) => m.action)).toBe(false);
});
