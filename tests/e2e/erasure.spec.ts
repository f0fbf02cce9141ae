// Retention and erasure against the real edge in workerd with local D1: a visitor deletes their
// conversation (through the API and from the widget), the owner erases a person who asks, and the
// hourly Cron cleanup (run through wrangler's /__scheduled, which scripts/serve-edge enables)
// removes what is past retention_days.
import { test, expect, APIRequestContext, Page } from "@playwright/test";
import { readFileSync } from "node:fs";

import { devVars, ADMIN, BACKEND } from "./support";
const RETENTION_DAYS = Number(/^retention_days = (\d+)$/m.exec(readFileSync("demo/site/agent.toml", "utf8"))![1]);
const DAY_MS = 86_400_000;
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const messagesUrl = (id: string) => `/api/v1/conversations/${id}/messages`;
type Conversation = { conversation_id: string; token: string; messages: any[] };

async function start(request: APIRequestContext, body?: object): Promise<Conversation> {
  const res = await request.post("/api/v1/conversations", body ? { data: body } : {});
  expect(res.status()).toBe(201);
  return res.json();
}

async function say(request: APIRequestContext, c: Conversation, text: string, id: string) {
  const res = await request.post(messagesUrl(c.conversation_id), { headers: auth(c.token), data: { text, client_message_id: id } });
  expect(res.status()).toBe(200);
  return (await res.json()).messages as any[];
}

/** The status a conversation's own token now gets when reading it. */
const readStatus = async (request: APIRequestContext, c: Conversation) =>
  (await request.get(messagesUrl(c.conversation_id), { headers: auth(c.token) })).status();

async function transactionLogs(request: APIRequestContext) {
  const res = await request.get("/api/v1/admin/actions/get-transaction-status/logs?limit=20", { headers: ADMIN });
  expect(res.status()).toBe(200);
  return (await res.json()).logs as any[];
}

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test("a visitor deletes their conversation: its messages and log entries go, nobody else's do", async ({ request }) => {
  const mine = await start(request);
  const [, reply] = await say(request, mine, `Where is my deposit ${TX}?`, "d1");
  expect(reply.action).toMatchObject({ status: "ok" });
  const someoneElse = await start(request);
  expect((await transactionLogs(request)).some((l) => l.conversation_id === mine.conversation_id)).toBe(true);

  // Nobody but the token holder may delete it.
  const url = `/api/v1/conversations/${mine.conversation_id}`;
  expect((await request.delete(url)).status()).toBe(401);
  expect((await request.delete(url, { headers: auth(someoneElse.token) })).status()).toBe(403);
  expect((await request.delete(url, { headers: ADMIN })).status()).toBe(403);
  expect(await readStatus(request, mine)).toBe(200);

  const res = await request.delete(url, { headers: auth(mine.token) });
  expect(res.status()).toBe(204);
  expect(await res.text()).toBe("");

  // The token opens nothing any more, a retry finds nothing, the other conversation is intact.
  const gone = await request.get(messagesUrl(mine.conversation_id), { headers: auth(mine.token) });
  expect(gone.status()).toBe(404);
  expect((await gone.json()).error.code).toBe("conversation_not_found");
  expect((await request.delete(url, { headers: auth(mine.token) })).status()).toBe(404);
  expect(await readStatus(request, someoneElse)).toBe(200);

  // Its run is gone from the log (rate limits are counted elsewhere, so nothing about it stays).
  const logs = await transactionLogs(request);
  expect(logs.some((l) => l.conversation_id === mine.conversation_id)).toBe(false);
  expect(JSON.stringify(logs)).not.toContain(mine.conversation_id);
});

test("the owner answers an erasure request by email, whatever its letter case", async ({ request }) => {
  const email = `ana.${Date.now()}@example.com`;
  const first = await start(request, { lead: { email } });
  const second = await start(request, { lead: { email: email.toUpperCase() } });
  const bob = await start(request, { lead: { email: `bob.${Date.now()}@example.com` } });
  // Ana also filled in a form in her second conversation.
  const [, form] = await say(request, second, "I want to report a missing deposit", "f1");
  const submitted = await request.post(`${messagesUrl(second.conversation_id)}/${form.id}/submit`, {
    headers: auth(second.token),
    data: { values: { asset: "BTC", amount: "0.25", tx_hash: TX, sent_on: "2026-11-20", email } },
  });
  expect(submitted.status()).toBe(200);

  const erase = (headers: object) => request.post("/api/v1/admin/erasures", { headers, data: { email: ` ${email.replace("ana", "Ana")} ` } });
  expect((await erase({})).status()).toBe(401);
  expect((await erase(auth(first.token))).status()).toBe(403);
  expect(await readStatus(request, first)).toBe(200);

  const res = await erase(ADMIN);
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.conversation_ids.sort()).toEqual([first.conversation_id, second.conversation_id].sort());
  expect(body.complete).toBe(true);
  expect(body.erased).toMatchObject({ conversations: 2, submissions: 1, action_runs: 1 });
  expect(body.erased.messages).toBeGreaterThanOrEqual(6);
  expect(await readStatus(request, first)).toBe(404);
  expect(await readStatus(request, second)).toBe(404);
  expect(await readStatus(request, bob)).toBe(200);

  // One conversation by id, with what went.
  const byId = await request.delete(`/api/v1/admin/conversations/${bob.conversation_id}`, { headers: ADMIN });
  expect(byId.status()).toBe(200);
  expect(await byId.json()).toEqual({
    conversation_id: bob.conversation_id,
    erased: { conversations: 1, messages: 1, submissions: 0, action_runs: 0 },
  });
  expect(await readStatus(request, bob)).toBe(404);
  expect((await request.delete(`/api/v1/admin/conversations/${bob.conversation_id}`, { headers: ADMIN })).status()).toBe(404);
});

/** SQL on the edge's local D1 through wrangler dev's local explorer (development only; params are
 * text); answers the explorer's JSON as text. */
async function localD1(request: APIRequestContext, sql: string, params: string[]): Promise<string> {
  const databases = await (await request.get("/cdn-cgi/explorer/api/d1/database")).json();
  const id = databases.result.find((d: any) => d.name === "DB").uuid;
  const res = await request.post(`/cdn-cgi/explorer/api/d1/database/${id}/raw`, { data: { sql, params } });
  const text = await res.text();
  expect(res.status(), text).toBe(200);
  return text;
}

test("the hourly cleanup deletes conversations idle for longer than retention_days, with their logs", async ({ request }) => {
  const idle = await start(request);
  const [, reply] = await say(request, idle, `Where is my deposit ${TX}?`, "r1");
  expect(reply.action).toMatchObject({ status: "ok" });
  const recent = await start(request);
  // The conversation's object passes a visitor's turn on to D1 within a second; the pretend age
  // below must apply to the turn too.
  await expect
    .poll(async () => (await localD1(request, "SELECT client_message_id FROM messages WHERE conversation_id = ?1", [idle.conversation_id])).includes('"r1"'))
    .toBe(true);
  // Pretend the idle visitor's last message, and the action it ran, were retention_days + 1 ago.
  const age = String((RETENTION_DAYS + 1) * DAY_MS);
  await localD1(request, "UPDATE conversations SET created_at_ms = created_at_ms - ?1 WHERE id = ?2", [age, idle.conversation_id]);
  await localD1(request, "UPDATE messages SET created_at_ms = created_at_ms - ?1 WHERE conversation_id = ?2", [age, idle.conversation_id]);
  await localD1(request, "UPDATE action_runs SET at_ms = at_ms - ?1 WHERE conversation_id = ?2", [age, idle.conversation_id]);
  expect(await readStatus(request, idle)).toBe(200);
  expect((await transactionLogs(request)).some((l) => l.conversation_id === idle.conversation_id)).toBe(true);

  const res = await request.get(`/__scheduled?cron=${encodeURIComponent("17 * * * *")}`);
  expect(res.status()).toBe(200);

  expect(await readStatus(request, idle)).toBe(404);
  expect(await readStatus(request, recent)).toBe(200);
  const logs = await transactionLogs(request);
  expect(logs.some((l) => l.conversation_id === idle.conversation_id)).toBe(false);
});

/** The widget's stored session (the iframe is on the edge's origin, like the demo page). */
const storedSession = async (page: Page) =>
  JSON.parse((await page.evaluate(() => localStorage.getItem("switchboard:novaex:session"))) ?? "null") as Conversation | null;

test("a visitor deletes the conversation from the chat header, after confirming", async ({ page, request }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("what are the withdrawal fees for bitcoin?");
  await box.press("Enter");
  await expect(log).toContainText("0.0002 BTC");
  const old = (await storedSession(page))!;

  // Changing one's mind deletes nothing.
  const remove = chat.getByRole("button", { name: "Delete this conversation" });
  const confirm = chat.getByRole("group", { name: "Delete this conversation?" });
  await remove.click();
  await confirm.getByRole("button", { name: "Keep it" }).click();
  await expect(confirm).toHaveCount(0);
  expect(await readStatus(request, old)).toBe(200);

  await remove.click();
  await expect(remove).toHaveAttribute("aria-expanded", "true");
  await confirm.getByRole("button", { name: "Delete conversation" }).click();
  await expect(log).not.toContainText("0.0002 BTC");
  await expect(log).toContainText("I'm Nova"); // a new, empty conversation
  expect(await readStatus(request, old)).toBe(404);
  await expect.poll(async () => (await storedSession(page))?.conversation_id).not.toBe(old.conversation_id);
});

test("an answer that arrives after the visitor deleted the conversation stays out of the new one", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");
  const old = (await storedSession(page))!;

  // The edge stores and answers the message, but the answer is held on its way back.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let answered!: () => void;
  const fetched = new Promise<void>((r) => (answered = r));
  await page.route(`**${messagesUrl(old.conversation_id)}`, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const response = await route.fetch();
    answered();
    await released;
    await route.fulfill({ response });
  });
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("what are the withdrawal fees for bitcoin?");
  await box.press("Enter");
  await fetched;

  // Meanwhile the visitor deletes the conversation; a new one opens.
  await chat.getByRole("button", { name: "Delete this conversation" }).click();
  await chat.getByRole("group", { name: "Delete this conversation?" }).getByRole("button", { name: "Delete conversation" }).click();
  // Wait for the new session itself: between forgetting the old one and storing the new one,
  // nothing is stored.
  await expect
    .poll(async () => {
      const s = await storedSession(page);
      return s !== null && s.conversation_id !== old.conversation_id;
    })
    .toBe(true);
  const fresh = (await storedSession(page))!;
  await expect(log).toContainText("I'm Nova");

  // The old answer lands now; then the visitor talks in the new conversation.
  release();
  await box.fill("How long do bitcoin deposits take?");
  await box.press("Enter");
  await expect(log).toContainText("2 confirmations");
  expect((await storedSession(page))!.conversation_id, "the new conversation was kept").toBe(fresh.conversation_id);
  await expect(log).not.toContainText("0.0002 BTC");
  await expect(log).not.toContainText("withdrawal fees for bitcoin");
});
