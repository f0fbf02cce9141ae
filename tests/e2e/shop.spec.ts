// The second example site, an outdoor-gear shop (tests/sites/shop), run by its own edge next to the
// demo: plain help pages without front matter, no synonyms, its own input formats (order numbers
// as ORD-…, ZIP codes), a return form. A visitor uses it the way they would on any shop.
import { test, expect, Page } from "@playwright/test";

const SHOP = "http://127.0.0.1:8797";
const SHOP_API = "http://127.0.0.1:8790";

test.use({ baseURL: SHOP });

async function openChat(page: Page) {
  await page.goto("/help/shipping");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Pip from Pinecone Outfitters");
  const box = chat.getByRole("textbox", { name: "Message" });
  const say = async (text: string) => {
    await box.fill(text);
    await box.press("Enter");
  };
  return { chat, log, say };
}

const requests = async (page: Page) => (await (await page.request.get(`${SHOP_API}/__requests`)).json()) as any[];

test.beforeEach(async ({ request }) => {
  await request.get(`${SHOP_API}/__reset`);
});

test("the help pages are served without front matter and cited by their own titles", async ({ page }) => {
  await page.goto("/help/returns");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Returns and refunds");
  await expect(page).toHaveTitle("Returns and refunds · Pinecone Outfitters");
  const site = await (await page.request.get("/api/v1/site")).json();
  expect(site.agent_name).toBe("Pip");
});

test("a natural question is answered from the shop's pages with a short answer and the section linked", async ({ page }) => {
  const { log, say } = await openChat(page);
  await say("How much is express delivery?");
  await expect(log).toContainText("$19.95");
  // "More in …" links the section for the rest; the source names page and section.
  await expect(log.getByRole("link", { name: "Delivery times and costs", exact: true })).toHaveAttribute("href", "/help/shipping#delivery-times-and-costs");
  await expect(log.getByRole("link", { name: "Shipping and delivery › Delivery times and costs" })).toHaveAttribute("href", "/help/shipping#delivery-times-and-costs");
  await expect(log).not.toContainText("Australia and New Zealand"); // the row that answers, not the whole table
  await say("What is the capital of France?");
  await expect(log).toContainText("I don't know that — our help pages don't cover it.");
});

test("an order number in a message starts the lookup; the ZIP code is asked for in the shop's words", async ({ page }) => {
  const { log, say } = await openChat(page);
  await say("Where is ORD-10482? It's been a week.");
  await expect(log).toContainText("Please send me the ZIP code of the delivery address. It looks like this: five digits.");
  await say("zip code 97201");
  await expect(log).toContainText("Order ORD-10482 is shipped — UPS, tracking 1Z999AA10123456784, expected Friday.");
  const lookups = (await requests(page)).filter((r) => r.path.startsWith("/orders/"));
  expect(lookups).toEqual([{ method: "GET", path: "/orders/ORD-10482", query: { zip: "97201" }, body: {} }]);
  // The ZIP code the visitor typed is kept as typed: it is not a one-time code.
  await expect(log).toContainText("zip code 97201");
});

test("numbers alone start nothing, and a wrong order number is refused with the owner's hint", async ({ page }) => {
  const { log, say } = await openChat(page);
  await say("I waited 3 days and nothing happened");
  await say("where is my order?");
  await expect(log).toContainText("It looks like this: ORD- followed by at least five digits. For example: ORD-10482");
  await say("10482");
  await expect(log).toContainText("That doesn't look like a valid ORD- followed by at least five digits.");
  expect((await requests(page)).filter((r) => r.path.startsWith("/orders/"))).toHaveLength(0);
});

test("the return form checks the order number in the browser and at the edge, then opens the return", async ({ page }) => {
  const { chat, log, say } = await openChat(page);
  await say("I want to return something");
  const form = chat.getByRole("region", { name: "Start a return" });
  await expect(form).toBeVisible();
  const order = form.getByLabel("Order number");
  await order.fill("10482");
  await order.blur();
  await expect(order).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("Order number: enter a valid ORD- followed by at least five digits.")).toBeVisible();
  await order.fill("ORD-10482");
  await expect(order).toHaveAttribute("aria-invalid", "false");
  await form.getByLabel("Delivery ZIP code").fill("97201");
  await form.getByLabel("Email you ordered with").fill("sam@example.com");
  await form.getByLabel("Reason").selectOption("Too small");
  await form.getByLabel("Which items?").fill("Rain jacket, size M");
  await form.getByRole("button", { name: "Request return" }).click();
  await expect(form.getByRole("status")).toHaveText("Submitted");
  await expect(log).toContainText("Your return RMA-5001 is open. We've emailed the return label to sam@example.com.");
  const created = (await requests(page)).filter((r) => r.path === "/returns");
  expect(created).toEqual([
    { method: "POST", path: "/returns", query: {}, body: { order: "ORD-10482", zip: "97201", email: "sam@example.com", reason: "Too small", items: "Rain jacket, size M" } },
  ]);
});

test("the edge refuses a forged order number the browser would have caught", async ({ request }) => {
  const c = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const auth = { Authorization: `Bearer ${c.token}` };
  const res = await request.post(`/api/v1/conversations/${c.conversation_id}/messages`, {
    headers: auth,
    data: { text: "I want to return something", client_message_id: "r1" },
  });
  const formMessage = (await res.json()).messages.find((m: any) => m.form);
  const submit = await request.post(`/api/v1/conversations/${c.conversation_id}/messages/${formMessage.id}/submit`, {
    headers: auth,
    data: { values: { order_number: "ORD-1; DROP TABLE", zip: "97201", email: "sam@example.com", reason: "Faulty", items: "tent" } },
  });
  expect(submit.status()).toBe(422);
  expect((await submit.json()).error.fields.order_number).toBe("Order number: enter a valid ORD- followed by at least five digits.");
  expect((await (await request.get(`${SHOP_API}/__requests`)).json()).filter((r: any) => r.path === "/returns")).toHaveLength(0);
});
