// The widget checked by machine in its main states (axe-core, WCAG 2.2 AA + best practices, see
// axe.ts): the launcher on the host page, and the chat's own document in its iframe — greeting and
// quick replies, a grounded answer with sources, a form with inline errors, Confirm/Cancel, a
// message held by the rate limit and one that failed with Retry, the delete confirmation.
import { test, expect, Frame, Page } from "@playwright/test";
import { expectNoViolations } from "./axe";
import { BACKEND } from "./support";

/** Only the loader's part of the host page: the demo page's own markup is not the widget's. */
const LAUNCHER = "[data-switchboard]";

/** Opens the chat on the demo page; returns its document once the greeting is there. */
async function openChat(page: Page): Promise<Frame> {
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  await expect(chat.getByRole("button", { name: "How long do withdrawals take?" })).toBeVisible();
  const frame = await (await page.getByTitle("Support chat").elementHandle())!.contentFrame();
  return frame!;
}

async function ask(chat: Frame, text: string) {
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test("the launcher, closed and open, has no violations on the host page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Open chat" })).toBeVisible();
  await expectNoViolations(page, "launcher closed", LAUNCHER);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(page.getByRole("button", { name: "Close chat" })).toHaveAttribute("aria-expanded", "true");
  await expectNoViolations(page, "launcher open, chat shown", LAUNCHER);
  // The whole demo page too: page-level rules (content inside landmarks) only run on a whole page.
  await expectNoViolations(page, "the demo page with the launcher");
});

test("the chat: greeting with quick replies, then a grounded answer with its sources", async ({ page }) => {
  const chat = await openChat(page);
  await expectNoViolations(chat, "greeting and quick replies");

  await ask(chat, "what are the withdrawal fees for bitcoin?");
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("0.0002 BTC");
  await expect(log.getByRole("link", { name: "Fees › Withdrawal fees" })).toBeVisible();
  await expectNoViolations(chat, "grounded answer with sources");
});

test("a form card with inline errors, then submitted", async ({ page }) => {
  const chat = await openChat(page);
  await ask(chat, "I want to report a missing deposit");
  const form = chat.getByRole("region", { name: "Report a missing deposit" });
  await expect(form).toBeVisible();
  await expectNoViolations(chat, "form card");

  const email = form.getByLabel("Your account email");
  await email.fill("ana@");
  await email.blur(); // its error shows on blur, and moves the button down
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByText("Asset is required.")).toBeVisible();
  await expectNoViolations(chat, "form card with inline errors");

  await form.getByLabel("Asset").selectOption("ETH");
  await form.getByLabel("Amount").fill("1.5");
  await form.getByLabel("Transaction hash").fill("0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da");
  await email.fill("ana@example.com");
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByRole("status")).toHaveText("Submitted");
  await expectNoViolations(chat, "form card submitted");
});

test("Confirm / Cancel before a write", async ({ page, request }) => {
  await page.addInitScript(() => {
    // An account of its own: codes and resets are limited per email.
    (window as any).Switchboard = [["identify", { email: "axe@example.com" }]];
  });
  const chat = await openChat(page);
  const log = chat.getByRole("log", { name: "Messages" });
  await ask(chat, "I lost my authenticator, please reset my 2FA");
  await expect(log).toContainText("sent a one-time code");
  const otp = (await (await request.get(`${BACKEND}/__otp?email=axe%40example.com`)).json()).code;
  await ask(chat, otp);
  await expect(chat.getByRole("button", { name: "Confirm" })).toBeVisible();
  await expect(chat.getByRole("button", { name: "Cancel" })).toBeVisible();
  await expectNoViolations(chat, "Confirm / Cancel");
});

test("a message held by the rate limit, and one that failed with Retry", async ({ page }) => {
  const chat = await openChat(page);
  let first = true;
  await page.route("**/api/v1/conversations/*/messages", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    if (first) {
      first = false;
      const error = { code: "rate_limited", message: "Too many messages; try again in 30 seconds.", retry_after: 30 };
      return route.fulfill({ status: 429, headers: { "Retry-After": "30" }, json: { error } });
    }
    return route.abort("connectionreset");
  });
  await ask(chat, "How long do bitcoin deposits take?");
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("You're sending messages a little fast.");
  await expectNoViolations(chat, "message held by the rate limit");

  await page.reload();
  const again = await openChat(page);
  await ask(again, "How long do withdrawals take?");
  await expect(again.getByRole("alert")).toContainText("Not sent");
  await expect(again.getByRole("button", { name: /Retry sending/ }).first()).toBeVisible();
  await expectNoViolations(again, "message not sent, with Retry");
});

test("the delete confirmation", async ({ page }) => {
  const chat = await openChat(page);
  await chat.getByRole("button", { name: "Delete this conversation" }).click();
  await expect(chat.getByRole("button", { name: "Keep it" })).toBeFocused();
  await expectNoViolations(chat, "delete confirmation");
});

test("the edge cannot be reached: the error and Try again", async ({ page }) => {
  await page.route("**/api/v1/conversations", (route) =>
    route.request().method() === "POST" ? route.abort("connectionreset") : route.continue(),
  );
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = (await (await page.getByTitle("Support chat").elementHandle())!.contentFrame())!;
  await expect(chat.getByRole("button", { name: "Try again" })).toBeVisible();
  await expectNoViolations(chat, "connection failed, with Try again");
});
