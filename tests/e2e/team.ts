// The people of the inbox's specs: agents added through the admin API and signed in through the
// form, each in a browser context of their own, and a visitor who opens the chat on the demo site.
import { expect, Browser, Page, APIRequestContext } from "@playwright/test";
import { ADMIN } from "./support";

export const PASSWORD = "a long enough passphrase";
let n = 0;
export const unique = () => `${Date.now()}${n++}`;
/** A unique word of letters for messages: a long run of digits could be masked as a card number. */
export const uniqueWord = () => [...unique()].map((d) => "abcdefghij"[Number(d)]).join("");

export type AgentAccount = { id: string; name: string; email: string };

export async function addAgent(request: APIRequestContext, name: string): Promise<AgentAccount> {
  const email = `inbox${unique()}@nova.example`;
  const r = await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name, password: PASSWORD } });
  expect(r.status()).toBe(201);
  return r.json();
}

/** An agent signs in through the form, in a browser context of their own. */
export async function signIn(browser: Browser, agent: AgentAccount, path = "/inbox/"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(path);
  await page.getByLabel("Email").fill(agent.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Inbox", exact: true })).toBeVisible();
  await expect(page.getByText(`Signed in as ${agent.name}`, { exact: true })).toBeVisible();
  return page;
}

/** The visitor opens the chat on the demo site; returns its log, a way to talk, and the conversation. */
export async function openChat(page: Page) {
  await page.goto("/");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/conversations") && r.status() === 201);
  await page.getByRole("button", { name: "Open chat" }).click();
  const body = await (await created).json();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");
  const box = chat.getByRole("textbox", { name: "Message" });
  const say = async (text: string) => {
    await box.fill(text);
    await box.press("Enter");
    await expect(log).toContainText(text);
  };
  return { chat, log, say, id: body.conversation_id as string, token: body.token as string };
}
