// A human agent steps into a visitor's conversation live (through the admin API, the inbox's
// stand-in): the visitor sees them join, type and answer without reloading; a dropped socket
// resumes with nothing missed or doubled; blocked WebSockets fall back to polling; and one
// conversation's token opens no other conversation's socket.
import { test, expect, Page, FrameLocator, APIRequestContext, WebSocketRoute } from "@playwright/test";
import { ADMIN } from "./support";

type Opened = { chat: FrameLocator; id: string; token: string };

/** Opens the chat on the demo site and returns it with its conversation's id and token. */
async function openChat(page: Page): Promise<Opened> {
  await page.goto("/");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/conversations") && r.status() === 201);
  await page.getByRole("button", { name: "Open chat" }).click();
  const body = await (await created).json();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  return { chat, id: body.conversation_id, token: body.token };
}

let sent = 0;
async function agentSays(request: APIRequestContext, id: string, text: string) {
  const r = await request.post(`/api/v1/admin/conversations/${id}/messages`, {
    headers: ADMIN,
    data: { agent: "Ana", text, client_message_id: `agent-${Date.now()}-${sent++}` },
  });
  expect(r.status()).toBe(201);
}

async function agentSignals(request: APIRequestContext, id: string, data: object) {
  const r = await request.post(`/api/v1/admin/conversations/${id}/events`, { headers: ADMIN, data });
  expect(r.status()).toBe(202);
}

test("a human agent joins, types and answers, and the visitor sees it without reloading", async ({ page, request }) => {
  const { chat, id } = await openChat(page);
  const log = chat.getByRole("log", { name: "Messages" });
  // Let the socket settle: the join below must arrive over it (polling carries messages only).
  await page.waitForTimeout(1500);

  await agentSignals(request, id, { type: "agent_joined", agent: "Ana" });
  await expect(chat.getByRole("status").filter({ hasText: "Ana from the support team joined" })).toBeVisible();
  await agentSignals(request, id, { type: "agent_typing", agent: "Ana", typing: true });
  await expect(chat.getByRole("status").filter({ hasText: "Ana is typing…" })).toBeVisible();

  await agentSays(request, id, "Hi, I'm Ana from support. I can see your question.");
  await expect(log).toContainText("Hi, I'm Ana from support.");
  await expect(chat.getByText("Ana is typing…")).toHaveCount(0);
  await expect(log.getByText("Hi, I'm Ana from support.", { exact: false })).toHaveCount(1);
});

test("a dropped socket resumes from the last message: two agent messages arrive exactly once, in order", async ({ page, request }) => {
  let blocked = false;
  const live: WebSocketRoute[] = [];
  const silent: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/api\/v1\/conversations\/[^/]+\/live/, (ws) => {
    if (blocked) {
      // Accepted by a "proxy" that passes nothing: the widget must not take it as live.
      silent.push(ws);
      return;
    }
    ws.connectToServer();
    live.push(ws);
  });
  const { chat, id } = await openChat(page);
  const log = chat.getByRole("log", { name: "Messages" });
  await agentSays(request, id, "First, before the drop.");
  await expect(log).toContainText("First, before the drop.");

  // The connection drops; the reconnection gets nowhere, and polling is cut off too, so only
  // the resume can bring what is said meanwhile.
  blocked = true;
  await page.route(/\/messages\?after=/, (route) => route.abort());
  for (const ws of live) await ws.close();
  await agentSays(request, id, "Second: said while you were away.");
  await agentSays(request, id, "Third: also while you were away.");
  await page.waitForTimeout(2500);
  await expect(log).not.toContainText("Second: said while you were away.");

  blocked = false;
  for (const ws of silent) await ws.close();
  await expect(log).toContainText("Third: also while you were away.", { timeout: 15_000 });
  for (const text of ["First, before the drop.", "Second: said while you were away.", "Third: also while you were away."]) {
    await expect(log.getByText(text)).toHaveCount(1);
  }
  const all = await log.innerText();
  expect(all.indexOf("Second: said")).toBeLessThan(all.indexOf("Third: also"));
  // Still live afterwards, still once each.
  await page.waitForTimeout(1000);
  await agentSays(request, id, "Fourth, live again.");
  await expect(log.getByText("Fourth, live again.")).toHaveCount(1);
  await expect(log.getByText("Second: said while you were away.")).toHaveCount(1);
});

test("with WebSockets blocked the widget polls, and the agent's messages still arrive once", async ({ page, request }) => {
  await page.routeWebSocket(/\/live/, (ws) => ws.close());
  const { chat, id } = await openChat(page);
  const log = chat.getByRole("log", { name: "Messages" });
  await agentSays(request, id, "Can you see me without a socket?");
  await expect(log).toContainText("Can you see me without a socket?");
  // The visitor carries on normally, and nothing shows twice.
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("yes I can");
  await box.press("Enter");
  await expect(log.getByText("yes I can", { exact: true })).toHaveCount(1);
  await agentSays(request, id, "Great, polling works.");
  await expect(log).toContainText("Great, polling works.");
  await page.waitForTimeout(3500);
  await expect(log.getByText("Can you see me without a socket?")).toHaveCount(1);
  await expect(log.getByText("yes I can", { exact: true })).toHaveCount(1);
});

test("a conversation's token opens its own live socket and no other conversation's", async ({ page, request }) => {
  const create = async () => (await request.post("/api/v1/conversations", { data: {} })).json();
  const a = await create();
  const b = await create();
  await page.goto("/");
  const tryOpen = (conversation: string, token: string) =>
    page.evaluate(
      ([conversation, token]) =>
        new Promise<string>((resolve) => {
          const url = `${location.origin.replace("http", "ws")}/api/v1/conversations/${conversation}/live`;
          const ws = new WebSocket(url, ["switchboard.live.v1", `bearer.${token}`]);
          ws.onmessage = (e) => {
            resolve(`open:${JSON.parse(e.data).type}`);
            ws.close();
          };
          ws.onerror = () => resolve("refused");
        }),
      [conversation, token],
    );
  expect(await tryOpen(a.conversation_id, a.token)).toBe("open:ready");
  expect(await tryOpen(b.conversation_id, a.token)).toBe("refused");
  expect(await tryOpen(b.conversation_id, "not-the-token")).toBe("refused");
  // The token never goes in the URL: without the subprotocol the socket is refused.
  const plain = await request.get(`/api/v1/conversations/${a.conversation_id}/live`);
  expect(plain.status()).toBe(426);
});
