// The inbox's API against the real edge in workerd: a visitor whose account was taken over waits
// for a human; two agents press "claim" at the same moment and exactly one gets the conversation;
// the agent's inbox socket hears it; and another site's page cannot open an agent's socket even
// when the browser would send the agent's cookie with it (cross-site WebSocket hijacking).
import { test, expect, request as apiRequest, APIRequestContext, Page } from "@playwright/test";
import { request as httpRequest } from "node:http";
import { randomBytes } from "node:crypto";
import { ADMIN } from "./support";

const SELF = "http://127.0.0.1:8799";
const PASSWORD = "a long enough passphrase";
let n = 0;

/** A new agent, signed in: their id and `__Host-sb_agent=…` cookie. */
async function signedInAgent(request: APIRequestContext, name: string) {
  const email = `inbox${Date.now()}${n++}@pinecone.example`;
  const added = await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name, password: PASSWORD } });
  expect(added.status()).toBe(201);
  // Signed in from a context of its own, so the shared one keeps no cookie: each call below sends
  // exactly the agent's cookie it names.
  const own = await apiRequest.newContext({ baseURL: SELF });
  const session = await own.post("/api/v1/inbox/session", { headers: { Origin: SELF }, data: { email, password: PASSWORD } });
  expect(session.status()).toBe(200);
  const cookie = session.headers()["set-cookie"].split(";")[0];
  await own.dispose();
  return { id: (await added.json()).id as string, cookie };
}

/** A visitor's conversation handed to a human (the demo hands off account takeovers at once). */
async function waitingConversation(request: APIRequestContext) {
  const visitor = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const said = await request.post(`/api/v1/conversations/${visitor.conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${visitor.token}` },
    data: { text: "someone logged into my account and withdrew everything", client_message_id: `k${n++}` },
  });
  expect(said.status()).toBe(200);
  return visitor.conversation_id as string;
}

/** A raw WebSocket handshake, as any browser page can make it: the status the edge answers. */
function handshake(path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, SELF);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        "Sec-WebSocket-Protocol": "switchboard.live.v1",
        ...headers,
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

const claim = (request: APIRequestContext, cookie: string, id: string) =>
  request.post(`/api/v1/inbox/conversations/${id}/claim`, { headers: { Cookie: cookie, Origin: SELF } });

test("two agents claiming the same conversation at once: exactly one gets it", async ({ request }) => {
  const sam = await signedInAgent(request, "Sam Rivera");
  const kim = await signedInAgent(request, "Kim Lee");
  for (let round = 0; round < 3; round++) {
    const id = await waitingConversation(request);
    const answers = await Promise.all([claim(request, sam.cookie, id), claim(request, kim.cookie, id)]);
    const statuses = answers.map((r) => r.status()).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = answers.find((r) => r.status() === 409)!;
    expect((await loser.json()).error.code).toBe("already_claimed");
    const winner = await answers.find((r) => r.status() === 200)!.json();
    const detail = await (await request.get(`/api/v1/inbox/conversations/${id}`, { headers: { Cookie: sam.cookie } })).json();
    expect(detail.conversation.status).toBe("assigned");
    expect(detail.conversation.assignee.id).toBe(winner.conversation.assignee.id);
    expect(detail.summary.reason).toBe("Topic: Account takeover");
  }
});

test("an agent's socket opens only from the edge's own origin, whatever cookie comes with it", async ({ request }) => {
  const sam = await signedInAgent(request, "Sam Rivera");
  const id = await waitingConversation(request);
  for (const path of [`/api/v1/inbox/conversations/${id}/live`, "/api/v1/inbox/live"]) {
    expect(await handshake(path, { Origin: "https://evil.example", Cookie: sam.cookie })).toBe(403);
    expect(await handshake(path, { Origin: "http://localhost:8799", Cookie: sam.cookie })).toBe(403);
    expect(await handshake(path, { Cookie: sam.cookie })).toBe(403); // browsers always send Origin
    expect(await handshake(path, { Origin: SELF })).toBe(401);
    expect(await handshake(path, { Origin: SELF, Cookie: sam.cookie })).toBe(101);
  }
});

/** In the inbox page's browser: opens the inbox socket and collects what it hears. */
async function listen(page: Page) {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${location.origin.replace("http", "ws")}/api/v1/inbox/live`, ["switchboard.live.v1"]);
        (window as any).heard = [];
        ws.onmessage = (e) => {
          const event = JSON.parse(e.data);
          (window as any).heard.push(event);
          if (event.type === "ready") resolve();
        };
        ws.onerror = () => reject(new Error("the inbox socket was refused"));
      }),
  );
  return () => page.evaluate(() => (window as any).heard as any[]);
}

test("the inbox socket tells every agent tab when a conversation is handed off and claimed", async ({ page, request }) => {
  const email = `inbox${Date.now()}${n++}@pinecone.example`;
  await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name: "Ana Ortiz", password: PASSWORD } });
  await page.goto("/");
  const signedIn = await page.evaluate(
    async ({ email, password }) =>
      (await fetch("/api/v1/inbox/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) })).status,
    { email, password: PASSWORD },
  );
  expect(signedIn).toBe(200);
  const heard = await listen(page);
  const id = await waitingConversation(request);
  await expect.poll(async () => (await heard()).filter((e) => e.conversation_id === id).map((e) => e.status)).toEqual(["waiting"]);
  const claimed = await page.evaluate(async (id) => (await fetch(`/api/v1/inbox/conversations/${id}/claim`, { method: "POST" })).status, id);
  expect(claimed).toBe(200);
  await expect.poll(async () => (await heard()).filter((e) => e.conversation_id === id).map((e) => e.status)).toEqual(["waiting", "assigned"]);
});

test("an agent watching a conversation sees the visitor type, types back by name, and the reply arrives live", async ({ browser, request }) => {
  const email = `inbox${Date.now()}${n++}@pinecone.example`;
  await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name: "Ana Ortiz", password: PASSWORD } });
  const visitor = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const id = visitor.conversation_id as string;
  await request.post(`/api/v1/conversations/${id}/messages`, {
    headers: { Authorization: `Bearer ${visitor.token}` },
    data: { text: "someone logged into my account and withdrew everything", client_message_id: "v1" },
  });
  // Two browsers: the agent's inbox page and the visitor's chat, each with its own socket.
  const agentPage = await (await browser.newContext()).newPage();
  const visitorPage = await (await browser.newContext()).newPage();
  await agentPage.goto("/");
  await visitorPage.goto("/");
  expect(
    await agentPage.evaluate(
      async ({ email, password }) =>
        (await fetch("/api/v1/inbox/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) })).status,
      { email, password: PASSWORD },
    ),
  ).toBe(200);
  const open = (page: Page, path: string, protocols: string[]) =>
    page.evaluate(
      ({ path, protocols }) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`${location.origin.replace("http", "ws")}${path}`, protocols);
          (window as any).socket = ws;
          (window as any).heard = [];
          ws.onmessage = (e) => {
            const event = JSON.parse(e.data);
            (window as any).heard.push(event);
            if (event.type === "ready") resolve();
          };
          ws.onerror = () => reject(new Error("refused"));
        }),
      { path, protocols },
    );
  await open(agentPage, `/api/v1/inbox/conversations/${id}/live`, ["switchboard.live.v1"]);
  await open(visitorPage, `/api/v1/conversations/${id}/live`, ["switchboard.live.v1", `bearer.${visitor.token}`]);
  const heard = (page: Page, type: string) => page.evaluate((type) => (window as any).heard.filter((e: any) => e.type === type), type);
  const typing = (page: Page) => page.evaluate(() => (window as any).socket.send(JSON.stringify({ type: "typing", typing: true })));

  await typing(visitorPage);
  await expect.poll(() => heard(agentPage, "visitor_typing")).toEqual([{ type: "visitor_typing", typing: true }]);
  const claimed = await agentPage.evaluate(async (id) => (await fetch(`/api/v1/inbox/conversations/${id}/claim`, { method: "POST" })).status, id);
  expect(claimed).toBe(200);
  await expect.poll(() => heard(visitorPage, "agent_joined")).toEqual([{ type: "agent_joined", name: "Ana Ortiz", initial: "A" }]);
  await typing(agentPage);
  await expect.poll(() => heard(visitorPage, "agent_typing")).toEqual([
    { type: "agent_typing", agent: { name: "Ana Ortiz", initial: "A" }, typing: true },
  ]);
  const replied = await agentPage.evaluate(
    async (id) =>
      (await fetch(`/api/v1/inbox/conversations/${id}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "Hi, I'm Ana. I've locked your account while we look.", client_message_id: "r1" }),
      })).status,
    id,
  );
  expect(replied).toBe(201);
  await expect
    .poll(async () => (await heard(visitorPage, "message")).map((e: any) => [e.message.author_name, e.message.text]))
    .toContainEqual(["Ana Ortiz", "Hi, I'm Ana. I've locked your account while we look."]);
  // A private note goes nowhere near the visitor's socket.
  await agentPage.evaluate(
    async (id) =>
      fetch(`/api/v1/inbox/conversations/${id}/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "flagged by fraud review" }) }),
    id,
  );
  await visitorPage.waitForTimeout(500);
  expect(JSON.stringify(await visitorPage.evaluate(() => (window as any).heard))).not.toContain("fraud review");
});

test("an agent's sockets end with the session: after signing out they hear nothing more and close", async ({ page, request }) => {
  const email = `inbox${Date.now()}${n++}@pinecone.example`;
  await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name: "Ana Ortiz", password: PASSWORD } });
  const visitor = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const id = visitor.conversation_id as string;
  const say = (text: string, k: string) =>
    request.post(`/api/v1/conversations/${id}/messages`, { headers: { Authorization: `Bearer ${visitor.token}` }, data: { text, client_message_id: k } });
  await say("someone logged into my account and withdrew everything", "v1");
  await page.goto("/");
  const status = await page.evaluate(
    async ({ email, password }) =>
      (await fetch("/api/v1/inbox/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) })).status,
    { email, password: PASSWORD },
  );
  expect(status).toBe(200);
  // The conversation's socket and the inbox socket, each recording what it hears and how it closes.
  await page.evaluate(
    (paths) =>
      Promise.all(
        paths.map(
          (path) =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(`${location.origin.replace("http", "ws")}${path}`, ["switchboard.live.v1"]);
              const log = ((window as any).sockets ??= {})[path] = { heard: [] as any[], closed: null as number | null };
              ws.onmessage = (e) => {
                const event = JSON.parse(e.data);
                log.heard.push(event);
                if (event.type === "ready") resolve();
              };
              ws.onclose = (e) => (log.closed = e.code);
              ws.onerror = () => reject(new Error(`${path} was refused`));
            }),
        ),
      ),
    [`/api/v1/inbox/conversations/${id}/live`, "/api/v1/inbox/live"],
  );
  const sockets = () => page.evaluate(() => (window as any).sockets);
  await say("are you there?", "v2");
  await expect.poll(async () => JSON.stringify((await sockets())[`/api/v1/inbox/conversations/${id}/live`].heard)).toContain("are you there?");

  expect(await page.evaluate(async () => (await fetch("/api/v1/inbox/session", { method: "DELETE" })).status)).toBe(204);
  await say("my card number is on the screenshot", "v3");
  await expect.poll(async () => Object.values(await sockets()).map((s: any) => s.closed)).toEqual([4401, 4401]);
  expect(JSON.stringify(await sockets())).not.toContain("screenshot");
});
