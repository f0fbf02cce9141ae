// One browser, two people: the host site signs Ana in, she verifies and reads her balances, she
// leaves, and Ben signs in on the same browser. Ben must see nothing of Ana's conversation, and
// Ana's verification must not carry over to him; Ana finds hers again, until the site's logout
// calls Switchboard.reset(), which forgets it in this browser.
import { test, expect, Page, FrameLocator } from "@playwright/test";
import { createHmac } from "node:crypto";
import { BACKEND, devVars } from "./support";

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jwt = (sub: string, email: string) => {
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub, email, aud: "novaex", exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${head}.${createHmac("sha256", devVars.IDENTITY_SECRET).update(head).digest("base64url")}`;
};

/** The demo site with the chat open, as `who` ("ana", "ben" or nobody) signed in on the host site. */
async function openAs(page: Page, who: string | null): Promise<FrameLocator> {
  await page.goto(who ? `/?who=${who}` : "/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  return chat;
}

async function say(chat: FrameLocator, text: string) {
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

test("a shared browser never hands one person's conversation or verification to the next", async ({ page, request }) => {
  await request.get(`${BACKEND}/__reset`);
  const tokens = { ana: jwt("u-ana", "ana@example.com"), ben: jwt("u-ben", "ben@example.com") };
  await page.addInitScript((tokens: Record<string, string>) => {
    const who = new URL(location.href).searchParams.get("who");
    (window as any).Switchboard = who ? [["identify", { user_jwt: tokens[who] }]] : [];
  }, tokens);

  // Ana verifies with a code and reads her balances.
  let chat = await openAs(page, "ana");
  const log = () => chat.getByRole("log", { name: "Messages" });
  await say(chat, "What are my balances?");
  await expect(log()).toContainText("sent a one-time code");
  const { code } = await (await request.get(`${BACKEND}/__otp?email=ana@example.com`)).json();
  await say(chat, code);
  await expect(log()).toContainText("0.8421");

  // Ben signs in on the same browser: a new conversation, nothing of Ana's, and no verification.
  chat = await openAs(page, "ben");
  await say(chat, "What are my balances?");
  await expect(log()).toContainText("sent a one-time code");
  await expect(log()).not.toContainText("0.8421");
  await expect(log()).not.toContainText(code);
  const sends = (await (await request.get(`${BACKEND}/__requests`)).json()).filter((r: any) => r.path === "/v1/otp/send");
  expect(sends[sends.length - 1].body).toEqual({ email: "ben@example.com" });
  const balances = (await (await request.get(`${BACKEND}/__requests`)).json()).filter((r: any) => r.path === "/v1/balances");
  expect(balances.map((r: any) => r.query)).toEqual(["?email=ana%40example.com"]);

  // Nobody signed in, after someone: nothing of either.
  chat = await openAs(page, null);
  await expect(log()).not.toContainText("balances");

  // Ana, back on this browser, finds her own conversation.
  chat = await openAs(page, "ana");
  await expect(log()).toContainText("0.8421");

  // The site's logout forgets every conversation this browser kept: the chat starts afresh, and
  // Ana's next visit does too.
  await page.evaluate(() => (window as any).Switchboard.reset());
  await expect(log()).not.toContainText("0.8421");
  await expect(log()).toContainText("I'm Nova");
  chat = await openAs(page, "ana");
  await expect(log()).not.toContainText("0.8421");
});
