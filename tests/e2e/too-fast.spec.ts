// A visitor who sends faster than the edge allows (HTTP 429 `rate_limited` with `retry_after`):
// the message stays, the chat says kindly when it will go, and it goes by itself then, with the
// same client id, ahead of anything typed meanwhile. The browser's network layer plays the limit
// (the edge's own limits are tested where they live); everything else is the real edge.
import { test, expect, Page } from "@playwright/test";

type Send = { text: string; client_message_id: string; status: number };

/** Answers the first message POST with a 429 built by `limit`, and lets the rest through. */
async function limitFirstSend(page: Page, limit: { headers: Record<string, string>; error: object }): Promise<Send[]> {
  const sends: Send[] = [];
  await page.route("**/api/v1/conversations/*/messages", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const body = route.request().postDataJSON();
    if (sends.length === 0) {
      sends.push({ ...body, status: 429 });
      return route.fulfill({ status: 429, headers: limit.headers, json: { error: limit.error } });
    }
    sends.push({ ...body, status: 200 });
    return route.continue();
  });
  return sends;
}

async function ask(page: Page, text: string) {
  const box = page.getByTitle("Support chat").contentFrame().getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

test("a visitor sending too fast keeps the message, is told when it goes, and it goes by itself", async ({ page }) => {
  const sends = await limitFirstSend(page, {
    headers: { "Retry-After": "2" },
    error: { code: "rate_limited", message: "Too many messages from this address; try again in 2 seconds.", retry_after: 2 },
  });
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");

  const first = "what are the withdrawal fees for bitcoin?";
  await ask(page, first);
  // Said in the live log, next to the message it is about; nobody pretends to be typing.
  await expect(log).toContainText("You're sending messages a little fast. Sending again in 2 s…");
  await expect(log.getByText(first, { exact: true })).toBeVisible();
  await expect(chat.getByText("Nova is typing…")).toBeHidden();
  await expect(log.getByRole("button", { name: /Retry/ })).toHaveCount(0);

  // Typed during the wait: it must not overtake the first.
  const second = "And how long do withdrawals take?";
  await ask(page, second);
  await page.waitForTimeout(700);
  expect(sends.map((s) => s.text)).toEqual([first]);

  await expect(log).toContainText("0.0002 BTC");
  await expect.poll(() => sends.length).toBe(3);
  await expect(log.getByText("Sending…")).toHaveCount(0);
  await expect(log).not.toContainText("a little fast");
  expect(sends.map((s) => [s.text, s.status])).toEqual([
    [first, 429],
    [first, 200],
    [second, 200],
  ]);
  expect(sends[1].client_message_id).toBe(sends[0].client_message_id);
  await expect(log.getByText(first, { exact: true })).toHaveCount(1);
});

test("a 429 that gives the wait only in its Retry-After header is waited out too", async ({ page }) => {
  const sends = await limitFirstSend(page, {
    headers: { "Retry-After": "1" },
    error: { code: "rate_limited", message: "Slow down." },
  });
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const log = page.getByTitle("Support chat").contentFrame().getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");
  await ask(page, "what are the withdrawal fees for bitcoin?");
  await expect(log).toContainText("Sending again in 1 s…");
  await expect(log).toContainText("0.0002 BTC");
  expect(sends.map((s) => s.status)).toEqual([429, 200]);
});

test("the real edge's limit: the 21st message in a minute waits, kindly, and is not lost", async ({ page }) => {
  // No faking here: the edge allows 20 messages per conversation per minute ([limits]).
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");
  for (let i = 1; i <= 21; i++) await ask(page, `question number ${i} about fees`);
  await expect(log).toContainText(/You're sending messages a little fast\. Sending again in \d+ s…/, { timeout: 20_000 });
  await expect(log.getByText("question number 21 about fees", { exact: true })).toBeVisible();
  await expect(log.getByRole("button", { name: /Retry/ })).toHaveCount(0);
});
