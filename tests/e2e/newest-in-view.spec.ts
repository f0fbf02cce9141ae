// The newest message stays in view: once a human joins, the "joined" and "typing" lines below the
// log take room from it, and the log must still end at the newest message, on a desktop and on a
// phone, whenever the visitor was reading the end. A visitor who scrolled up is left where they are.
import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { ADMIN } from "./support";

async function openChat(page: Page) {
  await page.goto("/");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/conversations") && r.status() === 201);
  await page.getByRole("button", { name: "Open chat" }).click();
  const body = await (await created).json();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  return { chat, id: body.conversation_id as string };
}

let n = 0;
const agent = (request: APIRequestContext, id: string, path: string, data: object) =>
  request.post(`/api/v1/admin/conversations/${id}/${path}`, { headers: ADMIN, data });

for (const [device, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 700 }]] as const) {
  test(`on a ${device}, the newest message is never hidden under the agent's status lines`, async ({ page, request }) => {
    await page.setViewportSize(viewport);
    const { chat, id } = await openChat(page);
    const box = chat.getByRole("textbox", { name: "Message" });
    // Enough of a conversation that the log scrolls.
    for (const q of ["What are the withdrawal fees for bitcoin?", "How long do deposits take?", "How do I enable 2FA?"]) {
      await box.fill(q);
      await box.press("Enter");
      await expect(chat.getByRole("log")).toContainText(q);
    }
    await page.waitForTimeout(1500); // the live socket settles: the join must arrive over it
    expect((await agent(request, id, "events", { type: "agent_joined", agent: "Ana" })).status()).toBe(202);
    await expect(chat.getByRole("status").filter({ hasText: "Ana from the support team joined" })).toBeVisible();
    const reply = `Hi, I'm Ana. Reply ${n++}: let me look into this for you.`;
    expect((await agent(request, id, "messages", { agent: "Ana", text: reply, client_message_id: `a-${Date.now()}-${n}` })).status()).toBe(201);
    await expect(chat.getByText(reply)).toBeInViewport({ ratio: 1 });
    expect((await agent(request, id, "events", { type: "agent_typing", agent: "Ana", typing: true })).status()).toBe(202);
    await expect(chat.getByRole("status").filter({ hasText: "Ana is typing…" })).toBeVisible();
    await expect(chat.getByText(reply)).toBeInViewport({ ratio: 1 });

    // Scrolled up to read: the next message does not pull the visitor away.
    await chat.getByRole("log").evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(300);
    const later = `And one more thing ${n++}.`;
    expect((await agent(request, id, "messages", { agent: "Ana", text: later, client_message_id: `a-${Date.now()}-${n}` })).status()).toBe(201);
    await expect(chat.getByRole("log")).toContainText(later);
    await expect(chat.getByText("What are the withdrawal fees for bitcoin?")).toBeInViewport();
  });
}
