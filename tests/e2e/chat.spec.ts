// A visitor on the demo website, in headless Chromium: the launcher, the chat, answers with
// sources, history across reloads, failures that keep the message, keyboard use and a phone screen.
import { test, expect, Page, FrameLocator } from "@playwright/test";

async function openChat(page: Page): Promise<FrameLocator> {
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  return chat;
}

async function ask(chat: FrameLocator, text: string) {
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

test("a visitor asks about fees, gets a grounded answer with its source, and finds it after a reload", async ({ page }) => {
  await page.goto("/");
  const chat = await openChat(page);
  const log = chat.getByRole("log", { name: "Messages" });

  await ask(chat, "what are the withdrawal fees for bitcoin?");
  await expect(log).toContainText("0.0002 BTC");
  // Only the line that answers, and a link to the rest of the section.
  await expect(log).not.toContainText("0.0015 ETH");
  await expect(log.getByRole("link", { name: "Withdrawal fees", exact: true })).toHaveAttribute("href", "/fees#withdrawal-fees");
  const source = chat.getByRole("link", { name: "Fees › Withdrawal fees" });
  await expect(source).toHaveAttribute("href", "/fees#withdrawal-fees");
  await expect(source).toHaveAttribute("rel", /noopener/);

  await ask(chat, "What is the capital of France?");
  await expect(log).toContainText("I don't know that");
  await expect(chat.getByRole("textbox", { name: "Message" })).toHaveValue("");

  await page.reload();
  const again = await openChat(page);
  const restored = again.getByRole("log", { name: "Messages" });
  await expect(restored).toContainText("what are the withdrawal fees for bitcoin?");
  await expect(restored).toContainText("0.0002 BTC");
  await expect(restored).toContainText("What is the capital of France?");
  for (const question of ["what are the withdrawal fees for bitcoin?", "What is the capital of France?"]) {
    await expect(restored.getByText(question, { exact: true })).toHaveCount(1);
  }
});

test("the cited source page exists on the demo site with the cited section", async ({ page }) => {
  await page.goto("/fees#withdrawal-fees");
  await expect(page.getByRole("heading", { name: "Withdrawal fees" })).toBeVisible();
  await expect(page.locator("#withdrawal-fees")).toHaveCount(1);
});

test("a message that cannot reach the edge is kept and can be retried without duplicates", async ({ page }) => {
  await page.goto("/");
  const chat = await openChat(page);
  await page.route("**/api/v1/conversations/*/messages", (route) =>
    route.request().method() === "POST" ? route.abort("connectionreset") : route.continue(),
  );
  await ask(chat, "How long do bitcoin deposits take?");
  await expect(chat.getByRole("alert")).toContainText("Not sent");
  await expect(chat.getByRole("log")).toContainText("How long do bitcoin deposits take?");

  await page.unroute("**/api/v1/conversations/*/messages");
  await chat.getByRole("button", { name: /Retry sending/ }).click();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("2 confirmations");
  await expect(chat.getByRole("alert")).toHaveCount(0);
  await expect(log.getByText("How long do bitcoin deposits take?")).toHaveCount(1);
});

test("a typing indicator shows while the edge answers", async ({ page }) => {
  await page.goto("/");
  const chat = await openChat(page);
  await page.route("**/api/v1/conversations/*/messages", async (route) => {
    await new Promise((r) => setTimeout(r, 1200));
    await route.continue();
  });
  await ask(chat, "How do I turn on 2FA?");
  await expect(chat.getByRole("status")).toContainText("Nova is typing");
  await expect(chat.getByRole("log")).toContainText("Turn on two-factor authentication in Settings, Security.");
  await expect(chat.getByRole("status")).toHaveCount(0);
});

test("message text is shown as text, never as HTML", async ({ page }) => {
  let dialogs = 0;
  page.on("dialog", (d) => (dialogs++, d.dismiss()));
  await page.goto("/");
  const chat = await openChat(page);
  const attack = '<img src=x onerror="alert(1)"> [click](javascript:alert(2))';
  await ask(chat, attack);
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText('<img src=x onerror="alert(1)">');
  await expect(log.locator("img")).toHaveCount(0);
  await expect(log.getByRole("link", { name: "click" })).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test("keyboard only: open, type, Shift+Enter for a new line, Enter to send, Escape to close", async ({ page }) => {
  await page.goto("/");
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.focus();
  await page.keyboard.press("Enter");
  const chat = page.getByTitle("Support chat").contentFrame();
  const box = chat.getByRole("textbox", { name: "Message" });
  await expect(box).toBeFocused();
  await expect(page.getByRole("button", { name: "Close chat" })).toHaveAttribute("aria-expanded", "true");

  await page.keyboard.type("How long does");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("level 2 verification take?");
  await expect(box).toHaveValue("How long does\nlevel 2 verification take?");
  await page.keyboard.press("Enter");
  await expect(chat.getByRole("log")).toContainText("2 business days");

  await page.keyboard.press("Escape");
  await expect(page.getByTitle("Support chat")).toBeHidden();
  await expect(page.getByRole("button", { name: "Open chat" })).toBeFocused();
});

test("the close button in the panel hides it and returns focus to the launcher", async ({ page }) => {
  await page.goto("/");
  const chat = await openChat(page);
  await chat.getByRole("button", { name: "Close chat" }).click();
  await expect(page.getByTitle("Support chat")).toBeHidden();
  await expect(page.getByRole("button", { name: "Open chat" })).toBeFocused();
});

test("on a 360 px phone the chat fills the screen", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto("/");
  const chat = await openChat(page);
  const box = await page.getByTitle("Support chat").boundingBox();
  expect(box).toEqual({ x: 0, y: 0, width: 360, height: 740 });
  await expect(chat.getByRole("button", { name: "Close chat" })).toBeInViewport();
  await expect(chat.getByRole("textbox", { name: "Message" })).toBeInViewport();
  await context.close();
});

test("the host page's CSS does not reach the launcher, and the widget loads only after the page", async ({ page }) => {
  const events: string[] = [];
  page.on("load", () => events.push("load"));
  page.on("request", (r) => {
    if (r.url().includes("/widget/")) events.push("widget");
  });
  await page.goto("/");
  const launcher = page.getByRole("button", { name: "Open chat" });
  await expect(launcher).toBeVisible();
  const bg = await launcher.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(bg).toBe("rgb(79, 70, 229)");
  await expect.poll(() => events.includes("widget")).toBe(true);
  expect(events.indexOf("load")).toBeLessThan(events.indexOf("widget"));
});
