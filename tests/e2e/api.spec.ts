// The visitor API against the real edge in workerd with local D1: the contract other clients rely on.
import { test, expect, APIRequestContext } from "@playwright/test";

async function start(request: APIRequestContext, body?: object) {
  const res = await request.post("/api/v1/conversations", body ? { data: body } : {});
  expect(res.status()).toBe(201);
  return (await res.json()) as { conversation_id: string; token: string; messages: any[] };
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const messagesUrl = (id: string) => `/api/v1/conversations/${id}/messages`;

test("a conversation starts with the owner's greeting and an unguessable token", async ({ request }) => {
  const c = await start(request, { user_id: "u-42", lead: { email: "ana@example.com", name: "Ana" } });
  expect(c.conversation_id).toMatch(/^c[\w-]{20,}$/);
  expect(c.token.length).toBeGreaterThanOrEqual(43);
  expect(c.messages).toHaveLength(1);
  expect(c.messages[0]).toMatchObject({ author: "bot", text: expect.stringContaining("I'm Nova") });
  expect(Date.parse(c.messages[0].created_at)).toBeGreaterThan(Date.now() - 60_000);
  const other = await start(request);
  expect(other.token).not.toBe(c.token);
});

test("posting stores the message, answers from the knowledge files and cites the page", async ({ request }) => {
  const c = await start(request);
  const res = await request.post(messagesUrl(c.conversation_id), {
    headers: auth(c.token),
    data: { text: "What are the withdrawal fees for bitcoin?", client_message_id: "q1" },
  });
  expect(res.status()).toBe(200);
  const { messages } = await res.json();
  expect(messages[0]).toMatchObject({ author: "visitor", text: "What are the withdrawal fees for bitcoin?", client_message_id: "q1" });
  expect(messages[1].author).toBe("bot");
  expect(messages[1].text).toContain("0.0002 BTC");
  expect(messages[1].sources).toEqual([{ title: "Fees › Withdrawal fees", url: "/fees#withdrawal-fees" }]);

  const history = await (await request.get(messagesUrl(c.conversation_id), { headers: auth(c.token) })).json();
  expect(history.messages.map((m: any) => m.author)).toEqual(["bot", "visitor", "bot"]);
});

test("questions the content does not cover get an honest I-don't-know", async ({ request }) => {
  const c = await start(request);
  for (const [i, text] of ["How do I bake sourdough bread?", "Who won the 1998 world cup?"].entries()) {
    const res = await request.post(messagesUrl(c.conversation_id), { headers: auth(c.token), data: { text, client_message_id: `u${i}` } });
    const { messages } = await res.json();
    expect(messages[1].text).toContain("I don't know that");
    expect(messages[1].sources).toBeUndefined();
  }
});

test("a retry with the same client_message_id creates no second message and no second reply", async ({ request }) => {
  const c = await start(request);
  const send = () =>
    request.post(messagesUrl(c.conversation_id), { headers: auth(c.token), data: { text: "How long do bitcoin deposits take?", client_message_id: "retry-1" } });
  const [a, b] = await Promise.all([send(), send()]);
  const c3 = await send();
  const bodies = await Promise.all([a.json(), b.json(), c3.json()]);
  expect(bodies[1]).toEqual(bodies[0]);
  expect(bodies[2]).toEqual(bodies[0]);
  const history = await (await request.get(messagesUrl(c.conversation_id), { headers: auth(c.token) })).json();
  expect(history.messages).toHaveLength(3);
});

test("only the token holder may read or write a conversation", async ({ request }) => {
  const mine = await start(request);
  const theirs = await start(request);
  let res = await request.get(messagesUrl(mine.conversation_id));
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe("missing_token");
  res = await request.get(messagesUrl(mine.conversation_id), { headers: auth(theirs.token) });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe("invalid_token");
  res = await request.post(messagesUrl(mine.conversation_id), { headers: auth(theirs.token), data: { text: "hi", client_message_id: "x" } });
  expect(res.status()).toBe(403);
  res = await request.get(messagesUrl("cDoesNotExist"), { headers: auth(mine.token) });
  expect(res.status()).toBe(404);
  expect((await res.json()).error.code).toBe("conversation_not_found");
});

test("bad input gets a status, a code and a message, and stores nothing", async ({ request }) => {
  const c = await start(request);
  // Raw bytes: Playwright would JSON-encode a string that is not valid JSON.
  const post = (body: string) =>
    request.post(messagesUrl(c.conversation_id), { headers: { ...auth(c.token), "Content-Type": "application/json" }, data: Buffer.from(body) });
  const cases: [string, number, string][] = [
    ["{not json", 400, "malformed_json"],
    ['{"client_message_id":"a"}', 400, "invalid_field"],
    ['{"text":"","client_message_id":"a"}', 400, "invalid_field"],
    ['{"text":"hi","client_message_id":"bad id!"}', 400, "invalid_field"],
    [JSON.stringify({ text: "x".repeat(20_000), client_message_id: "big" }), 413, "payload_too_large"],
  ];
  for (const [body, status, code] of cases) {
    const res = await post(body);
    expect(res.status(), body.slice(0, 40)).toBe(status);
    const err = (await res.json()).error;
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(5);
  }
  const history = await (await request.get(messagesUrl(c.conversation_id), { headers: auth(c.token) })).json();
  expect(history.messages).toHaveLength(1);

  const wrongMethod = await request.delete("/api/v1/conversations");
  expect(wrongMethod.status()).toBe(405);
  const unknown = await request.get("/api/v1/nothing-here");
  expect((await unknown.json()).error.code).toBe("not_found");
});

test("cross-origin access only for the owner's allowed origins", async ({ request }) => {
  const ok = await request.fetch("/api/v1/conversations", { method: "OPTIONS", headers: { Origin: "http://localhost:8787" } });
  expect(ok.headers()["access-control-allow-origin"]).toBe("http://localhost:8787");
  const denied = await request.fetch("/api/v1/conversations", { method: "OPTIONS", headers: { Origin: "https://evil.example" } });
  expect(denied.headers()["access-control-allow-origin"]).toBeUndefined();
});

test("requests naming conversations that were never created leave no stored conversation object behind", async ({ request }) => {
  const { readdirSync, statSync } = await import("node:fs");
  const { join } = await import("node:path");
  const dir = join(process.env.SWITCHBOARD_E2E_STATE!, "v3", "do", "switchboard-edge-Conversation");
  // Bytes each conversation object keeps (its SQLite file and write-ahead log), by object.
  const objects = () => {
    const out = new Map<string, number>();
    for (const name of readdirSync(dir)) {
      if (name.endsWith("-shm")) continue;
      const object = name.replace(/\.sqlite(-wal)?$/, "");
      out.set(object, (out.get(object) ?? 0) + statSync(join(dir, name)).size);
    }
    return out;
  };
  // A real conversation's object, for scale: its tables and the messages it holds.
  const real = await start(request);
  await request.post(messagesUrl(real.conversation_id), { headers: auth(real.token), data: { text: "hi", client_message_id: "r1" } });
  const before = objects();
  const holding = Math.max(...before.values());
  for (let i = 0; i < 10; i++) {
    const id = `cMadeUp${i}${Date.now()}`;
    const asVisitor = { headers: auth("made-up-token") };
    expect((await request.post(messagesUrl(id), { ...asVisitor, data: { text: "hi", client_message_id: `x${i}` } })).status()).toBe(404);
    expect((await request.get(messagesUrl(id), asVisitor)).status()).toBe(404);
    expect((await request.post(messagesUrl(id), { data: { text: "hi", client_message_id: `x${i}` } })).status()).toBe(401);
  }
  const made = [...objects()].filter(([object]) => !before.has(object));
  expect(made.length, "the made-up ids reached objects").toBeGreaterThan(0);
  // The runtime keeps a few KB of its own per object it ran; the edge adds nothing (no schema,
  // no rows), whereas an object that holds a conversation keeps tens of KB.
  for (const [object, bytes] of made) expect(bytes, object).toBeLessThan(holding / 4);
});
