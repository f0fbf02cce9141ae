// Buttons in the chat, driven like a visitor in headless Chromium: quick replies under the
// greeting, a link button, an action button clicked twice, Confirm/Cancel before a write, and the
// loader's setAttributes reaching the owner's API.
import { test, expect, Page } from "@playwright/test";

const BACKEND = "http://127.0.0.1:8788";
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";
const requests = async (request: any) => (await (await request.get(`${BACKEND}/__requests`)).json()) as any[];

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

test("a link button opens the status page in a new tab, without access to the chat", async ({ page }) => {
  const chat = await openChat(page);
  const link = chat.getByRole("link", { name: /Open the status page/ });
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(link).toHaveAttribute("rel", /noopener/);
  const [popup] = await Promise.all([page.waitForEvent("popup"), link.click()]);
  await popup.waitForLoadState();
  expect(popup.url()).toBe("http://127.0.0.1:8788/status");
  expect(await popup.evaluate(() => window.opener)).toBeNull();
});

test("an action button clicked twice quickly runs once, and shows the result", async ({ page, request }) => {
  const chat = await openChat(page);
  const button = chat.getByRole("button", { name: "Check service status" });
  await button.click();
  await button.click({ force: true });
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("Deposits and withdrawals are operating normally.");
  const calls = (await requests(request)).filter((r) => r.path === "/v1/status");
  expect(calls).toHaveLength(1);
  // The quick replies answered the greeting; once the conversation moves on they are gone.
  await expect(chat.getByRole("button", { name: "How long do withdrawals take?" })).toBeHidden();
  // The run is logged like any action run.
  const logs = await (
    await request.get("/api/v1/admin/actions/get-service-status/logs", {
      headers: { Authorization: "Bearer demo-admin-token-change-me" },
    })
  ).json();
  expect(logs.logs.filter((e: any) => !e.test)).toHaveLength(1);
});

test("a quick reply is sent as the visitor's message and answered from the content", async ({ page }) => {
  const chat = await openChat(page);
  await chat.getByRole("button", { name: "How long do withdrawals take?" }).click();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log.getByRole("listitem").filter({ hasText: "You:" }).last()).toContainText("How long do withdrawals take?");
  await expect(log.getByRole("link").first()).toBeVisible(); // a cited source
});

test("a write asks Confirm / Cancel first; Cancel sends nothing, Confirm runs it once", async ({ page, request }) => {
  await page.addInitScript(() => {
    // An account of its own: a 2FA reset is limited per email (once an hour), whichever test ran before.
    (window as any).Switchboard = [["identify", { email: "cleo@example.com" }]];
  });
  const chat = await openChat(page);
  const box = chat.getByRole("textbox", { name: "Message" });
  const log = chat.getByRole("log", { name: "Messages" });
  await box.fill("I lost my authenticator, please reset my 2FA");
  await box.press("Enter");
  await expect(log).toContainText("sent a one-time code");
  const otp = (await (await request.get(`${BACKEND}/__otp?email=cleo%40example.com`)).json()).code;
  await box.fill(otp);
  await box.press("Enter");
  await expect(log).toContainText("Please confirm: Reset 2FA");
  await chat.getByRole("button", { name: "Cancel" }).click();
  await expect(log).toContainText("Nothing was changed.");
  expect((await requests(request)).filter((r) => r.path === "/v1/2fa/reset")).toHaveLength(0);
  await expect(chat.getByRole("button", { name: "Confirm" })).toBeHidden();

  await box.fill("please reset my 2FA");
  await box.press("Enter");
  const confirm = chat.getByRole("button", { name: "Confirm" });
  await expect(confirm).toBeVisible();
  await confirm.click();
  await expect(log).toContainText("Your 2FA has been reset.");
  expect((await requests(request)).filter((r) => r.path === "/v1/2fa/reset")).toHaveLength(1);
});

test("the lead form appears when an action needs the account email, and the action then runs", async ({ page, request }) => {
  const chat = await openChat(page);
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("What is my KYC verification status?");
  await box.press("Enter");
  const form = chat.getByRole("region", { name: "Your account details" });
  await form.getByLabel("Email").fill("ben@example.com");
  await form.getByRole("button", { name: "Send" }).click();
  await expect(form.getByRole("status")).toHaveText("Submitted");
  await expect(chat.getByRole("log")).toContainText("level 1");
  const [kyc] = (await requests(request)).filter((r) => r.path === "/v1/kyc");
  expect(kyc.query).toBe("?email=ben%40example.com");
});

test("setAttributes() queued before load reaches the owner's API as a template variable", async ({ page, request }) => {
  await page.addInitScript(() => {
    (window as any).Switchboard = [["setAttributes", { plan: "pro", vip: true }]];
  });
  const chat = await openChat(page);
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("I want to report a missing deposit");
  await box.press("Enter");
  const form = chat.getByRole("region", { name: "Report a missing deposit" });
  await form.getByLabel("Asset").selectOption("ETH");
  await form.getByLabel("Amount").fill("2");
  await form.getByLabel("Transaction hash").fill(TX);
  await form.getByLabel("Your account email").fill("ana@example.com");
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByRole("status")).toHaveText("Submitted");
  const [ticket] = (await requests(request)).filter((r) => r.path === "/v1/tickets");
  expect(ticket.body).toMatchObject({ plan: "pro", email: "ana@example.com" });
});

test("the agent offers the owner's link button when a visitor asks for it (API)", async ({ request }) => {
  const c = await (await request.post("/api/v1/conversations", { data: {} })).json();
  expect(c.messages[0].buttons.map((b: any) => b.label)).toEqual([
    "How long do withdrawals take?",
    "Check service status",
    "Open the status page",
  ]);
  const res = await request.post(`/api/v1/conversations/${c.conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${c.token}` },
    data: { text: "Is there a status page with current incidents?", client_message_id: "s1" },
  });
  const reply = (await res.json()).messages.at(-1);
  expect(reply.buttons).toEqual([{ id: "b0", label: "Open the status page", does: { open_url: "http://127.0.0.1:8788/status" } }]);
  // A link is opened by the browser: the edge has nothing to run for it.
  const click = await request.post(`/api/v1/conversations/${c.conversation_id}/messages/${reply.id}/buttons/b0`, {
    headers: { Authorization: `Bearer ${c.token}` },
  });
  expect(click.status()).toBe(400);
});
