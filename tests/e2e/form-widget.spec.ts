// A visitor fills in a form inside the chat, in headless Chromium, by label and role.
import { test, expect, Page } from "@playwright/test";

const BACKEND = "http://127.0.0.1:8788";
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";

async function openForm(page: Page) {
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("I want to report a missing deposit");
  await box.press("Enter");
  const form = chat.getByRole("region", { name: "Report a missing deposit" });
  await expect(form).toBeVisible();
  return { chat, form };
}

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test("inline errors as the visitor types, focus on the first invalid field, then a submitted card", async ({ page, request }) => {
  const { form } = await openForm(page);
  const email = form.getByLabel("Your account email");
  await email.fill("ana@");
  await email.blur();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  const describedBy = (await email.getAttribute("aria-describedby"))!;
  await expect(form.locator(`[id="${describedBy.split(" ").pop()}"]`)).toHaveText("Your account email: enter a valid email address.");
  await email.fill("ana@example.com");
  await expect(email).toHaveAttribute("aria-invalid", "false");

  // Submitting with required fields missing moves focus to the first of them.
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByLabel("Asset")).toBeFocused();
  await expect(form.getByText("Asset is required.")).toBeVisible();

  await form.getByLabel("Asset").selectOption("ETH");
  await form.getByLabel("Amount").fill("1.5");
  await form.getByLabel("Transaction hash").fill(TX);
  await form.getByLabel("Date sent").fill("2026-11-20");
  const send = form.getByRole("button", { name: "Send report" });
  await send.dblclick();
  await expect(form.getByRole("status")).toHaveText("Submitted");
  await expect(form.getByText("1.5")).toBeVisible();
  await expect(page.getByTitle("Support chat").contentFrame().getByRole("log")).toContainText("ticket **T-1000**".replace(/\*\*/g, ""));

  const tickets = (await (await request.get(`${BACKEND}/__requests`)).json()).filter((r: any) => r.path === "/v1/tickets");
  expect(tickets).toHaveLength(1);
  expect(tickets[0].body).toMatchObject({ asset: "ETH", amount: "1.5", tx_hash: TX, sent_on: "2026-11-20", email: "ana@example.com" });
});

test("a network failure keeps the values and the same button retries", async ({ page }) => {
  const { form } = await openForm(page);
  await form.getByLabel("Asset").selectOption("BTC");
  await form.getByLabel("Amount").fill("0.2");
  await form.getByLabel("Transaction hash").fill(TX);
  await form.getByLabel("Your account email").fill("ana@example.com");
  await page.route("**/submit", (route) => route.abort("connectionreset"));
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByRole("alert")).toContainText("Not sent");
  await expect(form.getByLabel("Amount")).toHaveValue("0.2");
  await page.unroute("**/submit");
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByRole("status")).toHaveText("Submitted");
});

test("keyboard only: fill and submit the form without the mouse", async ({ page }) => {
  const { form } = await openForm(page);
  await form.getByLabel("Asset").focus();
  await page.keyboard.press("ArrowDown"); // BTC
  await page.keyboard.press("Tab");
  await page.keyboard.type("2");
  await page.keyboard.press("Tab");
  await page.keyboard.type(TX);
  await page.keyboard.press("Tab"); // the date field: its segments take typed digits in turn
  await page.keyboard.type("11202026");
  // Chromium's date input has several tab stops (month, day, year, picker): tab on past them.
  const email = form.getByLabel("Your account email");
  for (let i = 0; i < 5 && !(await email.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(email).toBeFocused();
  await page.keyboard.type("ben@example.com");
  await page.keyboard.press("Tab");
  await expect(form.getByRole("button", { name: "Send report" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(form.getByRole("status")).toHaveText("Submitted");
});
