// A visitor who types faster than the edge answers, on a flaky connection: whatever happens to one
// message, the edge stores the visitor's messages in the order typed, one request at a time, and
// the chat shows them in that order. The browser's network layer slows or breaks single requests;
// everything else is the real edge, and the stored history is read back through its API.
import { test, expect, Page, FrameLocator, APIRequestContext } from "@playwright/test";

type Send = { text: string; client_message_id: string; outcome: "slow" | "aborted" | "refused" | "passed" };
type Plan = (n: number) => "slow" | "abort" | "refuse" | "pass";

/** Watches every message POST: the `n`th (from 0) is slowed, aborted, refused or let through per `plan`. */
async function network(page: Page, plan: Plan) {
  const sends: Send[] = [];
  let inFlight = 0;
  const seen = { mostInFlight: 0 };
  await page.route("**/api/v1/conversations/*/messages", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const body = route.request().postDataJSON();
    const step = plan(sends.length);
    seen.mostInFlight = Math.max(seen.mostInFlight, ++inFlight);
    try {
      if (step === "abort") {
        sends.push({ ...body, outcome: "aborted" });
        await new Promise((r) => setTimeout(r, 800));
        return await route.abort("connectionreset");
      }
      if (step === "refuse") {
        sends.push({ ...body, outcome: "refused" });
        return await route.fulfill({
          status: 400,
          json: { error: { code: "invalid_field", field: "text", message: "must be at most 4000 characters" } },
        });
      }
      sends.push({ ...body, outcome: step === "slow" ? "slow" : "passed" });
      if (step === "slow") await new Promise((r) => setTimeout(r, 1500));
      return await route.continue();
    } finally {
      inFlight--;
    }
  });
  return { sends, seen };
}

async function openChat(page: Page): Promise<FrameLocator> {
  await page.goto("/");
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

/** The visitor's messages as the edge stored them, oldest first (read with the widget's own token). */
async function stored(page: Page, request: APIRequestContext): Promise<string[]> {
  const session = JSON.parse((await page.evaluate(() => localStorage.getItem("switchboard:novaex:session"))) ?? "null");
  const res = await request.get(`/api/v1/conversations/${session.conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${session.token}` },
  });
  expect(res.status()).toBe(200);
  const { messages } = await res.json();
  return messages.filter((m: any) => m.author === "visitor").map((m: any) => m.text);
}

/** The position of each text among the log's entries: increasing when shown in that order. */
async function shownAt(chat: FrameLocator, texts: string[]): Promise<number[]> {
  const entries = await chat.getByRole("log", { name: "Messages" }).getByRole("listitem").allTextContents();
  return texts.map((t) => entries.findIndex((e) => e.includes(t)));
}

const increasing = (xs: number[]) => xs.every((x, i) => x >= 0 && (i === 0 || x > xs[i - 1]));

const FEES = "what are the withdrawal fees for bitcoin?";
const DEPOSITS = "How long do bitcoin deposits take?";
const TWO_FA = "How do I turn on 2FA?";

test("three messages typed while the first is still on its way are stored in the order typed", async ({ page, request }) => {
  const chat = await openChat(page);
  const { sends, seen } = await network(page, (n) => (n === 0 ? "slow" : "pass"));
  const log = chat.getByRole("log", { name: "Messages" });

  await ask(chat, FEES);
  await ask(chat, DEPOSITS);
  await ask(chat, TWO_FA);
  await expect(log).toContainText("Turn on two-factor authentication in Settings");
  await expect(log.getByText("Sending…")).toHaveCount(0);

  expect(sends.map((s) => s.text)).toEqual([FEES, DEPOSITS, TWO_FA]);
  expect(seen.mostInFlight).toBe(1);
  expect(await stored(page, request)).toEqual([FEES, DEPOSITS, TWO_FA]);
  expect(increasing(await shownAt(chat, [FEES, DEPOSITS, TWO_FA]))).toBe(true);
});

test("a message typed after one that failed does not overtake it: sending it retries the failed one first", async ({ page, request }) => {
  const chat = await openChat(page);
  const { sends, seen } = await network(page, (n) => (n === 0 ? "abort" : "pass"));
  const log = chat.getByRole("log", { name: "Messages" });

  await ask(chat, FEES);
  await expect(chat.getByRole("alert")).toContainText("Not sent");
  await ask(chat, DEPOSITS);
  await expect(log).toContainText("2 confirmations");
  await expect(chat.getByRole("alert")).toHaveCount(0);
  await expect(log.getByText("Sending…")).toHaveCount(0);

  expect(sends.map((s) => [s.text, s.outcome])).toEqual([
    [FEES, "aborted"],
    [FEES, "passed"],
    [DEPOSITS, "passed"],
  ]);
  expect(sends[1].client_message_id).toBe(sends[0].client_message_id);
  expect(seen.mostInFlight).toBe(1);
  expect(await stored(page, request)).toEqual([FEES, DEPOSITS]);
  expect(increasing(await shownAt(chat, [FEES, DEPOSITS]))).toBe(true);
});

test("when a message fails, the ones typed behind it are not sent either, and Retry sends all of them in order", async ({ page, request }) => {
  const chat = await openChat(page);
  const { sends, seen } = await network(page, (n) => (n === 0 ? "abort" : "pass"));
  const log = chat.getByRole("log", { name: "Messages" });

  await ask(chat, FEES);
  await ask(chat, DEPOSITS);
  await ask(chat, TWO_FA);
  // The first failed while the others waited behind it: all three say so, none was sent.
  await expect(chat.getByRole("alert")).toHaveCount(3);
  await expect(chat.getByText("Nova is typing…")).toBeHidden();
  expect(sends.map((s) => s.text)).toEqual([FEES]);

  // Retrying the last one cannot let it go first.
  await chat.getByRole("button", { name: `Retry sending “${TWO_FA}”` }).click();
  await expect(log).toContainText("Turn on two-factor authentication in Settings");
  await expect(chat.getByRole("alert")).toHaveCount(0);
  await expect(log.getByText("Sending…")).toHaveCount(0);

  expect(sends.map((s) => s.text)).toEqual([FEES, FEES, DEPOSITS, TWO_FA]);
  expect(seen.mostInFlight).toBe(1);
  expect(await stored(page, request)).toEqual([FEES, DEPOSITS, TWO_FA]);
  expect(increasing(await shownAt(chat, [FEES, DEPOSITS, TWO_FA]))).toBe(true);
});

test("a message the edge refuses for itself stays on screen without Retry and holds nothing back", async ({ page, request }) => {
  const chat = await openChat(page);
  const { sends } = await network(page, (n) => (n === 0 ? "refuse" : "pass"));
  const log = chat.getByRole("log", { name: "Messages" });

  await ask(chat, FEES);
  const refused = log.getByRole("listitem").filter({ hasText: FEES });
  await expect(refused.getByRole("alert")).toContainText("Not sent. must be at most 4000 characters");
  // Sending the same text with the same id again cannot succeed, so no Retry is offered.
  await expect(refused.getByRole("button", { name: /Retry/ })).toHaveCount(0);

  await ask(chat, DEPOSITS);
  await expect(log).toContainText("2 confirmations");
  expect(sends.map((s) => [s.text, s.outcome])).toEqual([
    [FEES, "refused"],
    [DEPOSITS, "passed"],
  ]);
  expect(await stored(page, request)).toEqual([DEPOSITS]);
  await expect(refused).toContainText("Not sent");
});
