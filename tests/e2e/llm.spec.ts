// The clinic (tests/sites/clinic) runs its agent on a model: `[llm]` points at the scripted
// OpenAI-compatible server (tests/model/server.mjs), which plays the model's turns over real HTTP
// from workerd. The visitor uses the chat as on any site; the tests assert what the model was sent,
// what the clinic's API received, and what the visitor sees.
import { test, expect, Page } from "@playwright/test";
import { ADMIN, devVars } from "./support";

const CLINIC = "http://127.0.0.1:8795";
const CLINIC_API = "http://127.0.0.1:8791";
const MODEL = "http://127.0.0.1:8792";

test.use({ baseURL: CLINIC });

async function openChat(page: Page) {
  await page.goto("/help/appointments");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/conversations") && r.status() === 201);
  await page.getByRole("button", { name: "Open chat" }).click();
  const id = (await (await created).json()).conversation_id as string;
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Robin from Riverside Family Clinic");
  const box = chat.getByRole("textbox", { name: "Message" });
  const say = async (text: string) => {
    await box.fill(text);
    await box.press("Enter");
  };
  return { chat, log, say, id };
}

const script = async (page: Page, turns: unknown[]) => {
  const r = await page.request.post(`${MODEL}/__script`, { data: turns });
  expect(r.ok()).toBeTruthy();
};
const modelRequests = async (page: Page) => (await (await page.request.get(`${MODEL}/__requests`)).json()) as any[];
const apiRequests = async (page: Page) => (await (await page.request.get(`${CLINIC_API}/__requests`)).json()) as any[];

test.beforeEach(async ({ request }) => {
  await request.get(`${MODEL}/__reset`);
  await request.get(`${CLINIC_API}/__reset`);
});

test("the model answers from the clinic's pages, cites them, and is sent the owner's words and key", async ({ page }) => {
  const { log, say } = await openChat(page);
  await script(page, [{ content: "On Saturdays we're open 9 am to 1 pm at Riverside Main [1]." }]);
  await say("are you open saturday morning?");
  await expect(log).toContainText("On Saturdays we're open 9 am to 1 pm at Riverside Main.");
  await expect(log.getByRole("link", { name: /Opening hours|Hours/ }).first()).toBeVisible();
  const [sent] = await modelRequests(page);
  expect(sent.authorization).toBe(`Bearer ${devVars.CLINIC_MODEL_KEY}`);
  expect(sent.body.model).toBe("scripted");
  const system = sent.body.messages[0].content as string;
  expect(system).toContain("Robin");
  expect(system).toContain("Never give medical advice");
  const tools = sent.body.tools.map((t: any) => t.function.name);
  expect(tools).toEqual(expect.arrayContaining(["appointment-details", "cancel-appointment", "show_form", "offer_button", "hand_off"]));
  const cancel = sent.body.tools.find((t: any) => t.function.name === "cancel-appointment").function;
  expect(cancel.description).toContain("When not to use: Do not use for prescription refills or test results.");
  expect(cancel.parameters.properties.booking_ref.pattern).toBe("^RFC-\\d{6}$");
  expect(JSON.stringify(sent)).not.toContain(devVars.CLINIC_API_TOKEN);
});

test("a lookup the model asks for runs against the clinic's API, and the owner's reply template reports it", async ({ page }) => {
  const { log, say } = await openChat(page);
  await script(page, [
    { tool_calls: [{ name: "appointment-details", arguments: '{"booking_ref":"RFC-204518"}' }] },
    { content: "Your visit with Dr. Amara Osei is on 12 January at 9:30 at Riverside Main." },
  ]);
  await say("when is my appointment? ref RFC-204518");
  // The action has a `response.reply` template: the owner's words win over the model's.
  await expect(log).toContainText("Appointment RFC-204518 is booked: 2027-01-12 at 09:30 with Dr. Amara Osei, Riverside Main.");
  expect(await apiRequests(page)).toEqual([{ method: "GET", path: "/appointments/RFC-204518", body: {} }]);
});

test("a cancellation the model asks for waits for the visitor's Confirm; only then does it reach the clinic", async ({ page }) => {
  const { chat, log, say } = await openChat(page);
  await script(page, [{ tool_calls: [{ name: "cancel-appointment", arguments: '{"booking_ref":"RFC-318274"}' }] }]);
  await say("I can't make RFC-318274, please cancel it");
  await expect(log).toContainText("Please confirm: Cancel Appointment");
  expect(await apiRequests(page)).toEqual([]);
  await chat.getByRole("button", { name: "Confirm" }).click();
  await expect(log).toContainText("Appointment RFC-318274 on 2027-01-14 is cancelled. No fee applies.");
  const sent = await apiRequests(page);
  expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /appointments/RFC-318274/cancel"]);
  expect((await modelRequests(page)).length).toBe(1);
});

test("a rate-limited or failing model leaves the built-in engine to answer, and the calls are on the record", async ({ page }) => {
  const { log, say } = await openChat(page);
  await script(page, [{ status: 429, body: { error: { message: "rate limited" } } }]);
  await say("What are the opening hours on Saturday?");
  await expect(log).toContainText("Here's what our help pages say");
  await expect(log).toContainText("from 9 am to 1 pm");
  // Slower than the clinic's timeout_ms (4 s): the built-in engine answers, the late reply is dropped.
  await script(page, [{ content: "too late", delay_ms: 6000 }]);
  await say("Where can I park at Riverside Main?");
  await expect(log).toContainText("free car park", { timeout: 15_000 });
  await page.waitForTimeout(2500);
  await expect(log).not.toContainText("too late");
  const usage = await (await page.request.get("/api/v1/admin/model-usage", { headers: ADMIN })).json();
  const outcomes = usage.calls.map((c: any) => c.outcome);
  expect(outcomes).toEqual(expect.arrayContaining(["http 429", "timeout"]));
});

test("a reply appears as the model writes it, then the stored one takes its place", async ({ page }) => {
  const { chat, log, say } = await openChat(page);
  const answer = "Riverside Main has a free car park behind the building, free for up to two hours [1].";
  await script(page, [{ content: answer, piece: 3, gap_ms: 60 }]);
  await say("where do I park?");
  const stop = chat.getByRole("button", { name: "Stop the reply" });
  await expect(stop).toBeVisible();
  // Shown while written: part of it, before the whole is stored.
  await expect(chat.locator(".writing .bubble")).toContainText("Riverside Main has");
  await expect(log).toContainText("free for up to two hours.");
  await expect(stop).toBeHidden();
  const [sent] = await modelRequests(page);
  expect(sent.body.stream).toBe(true);
});

test("the visitor stops a reply: what was shown is kept, marked as stopped, and survives a reload", async ({ page }) => {
  const { chat, log, say } = await openChat(page);
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
  await script(page, [{ content: `Here is a long answer: ${words}`, piece: 6, gap_ms: 80 }]);
  await say("tell me everything about your clinic");
  const writing = chat.locator(".writing .bubble");
  await expect(writing).toContainText("word3");
  await chat.getByRole("button", { name: "Stop the reply" }).click();
  await expect(log).toContainText("(You stopped this reply.)");
  await expect(log).not.toContainText("word59");
  await expect(log).toContainText("Here is a long answer:");
  await page.reload();
  await page.getByRole("button", { name: "Open chat" }).click();
  const again = page.getByTitle("Support chat").contentFrame().getByRole("log", { name: "Messages" });
  await expect(again).toContainText("(You stopped this reply.)");
});

test("a reload while a reply is written loses nothing: the whole reply is there once written", async ({ page }) => {
  const { chat, say } = await openChat(page);
  await script(page, [{ content: "Test results usually arrive within three working days, and we call you if anything needs a follow-up.", piece: 4, gap_ms: 60 }]);
  await say("when do results come back?");
  await expect(chat.locator(".writing .bubble")).toContainText("Test results");
  await page.reload();
  await page.getByRole("button", { name: "Open chat" }).click();
  const log = page.getByTitle("Support chat").contentFrame().getByRole("log", { name: "Messages" });
  await expect(log).toContainText("we call you if anything needs a follow-up.", { timeout: 15_000 });
});

test("a stream cut midway is a failed call: the built-in engine answers instead", async ({ page }) => {
  const { log, say } = await openChat(page);
  await script(page, [{ content: "Parking is only for staff and you must never park there", piece: 4, cut_after: 4 }]);
  await say("Where can I park at Riverside Main?");
  await expect(log).toContainText("free car park");
  await expect(log).not.toContainText("never park");
});

test("an agent watching in the inbox sees the AI's reply as it is written, then stored", async ({ page, browser, request }) => {
  const email = `watcher${Date.now()}@riverside.example`;
  const password = "a long enough passphrase";
  expect((await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name: "Kim Lee", password } })).status()).toBe(201);
  const { log, say, id } = await openChat(page);
  await script(page, [{ content: "Hello! How can I help? [1]" }]);
  await say("hello there");
  await expect(log).toContainText("Hello! How can I help?");

  const agent = await (await browser.newContext()).newPage();
  await agent.goto(`/inbox/#conversation=${id}`);
  await agent.getByLabel("Email").fill(email);
  await agent.getByLabel("Password").fill(password);
  await agent.getByRole("button", { name: "Sign in" }).click();
  const history = agent.getByRole("log", { name: "Conversation history" });
  await expect(history).toContainText("hello there");

  const answer = "Video visits cost $75 without insurance, and most insurers cover them like an office visit.";
  await script(page, [{ content: answer, piece: 4, gap_ms: 80 }]);
  await say("how much is a video visit?");
  const writing = agent.locator(".ai-writing");
  await expect(writing).toContainText("Video visits cost");
  await expect(history).toContainText("most insurers cover them like an office visit.");
  await expect(writing).toBeHidden();
});
