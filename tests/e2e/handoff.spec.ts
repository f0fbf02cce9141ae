// Handoff to a human: a visitor whose account was taken over is passed to a specialist at once,
// the AI falls silent, and the owner's webhook receiver gets one signed payload with the summary,
// verified with the README's Node snippet (in the demo backend) and its Python snippet (here);
// a receiver that fails is retried. The shop hands off a visitor who asks for a real person.
import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { BACKEND, devVars } from "./support";

const SHOP = "http://127.0.0.1:8797";
const SHOP_API = "http://127.0.0.1:8790";

async function openChat(page: Page, greeting: string) {
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText(greeting);
  const box = chat.getByRole("textbox", { name: "Message" });
  const say = async (text: string) => {
    await box.fill(text);
    await box.press("Enter");
    await expect(log).toContainText(text);
  };
  return { chat, log, say };
}

const webhooks = async (request: APIRequestContext, base = BACKEND) =>
  (await (await request.get(`${base}/__webhooks`)).json()) as any[];

/** The README's Python snippet, run on what the receiver got: true if it accepts the signature. */
function pythonAccepts(raw: string, header: string): boolean {
  try {
    execFileSync("python3", ["demo/backend/verify_webhook.py", devVars.HANDOFF_WEBHOOK_SECRET, header], { input: raw });
    return true;
  } catch {
    return false;
  }
}

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__webhook-mode?fail=0`);
});

test("a visitor reporting an account takeover is passed to a specialist, and the AI stops answering", async ({ page, request }) => {
  await page.goto("/");
  const { log, say } = await openChat(page, "I'm Nova");
  await say("someone logged into my account and withdrew my bitcoin");
  await expect(log).toContainText("I'm connecting you with a specialist — they'll see everything you've told me.");
  await expect(log).not.toContainText("Here's what our help pages say");

  // The next message gets no answer from the AI, only the note that a specialist answers here.
  await say("what are the withdrawal fees for bitcoin?");
  await expect(log).toContainText("a specialist will read this and answer here");
  await say("hello? what are the withdrawal fees for bitcoin?");
  await page.waitForTimeout(1000);
  await expect(log).not.toContainText("0.0002 BTC");
  await expect(log.getByText("a specialist will read this and answer here")).toHaveCount(1);

  // The owner's receiver got exactly one payload, signed, with the summary in the visitor's words.
  await expect.poll(async () => (await webhooks(request)).length, { timeout: 10_000 }).toBe(1);
  const [hook] = await webhooks(request);
  expect(hook.verified).toBe(true);
  expect(hook.headers["switchboard-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(pythonAccepts(hook.raw, hook.headers["switchboard-signature"])).toBe(true);
  expect(pythonAccepts(hook.raw.replace("bitcoin", "bitcoins"), hook.headers["switchboard-signature"])).toBe(false);
  const payload = JSON.parse(hook.raw);
  expect(payload.type).toBe("conversation.handoff");
  expect(hook.headers["switchboard-delivery"]).toBe(payload.id);
  expect(payload.data.reason).toEqual({ kind: "topic", topic: "Account takeover" });
  expect(payload.data.summary.issue).toEqual(["someone logged into my account and withdrew my bitcoin"]);
  expect(payload.data.summary.identity.signed).toBe("none");
  expect(JSON.stringify(payload)).not.toContain(devVars.HANDOFF_WEBHOOK_SECRET);
  // Later messages, and a retry of the Cron run, notify nobody again.
  await request.get("/__scheduled?cron=*+*+*+*+*");
  await page.waitForTimeout(500);
  expect(await webhooks(request)).toHaveLength(1);
});

test("a receiver that fails is retried with the same delivery and a fresh signature", async ({ request }) => {
  await request.get(`${BACKEND}/__webhook-mode?fail=1`);
  const start = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const answer = await request.post(`/api/v1/conversations/${start.conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${start.token}` },
    data: { text: "I want to talk to a person", client_message_id: "h1" },
  });
  expect(answer.status()).toBe(200);
  const started = Date.now();
  const reply = await answer.json();
  expect(reply.messages[1].text).toContain("I'm connecting you with a specialist");
  // The first attempt fails (500); the retry follows about 5 s later and is accepted.
  await expect.poll(async () => (await webhooks(request)).map((h) => h.answered), { timeout: 20_000 }).toEqual([500, 204]);
  const [failed, accepted] = await webhooks(request);
  expect(failed.verified && accepted.verified).toBe(true);
  expect(accepted.headers["switchboard-delivery"]).toBe(failed.headers["switchboard-delivery"]);
  expect(accepted.raw).toBe(failed.raw);
  expect(accepted.at - failed.at).toBeGreaterThanOrEqual(4_000);
  expect(Date.now() - started).toBeLessThan(20_000);
});

test.describe("the shop", () => {
  test.use({ baseURL: SHOP });

  test("a shopper who wants a real person is handed to customer care", async ({ page, request }) => {
    await request.get(`${SHOP_API}/__reset`);
    await page.goto("/help/shipping");
    const { log, say } = await openChat(page, "I'm Pip from Pinecone Outfitters");
    await say("I want a real person");
    await expect(log).toContainText("I'm passing you to our customer care team");
    await say("my tent arrived damaged");
    await expect(log).toContainText("a member of our team will reply here");
    await expect.poll(async () => (await webhooks(request, SHOP_API)).length, { timeout: 10_000 }).toBe(1);
    const [hook] = await webhooks(request, SHOP_API);
    expect(hook.verified).toBe(true);
    const payload = JSON.parse(hook.raw);
    expect(payload.site_id).toBe("pinecone");
    expect(payload.data.reason).toEqual({ kind: "human_requested" });
  });
});
