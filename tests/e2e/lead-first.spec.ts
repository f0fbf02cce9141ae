// The widget under `[lead] ask = "before_first_message"`. The demo site asks for contact details
// only when an action needs them, so here the browser's network layer plays an edge configured
// that way (the edge's own gating is unit-tested in edge/src/api/tests_buttons_lead.rs): a message
// typed before the form is filled is held, not failed, and goes by itself — once, with the same
// client id, in the order typed, one request at a time — when the form is accepted. One typed
// behind a held message is held with it without asking the edge (it may not overtake it).
import { test, expect } from "@playwright/test";

const ID = "c_lead_first";
const at = "2026-11-25T10:00:00Z";
const bot = (id: string, text: string, extra: object = {}) => ({ id, author: "bot", text, created_at: at, ...extra });
const leadForm = {
  action: "lead",
  title: "Your contact details",
  submit_label: "Start chat",
  fields: [
    { name: "name", kind: "text", label: "Name", required: true },
    { name: "email", kind: "email", label: "Email", required: true },
  ],
};

test("messages typed before the lead form are held, then sent in order once the form is accepted", async ({ page }) => {
  let leadGiven = false;
  let inFlight = 0;
  let mostInFlight = 0;
  const sends: any[] = [];
  const submits: any[] = [];
  await page.route(`**/api/v1/conversations`, (route) =>
    route.fulfill({
      status: 201,
      json: {
        conversation_id: ID,
        token: "t0ken",
        messages: [
          bot(`${ID}-g0`, "Hi! I'm Nova."),
          bot(`${ID}-g1`, "Before we start, how can we reach you?", { form: leadForm }),
        ],
      },
    }),
  );
  await page.route(`**/api/v1/conversations/${ID}/messages`, async (route) => {
    const body = route.request().postDataJSON();
    sends.push({ ...body, leadGiven });
    if (!leadGiven) {
      return route.fulfill({
        status: 409,
        json: { error: { code: "lead_required", message: "Please fill in the contact form above first." } },
      });
    }
    // Slow answers, so that two requests sent side by side would overlap.
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, 300));
    inFlight--;
    const n = sends.filter((s) => s.leadGiven).length;
    return route.fulfill({
      json: {
        messages: [
          { id: `${ID}-v${n}`, author: "visitor", text: body.text, created_at: at, client_message_id: body.client_message_id },
          bot(`${ID}-b${n}`, `Answer ${n}: withdrawals usually take under 30 minutes.`),
        ],
      },
    });
  });
  await page.route(`**/api/v1/conversations/${ID}/messages/${ID}-g1/submit`, (route) => {
    submits.push(route.request().postDataJSON());
    leadGiven = true;
    return route.fulfill({
      json: {
        messages: [
          { id: `${ID}-s1`, author: "visitor", text: "Contact details", created_at: at, submission: { form_message_id: `${ID}-g1`, values: submits[0].values } },
          bot(`${ID}-t1`, "Thanks, Ana! How can I help?"),
        ],
      },
    });
  });

  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  const form = chat.getByRole("region", { name: "Your contact details" });
  await expect(form.getByLabel("Email")).toBeVisible();

  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("How long do withdrawals take?");
  await box.press("Enter");
  const held = log.getByRole("listitem").filter({ hasText: "How long do withdrawals take?" });
  await expect(held).toContainText("Sent as soon as you fill in the form above.");
  await expect(held.getByRole("button", { name: /Retry/ })).toHaveCount(0); // held, not failed
  await box.fill("And deposits?");
  await box.press("Enter");
  await expect(log.getByRole("listitem").filter({ hasText: "And deposits?" })).toContainText("Sent as soon as");
  await expect(chat.getByText("Nova is typing…")).toBeHidden();
  expect(sends).toHaveLength(1);

  await form.getByLabel("Name").fill("Ana");
  await form.getByLabel("Email").fill("ana@example.com");
  await form.getByRole("button", { name: "Start chat" }).click();
  await expect(form.getByRole("status")).toHaveText("Submitted");
  await expect(log).toContainText("Answer 2: withdrawals usually take under 30 minutes.");
  await expect(log).not.toContainText("Sent as soon as you fill in the form above.");
  expect(submits).toEqual([{ values: { name: "Ana", email: "ana@example.com" } }]);
  const resent = sends.slice(1);
  expect(resent.map((s) => [s.text, s.leadGiven])).toEqual([
    ["How long do withdrawals take?", true],
    ["And deposits?", true],
  ]);
  expect(resent[0].client_message_id).toBe(sends[0].client_message_id);
  expect(mostInFlight).toBe(1);
});
