// The inbox, from the agent's chair, with the visitor in another browser context: a visitor whose
// account was taken over is handed off, the conversation appears in the agent's queue live with
// the summary and history, the agent claims it and they talk without reloading, then it is
// resolved (and rated by the visitor, then reopened). Two agents claiming at once make one owner; a visitor whose socket
// drops gets the agent's messages exactly once; an agent watches a conversation the AI still
// answers and takes over. What needs an agent reaches them (the tab's count, an unread row, a
// desktop notification) and reading clears it; the panes keep the reply box in view at 1280×800
// and 1024×768; canned replies by shortcut; three conversations triaged by keyboard alone. axe-core
// checks the sign-in page, the queue, the conversation, the canned replies and the shortcuts' sheet.
import { test, expect, Browser, Page, APIRequestContext, WebSocketRoute } from "@playwright/test";
import { expectNoViolations } from "./axe";
import { ADMIN } from "./support";
import { AgentAccount, PASSWORD, addAgent, openChat, signIn, unique, uniqueWord } from "./team";

/** A conversation handed off through the visitor API (no browser needed), with `tag` in it. */
async function handedOff(request: APIRequestContext, tag: string): Promise<string> {
  return (await handedOffWithToken(request, tag)).id;
}

/** As `handedOff`, with the visitor's token to write on. */
async function handedOffWithToken(request: APIRequestContext, tag: string): Promise<{ id: string; token: string }> {
  const { conversation_id, token } = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const r = await request.post(`/api/v1/conversations/${conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { text: `someone logged into my account and withdrew my bitcoin (case ${tag})`, client_message_id: `v-${tag}` },
  });
  expect(r.status()).toBe(200);
  return { id: conversation_id, token };
}

const history = (agent: Page) => agent.getByRole("log", { name: "Conversation history" });
const waitingCount = async (agent: Page) => {
  const name = await agent.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /^Waiting, \d+$/ }).textContent();
  return Number(name!.replace(/\D/g, ""));
};

test("sign-in: a wrong password is announced, the keyboard signs in, and the page has no violations", async ({ page, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  await page.goto("/inbox/");
  await expect(page.getByRole("heading", { name: "Inbox sign-in" })).toBeVisible();
  await expectNoViolations(page, "inbox sign-in");

  await page.getByLabel("Email").fill(sam.email);
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("alert")).toContainText("wrong email or password");
  await expectNoViolations(page, "inbox sign-in with an error");

  // Keyboard only: focus moves through the form in order and Enter submits.
  await page.getByLabel("Email").focus();
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByText("Signed in as Sam Rivera", { exact: true })).toBeVisible();
  await expect(page.getByRole("alert")).toBeEmpty();

  // The page is the edge's, with its strict headers.
  const headers = (await request.get("/inbox/")).headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).not.toContain("unsafe-inline");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Inbox sign-in" })).toBeVisible();
});

test("a takeover is handed off, shows up live in the queue, and agent and visitor talk until it is resolved", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const agent = await signIn(browser, sam);
  const tag = uniqueWord();
  // The agent narrows the queue to this case before it exists: it must appear without a reload.
  await agent.getByRole("searchbox", { name: "Search conversations" }).fill(tag);
  await expect(agent.getByText("No conversation matches this search.")).toBeVisible();
  const waitingBefore = await waitingCount(agent);
  await expectNoViolations(agent, "inbox queue, empty search");

  const visitorPage = await (await browser.newContext()).newPage();
  const visitor = await openChat(visitorPage);
  await visitor.say(`someone logged into my account and withdrew my bitcoin (case ${tag})`);
  await expect(visitor.log).toContainText("I'm connecting you with a specialist");

  // Live: the row appears, and the Waiting count goes up, with no reload.
  const rows = agent.getByRole("list", { name: "Conversations" });
  await expect(rows.getByRole("button")).toHaveCount(1);
  await expect(rows).toContainText("Topic: Account takeover");
  await expect(rows).toContainText(/waiting \d+ (s|min)/);
  await expect.poll(() => waitingCount(agent)).toBe(waitingBefore + 1);
  await expectNoViolations(agent, "inbox queue with a waiting conversation");

  await rows.getByRole("button").click();
  await expect(agent.getByRole("heading", { level: 2, name: "Anonymous visitor" })).toBeVisible();
  await expect(history(agent)).toContainText(`withdrew my bitcoin (case ${tag})`);
  await expect(history(agent)).toContainText("I'm connecting you with a specialist");
  const summary = agent.getByRole("region", { name: "Handoff summary" });
  await expect(summary).toContainText("Topic: Account takeover");
  await expect(summary).toContainText(`(case ${tag})`);
  await expect(agent.getByRole("region", { name: "Visitor", exact: true })).toContainText("Not verified");
  await expect(agent.getByText("Claim or take over this conversation to reply.")).toBeVisible();

  await agent.getByRole("button", { name: "Claim" }).click();
  await expect(agent.getByText("You claimed this conversation.")).toBeVisible();
  await expect(agent.getByText("Assigned to Sam Rivera").first()).toBeVisible();
  await expectNoViolations(agent, "inbox conversation, claimed");

  // The agent replies with the keyboard; the visitor sees it without reloading.
  const reply = agent.getByRole("textbox", { name: "Reply to the visitor" });
  await reply.fill("Hi, I'm Sam from the security team. I've locked your account for now.");
  await reply.press("Enter");
  await expect(reply).toHaveValue("");
  await expect(visitor.log).toContainText("I've locked your account for now.");
  // The visitor sees who answers: the person's name on their message and in the header.
  await expect(visitor.chat.getByRole("heading", { level: 1 })).toHaveText("Sam Rivera");
  await expect(visitor.chat.getByText("A person from our support team")).toBeVisible();
  await expect(visitor.log.getByRole("listitem").filter({ hasText: "I've locked your account" })).toContainText("Sam Rivera:");
  await expect(history(agent).getByText("I've locked your account for now.")).toHaveCount(1);
  await expect(history(agent)).toContainText("Sam Rivera (agent)");

  // The visitor answers; the agent sees it live.
  await visitor.say(`Thank you! It happened about an hour ago (case ${tag}).`);
  await expect(history(agent)).toContainText("It happened about an hour ago");
  await expect(history(agent).getByText("It happened about an hour ago", { exact: false })).toHaveCount(1);

  // A private note stays with the agents.
  const notes = agent.getByRole("region", { name: "Private notes" });
  await expect(notes).toContainText("Only agents see notes");
  await notes.getByRole("textbox", { name: "Private note" }).fill("Visitor confirmed the time; check logins from 10:00.");
  await notes.getByRole("button", { name: "Add note" }).click();
  await expect(notes.getByRole("list", { name: "Notes" })).toContainText("check logins from 10:00");

  // Resolved with a closing message the visitor reads.
  await agent.getByRole("textbox", { name: "Closing message (optional)" }).fill("Your account is safe again. Closing this now.");
  await agent.getByRole("button", { name: "Resolve", exact: true }).click();
  await expect(agent.getByText("Conversation resolved.")).toBeVisible();
  await expect(agent.getByText("Resolved by Sam Rivera").first()).toBeVisible();
  await expect(visitor.log).toContainText("Your account is safe again. Closing this now.");
  // Told it is resolved; the header is the AI's again.
  await expect(visitor.log).toContainText("This conversation was marked as resolved.");
  await expect(visitor.chat.getByRole("heading", { level: 1 })).toHaveText("Nova");
  await expect(visitor.log).not.toContainText("check logins from 10:00");
  // Asked once how it went: the visitor rates it, and the agent sees the score.
  const survey = visitor.chat.getByRole("region", { name: "How did we do?" });
  await survey.getByLabel("Your rating").selectOption("5 – Great");
  await survey.getByLabel("Anything to add? (optional)").fill(`Sam was quick (case ${tag}).`);
  await survey.getByRole("button", { name: "Send rating" }).click();
  await expect(visitor.log).toContainText("Thank you for your rating.");
  await expectNoViolations(visitorPage, "the widget after rating");
  const rating = agent.getByRole("region", { name: "Satisfaction" });
  await expect(rating).toContainText("Rated 5 out of 5");
  await expect(rating).toContainText(`Sam was quick (case ${tag}).`);
  await agent.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /^Resolved, \d+$/ }).click();
  await expect(rows.getByRole("button")).toHaveCount(1);

  // And reopened: back to the reopener.
  await agent.getByRole("button", { name: "Reopen" }).click();
  await expect(agent.getByText("Assigned to Sam Rivera").first()).toBeVisible();
  await expect(agent.getByRole("textbox", { name: "Reply to the visitor" })).toBeVisible();
});

test("two agents claim at once: exactly one owns it, the other is told why; the owner assigns it over", async ({ browser, request }) => {
  const [ana, ben] = [await addAgent(request, "Ana Lima"), await addAgent(request, "Ben Okafor")];
  const id = await handedOff(request, uniqueWord());
  // Both open the same waiting conversation by its link.
  const pages = [await signIn(browser, ana, `/inbox/#conversation=${id}`), await signIn(browser, ben, `/inbox/#conversation=${id}`)];
  for (const p of pages) await expect(p.getByRole("button", { name: "Claim" })).toBeEnabled();
  // Both clicks land before either answer returns: a pointer click waits for scrolling and
  // stability, long enough for the first claim to reach the other page live and take its button
  // away (that made this test flaky); the buttons' own click() is dispatched at once.
  const buttons = await Promise.all(pages.map((p) => p.getByRole("button", { name: "Claim" }).elementHandle()));
  await Promise.all(buttons.map((b) => b!.evaluate((el) => (el as HTMLElement).click())));

  const won = await Promise.all(
    pages.map(async (p) => {
      await expect(p.getByText(/^Assigned to (Ana Lima|Ben Okafor)$/).first()).toBeVisible();
      return (await p.getByText("You claimed this conversation.").count()) === 1;
    }),
  );
  expect(won.filter(Boolean)).toHaveLength(1);
  const [winner, loser] = won[0] ? pages : [pages[1], pages[0]];
  const owner = won[0] ? ana.name : ben.name;
  await expect(loser.getByRole("alert")).not.toBeEmpty();
  for (const p of [winner, loser]) await expect(p.getByText(`Assigned to ${owner}`).first()).toBeVisible();
  // Only the owner may reply.
  await expect(winner.getByRole("textbox", { name: "Reply to the visitor" })).toBeVisible();
  await expect(loser.getByRole("textbox", { name: "Reply to the visitor" })).toHaveCount(0);

  // The owner hands it to the colleague, whose page follows live: now they may reply.
  const other = won[0] ? ben.name : ana.name;
  await winner.getByLabel("Assign to").selectOption({ label: other });
  await winner.getByRole("button", { name: "Assign", exact: true }).click();
  await expect(winner.getByText(`Assigned to ${other}.`)).toBeVisible();
  await expect(loser.getByText(`Assigned to ${other}`, { exact: true }).first()).toBeVisible();
  await expect(loser.getByRole("textbox", { name: "Reply to the visitor" })).toBeVisible();
  await expect(winner.getByRole("textbox", { name: "Reply to the visitor" })).toHaveCount(0);

  // The colleague starts a reply: the previous owner sees who is typing (and the typist does not
  // see themself), so two people do not answer the visitor at once.
  await loser.getByRole("textbox", { name: "Reply to the visitor" }).pressSequentially("Hello, I");
  await expect(winner.getByRole("status").filter({ hasText: `${other} is typing a reply…` })).toBeVisible();
  await expect(loser.getByText(/is typing a reply/)).toHaveCount(0);
});

test("a visitor whose socket drops gets the agent's two messages exactly once after reconnecting", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const visitorPage = await (await browser.newContext()).newPage();
  let blocked = false;
  const live: WebSocketRoute[] = [];
  const silent: WebSocketRoute[] = [];
  await visitorPage.routeWebSocket(/\/api\/v1\/conversations\/[^/]+\/live/, (ws) => {
    if (blocked) {
      silent.push(ws); // accepted by a "proxy" that passes nothing
      return;
    }
    ws.connectToServer();
    live.push(ws);
  });
  const visitor = await openChat(visitorPage);
  await visitor.say("my account was hacked, please help");
  await expect(visitor.log).toContainText("I'm connecting you with a specialist");

  const agent = await signIn(browser, sam, `/inbox/#conversation=${visitor.id}`);
  await agent.getByRole("button", { name: "Claim" }).click();
  const reply = agent.getByRole("textbox", { name: "Reply to the visitor" });
  const send = async (text: string) => {
    await reply.fill(text);
    await reply.press("Enter");
    await expect(history(agent)).toContainText(text);
  };
  await send("First, before the drop.");
  await expect(visitor.log).toContainText("First, before the drop.");

  // The visitor's connection drops; reconnecting gets nowhere and polling is cut off too.
  blocked = true;
  await visitorPage.route(/\/messages\?after=/, (route) => route.abort());
  for (const ws of live) await ws.close();
  await send("Second: said while you were away.");
  await send("Third: also while you were away.");
  await visitorPage.waitForTimeout(2500);
  await expect(visitor.log).not.toContainText("Second: said while you were away.");

  blocked = false;
  await visitorPage.unroute(/\/messages\?after=/);
  for (const ws of silent) await ws.close();
  await expect(visitor.log).toContainText("Third: also while you were away.", { timeout: 15_000 });
  for (const text of ["First, before the drop.", "Second: said while you were away.", "Third: also while you were away."]) {
    await expect(visitor.log.getByText(text)).toHaveCount(1);
  }
  const all = await visitor.log.innerText();
  expect(all.indexOf("Second: said")).toBeLessThan(all.indexOf("Third: also"));
});

test("an agent watches a conversation the AI still answers and takes over mid-chat", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const visitorPage = await (await browser.newContext()).newPage();
  const visitor = await openChat(visitorPage);
  await visitor.say("What are the withdrawal fees for bitcoin?");
  await expect(visitor.log).toContainText("0.0002 BTC");

  // The agent finds it in the "With AI" view, newest conversation first.
  const agent = await signIn(browser, sam);
  await agent.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /^With AI, \d+$/ }).click();
  // A turn the AI answered reaches the inbox's lists from the conversation's alarm, within about a
  // second (longer on a loaded machine): search again until it is the newest match.
  const search = agent.getByRole("searchbox", { name: "Search conversations" });
  await expect(async () => {
    await search.fill("");
    await search.fill("withdrawal fees for bitcoin");
    await agent.getByRole("list", { name: "Conversations" }).getByRole("button").first().click();
    await expect(agent).toHaveURL(new RegExp(`#conversation=${visitor.id}$`), { timeout: 1_500 });
  }).toPass({ timeout: 15_000 });
  // The open conversation (the list's row says the same of it).
  const open = agent.getByRole("region", { name: "Anonymous visitor" });
  await expect(open.getByText("The AI is answering")).toBeVisible();
  await expect(history(agent)).toContainText("0.0002 BTC");
  // The AI's answer carries its sources as links.
  await expect(history(agent).getByRole("link").first()).toBeVisible();
  await expect(agent.getByRole("region", { name: "Handoff summary" })).toContainText("Not handed off");
  await expectNoViolations(agent, "inbox conversation with the AI");

  // The visitor asks again while the agent watches: it shows up live.
  await visitor.say("And how long do bitcoin withdrawals take?");
  await expect(history(agent)).toContainText("how long do bitcoin withdrawals take");

  await agent.getByRole("button", { name: "Take over" }).click();
  await expect(agent.getByText("You took over from the AI.")).toBeVisible();
  await expect(agent.getByText("Assigned to Sam Rivera").first()).toBeVisible();
  const reply = agent.getByRole("textbox", { name: "Reply to the visitor" });
  await reply.fill("Sam here, a human: I'll check your withdrawal myself.");
  await reply.press("Enter");
  await expect(visitor.log).toContainText("I'll check your withdrawal myself.");

  // Handed back: the AI answers again.
  await agent.getByRole("button", { name: "Hand back to AI" }).click();
  await expect(agent.getByText("Handed back to the AI.")).toBeVisible();
  await expect(open.getByText("The AI is answering")).toBeVisible();
});

test("a conversation deleted while an agent has it open says so plainly, offers nothing and stops asking", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const tag = uniqueWord();
  const { conversation_id, token } = await (await request.post("/api/v1/conversations", { data: {} })).json();
  await request.post(`/api/v1/conversations/${conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { text: `someone logged into my account (case ${tag})`, client_message_id: `v-${tag}` },
  });
  const agent = await signIn(browser, sam, `/inbox/#conversation=${conversation_id}`);
  await expect(history(agent)).toContainText(tag);
  await expect(agent.getByRole("button", { name: "Claim" })).toBeVisible();

  // The visitor deletes it from the chat's header.
  expect((await request.delete(`/api/v1/conversations/${conversation_id}`, { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(204);
  await expect(agent.getByText("This conversation was deleted, by the visitor or by an erasure.")).toBeVisible();
  await expect(agent.getByRole("button", { name: "Claim" })).toHaveCount(0);
  await expect(history(agent)).toHaveCount(0);
  await expect(agent.getByText(`no conversation "${conversation_id}"`)).toHaveCount(0);
  // Nothing more is asked about it: no retrying socket, no polling.
  const asked: string[] = [];
  agent.on("request", (r) => { if (r.url().includes(conversation_id)) asked.push(r.url()); });
  await agent.waitForTimeout(4000);
  expect(asked).toEqual([]);
});

test("what needs the agent reaches them: the tab's count, an unread row, a desktop notification; reading clears it", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const context = await browser.newContext({ permissions: ["notifications"] });
  // Records each notification the page shows (the browser's own Notification still makes it).
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: { title: string; body?: string; tag?: string }[] = [];
    (window as any).shown = shown;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body, tag: options?.tag });
      }
    }
    Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
    (window as any).Notification = Recorded;
  });
  const page = await context.newPage();
  await page.goto("/inbox/");
  await page.getByLabel("Email").fill(sam.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Desktop alerts on")).toBeVisible();
  const count = async () => Number((await page.title()).match(/^\((\d+)\) /)?.[1] ?? 0);
  // Whatever waited before Sam signed in counts, and alerted nobody.
  await expect(page.getByRole("button", { name: /^Waiting, \d+$/ })).toBeVisible();
  await expect(page.getByText("Loading conversations…")).toHaveCount(0);
  const before = await count();
  expect(await page.evaluate(() => (window as any).shown.length)).toBe(0);

  const tag = uniqueWord();
  const { id, token } = await handedOffWithToken(request, tag);
  await expect(page).toHaveTitle(`(${before + 1}) Inbox · Switchboard`);
  await expect.poll(() => page.evaluate(() => (window as any).shown)).toContainEqual(
    expect.objectContaining({ title: "New conversation waiting", tag: id }),
  );
  const row = page.getByRole("list", { name: "Conversations" }).getByRole("button").filter({ hasText: tag });
  await expect(row).toContainText("Unread");
  await expect(page.getByRole("status").filter({ hasText: "New conversation waiting" })).toBeVisible();
  await expectNoViolations(page, "inbox with an unread conversation");

  // Opening it reads it, here and at the edge (a reload still counts it read).
  await row.click();
  await expect(page).toHaveTitle(before === 0 ? "Inbox · Switchboard" : `(${before}) Inbox · Switchboard`);
  await expect(row).not.toContainText("Unread");
  await page.getByRole("button", { name: "Claim" }).click();
  await expect(page.getByRole("status").filter({ hasText: "You claimed this conversation." })).toBeVisible();

  // With another conversation open, the visitor's next message on Sam's own is news again.
  const other = await handedOff(request, uniqueWord());
  await page.goto(`/inbox/#conversation=${other}`);
  await expect(history(page)).toContainText("someone logged into my account");
  const r = await request.post(`/api/v1/conversations/${id}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { text: "are you still there?", client_message_id: `v-again-${tag}` },
  });
  expect(r.status()).toBe(200);
  // Both it and the other are read: only the new message counts on top of what waited before.
  await expect(page).toHaveTitle(`(${before + 1}) Inbox · Switchboard`);
  await expect.poll(() => page.evaluate(() => (window as any).shown)).toContainEqual(
    expect.objectContaining({ title: "New message from a visitor", body: "are you still there?", tag: id }),
  );
  // Sound is the agent's choice, kept in this browser.
  const sound = page.getByRole("button", { name: "Sound" });
  await expect(sound).toHaveAttribute("aria-pressed", "false");
  await sound.click();
  await page.reload();
  await expect(page.getByRole("button", { name: "Sound" })).toHaveAttribute("aria-pressed", "true");
});

test("the panes fit: at 1280×800 and 1024×768 the reply box is in view after a claim; the details fold away", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  // A long history, so a page that scrolled as a document would push the reply box out of view.
  const { id, token } = await handedOffWithToken(request, uniqueWord());
  for (let i = 0; i < 12; i++) {
    const r = await request.post(`/api/v1/conversations/${id}/messages`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { text: `line ${i} of what happened to my account`, client_message_id: `long-${id}-${i}` },
    });
    expect(r.status()).toBe(200);
  }
  for (const [width, height, side] of [[1280, 800, "true"], [1024, 768, "false"]] as const) {
    const agent = await signIn(browser, sam, `/inbox/#conversation=${id}`);
    await agent.setViewportSize({ width, height });
    await agent.reload();
    await expect(history(agent)).toContainText("line 11 of what happened");
    const details = agent.getByRole("button", { name: "Visitor details" });
    await expect(details).toHaveAttribute("aria-expanded", side);
    if (side === "true") {
      await agent.getByRole("button", { name: "Claim" }).click();
    }
    const reply = agent.getByLabel("Reply to the visitor");
    await expect(reply).toBeInViewport();
    // The page itself never scrolls: only its panes do.
    expect(await agent.evaluate(() => document.scrollingElement!.scrollHeight <= window.innerHeight + 1)).toBe(true);
    await details.click();
    await expect(details).toHaveAttribute("aria-expanded", side === "true" ? "false" : "true");
    await expect(reply).toBeInViewport();
    await expectNoViolations(agent, `inbox at ${width}×${height}`);
    await agent.context().close();
  }
});

test("an agent keeps canned replies and answers with one by its shortcut; an unfilled variable holds the reply", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const agent = await signIn(browser, sam);
  await agent.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Canned replies" }).click();
  await expect(agent.getByRole("heading", { name: "Canned replies", level: 2 })).toBeVisible();
  const shortcut = agent.getByLabel("Shortcut");
  await shortcut.fill("two words");
  await agent.getByLabel("Reply", { exact: true }).fill("Thanks for waiting, {{agent.first_name}} here. Let me look into this now.");
  await agent.getByRole("button", { name: "Add canned reply" }).click();
  await expect(shortcut).toHaveAttribute("aria-invalid", "true");
  await expect(agent.locator("#canned-shortcut-error")).toContainText("letters, digits");
  await shortcut.fill("thanks-wait");
  await agent.getByRole("button", { name: "Add canned reply" }).click();
  await expect(agent.getByRole("row").filter({ hasText: "/thanks-wait" })).toContainText("You");
  await shortcut.fill("email");
  await agent.getByLabel("Reply", { exact: true }).fill("Is {{lead.email}} the best address to reach you?");
  await agent.getByRole("button", { name: "Add canned reply" }).click();
  await expect(agent.getByRole("row").filter({ hasText: "/email" })).toBeVisible();
  await expectNoViolations(agent, "canned replies");

  const tag = uniqueWord();
  const { id, token } = await handedOffWithToken(request, tag);
  await agent.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Conversations" }).click();
  // From here on, every click and key the agent needs, counted for the figure.
  let clicks = 0;
  let keys = 0;
  await agent.getByRole("list", { name: "Conversations" }).getByRole("button").filter({ hasText: tag }).click();
  clicks++;
  await agent.getByRole("button", { name: "Claim" }).click();
  clicks++;
  const box = agent.getByLabel("Reply to the visitor");
  await box.click();
  clicks++;
  await box.pressSequentially("/than");
  keys += 5;
  const options = agent.getByRole("listbox", { name: "Canned replies" });
  await expect(options.getByRole("option", { name: /\/thanks-wait/ })).toHaveAttribute("aria-selected", "true");
  await expectNoViolations(agent, "reply box with canned replies");
  await box.press("Enter");
  keys++;
  await expect(box).toHaveValue("Thanks for waiting, Sam here. Let me look into this now.");
  await box.press("Enter");
  keys++;
  await expect(history(agent)).toContainText("Thanks for waiting, Sam here.");
  const typed = "Thanks for waiting, Sam here. Let me look into this now.".length + 1;
  console.log(`[figure] answering a waiting conversation with a canned reply: ${clicks} clicks and ${keys} keys (typed out: ${clicks} clicks and ${typed} keys)`);
  const seen = await request.get(`/api/v1/conversations/${id}/messages`, { headers: { Authorization: `Bearer ${token}` } });
  expect(JSON.stringify(await seen.json())).toContain("Thanks for waiting, Sam here. Let me look into this now.");

  // A variable the conversation has no value for stays, and the reply waits for the agent.
  await box.pressSequentially("/ema");
  await box.press("Enter");
  await expect(box).toHaveValue("Is {{lead.email}} the best address to reach you?");
  await expect(box).toHaveAttribute("aria-invalid", "true");
  await expect(agent.getByText("Replace {{lead.email}} before sending")).toBeVisible();
  await expect(agent.getByRole("button", { name: "Send reply" })).toBeDisabled();
  await box.press("Enter");
  await expect(box).toHaveValue("Is {{lead.email}} the best address to reach you?");
  await box.fill("Is kim@example.com the best address to reach you?");
  await box.press("Enter");
  await expect(history(agent)).toContainText("Is kim@example.com the best address");
  // Escape closes the list and leaves what was typed.
  await box.pressSequentially("/th");
  await expect(options).toBeVisible();
  await box.press("Escape");
  await expect(options).toHaveCount(0);
  await expect(box).toHaveValue("/th");
});

test("keyboard only: an agent finds, claims, answers and resolves three conversations without the mouse", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const agent = await signIn(browser, sam);
  const tag = uniqueWord();
  const ids = [];
  for (const end of ["a", "b", "c"]) ids.push(await handedOff(request, `${tag}${end}`));
  await expect(agent.getByRole("button", { name: /^Waiting, \d+$/ })).toBeVisible();
  // The skip link is the first stop, and leads past the bars.
  await agent.keyboard.press("Tab");
  await expect(agent.getByRole("link", { name: "Skip to the conversations" })).toBeFocused();
  await agent.keyboard.press("?");
  await expect(agent.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await expectNoViolations(agent, "keyboard shortcuts");
  await agent.keyboard.press("Escape");
  await expect(agent.getByRole("dialog", { name: "Keyboard shortcuts" })).toHaveCount(0);
  await agent.keyboard.press("/");
  await expect(agent.getByLabel("Search conversations")).toBeFocused();
  await agent.keyboard.type(tag);
  await expect(agent.getByRole("list", { name: "Conversations" }).getByRole("button")).toHaveCount(3);
  await agent.keyboard.press("Escape");
  const rows = agent.getByRole("list", { name: "Conversations" });
  for (let i = 0; i < 3; i++) {
    // As the agent sees it: the ones already claimed have left Waiting.
    await expect(rows.getByRole("button")).toHaveCount(3 - i);
    await agent.keyboard.press("j");
    await expect(agent.locator(".row[aria-current='true']")).toBeFocused();
    await expect(history(agent)).toContainText(tag);
    await agent.keyboard.press("c");
    // Claimed: the reply box has the focus.
    await expect(agent.getByLabel("Reply to the visitor")).toBeFocused();
    await agent.keyboard.type(`On it (${i}).`);
    await agent.keyboard.press("Enter");
    await expect(history(agent)).toContainText(`On it (${i}).`);
    await agent.keyboard.press("Escape");
    await agent.keyboard.press("e");
    await expect(agent.getByLabel("Closing message (optional)")).toBeFocused();
    await agent.keyboard.type("All sorted, goodbye.");
    await agent.keyboard.press("Enter");
    await expect(agent.getByRole("status").filter({ hasText: "Conversation resolved." })).toBeVisible();
    await expect(agent.getByRole("heading", { name: "Anonymous visitor", level: 2 })).toBeFocused();
    await agent.keyboard.press("/");
    await agent.keyboard.press("Escape");
  }
  for (const id of ids) {
    const detail = await agent.evaluate(async (id) => (await (await fetch(`/api/v1/inbox/conversations/${id}`)).json()).conversation.status, id);
    expect(detail).toBe("resolved");
  }
});

test("tags and priority: set in the side panel, shown on the row, and the list filters by them", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Rivera");
  const agent = await signIn(browser, sam);
  const word = uniqueWord();
  const id = await handedOff(request, word);
  await handedOff(request, `${word}x`);
  await agent.getByRole("searchbox", { name: "Search conversations" }).fill(word);
  const rows = agent.getByRole("list", { name: "Conversations" });
  await expect(rows.getByRole("button")).toHaveCount(2);
  await agent.goto(`/inbox/#conversation=${id}`);
  const panel = agent.getByRole("region", { name: "Tags and priority" });
  await panel.getByLabel("Priority").selectOption("urgent");
  await expect(agent.getByRole("status").filter({ hasText: "Urgent." })).toBeVisible();
  await panel.getByLabel("Add a tag").fill(`VIP ${word}`);
  await panel.getByRole("button", { name: "Add tag" }).click();
  const tag = `vip-${word}`;
  await expect(panel.getByRole("list", { name: "Tags" })).toContainText(`#${tag}`);
  await expectNoViolations(agent, "tags and priority");
  // Filtered by the tag and by the priority, whatever the search.
  await agent.getByRole("searchbox", { name: "Search conversations" }).fill("");
  await agent.getByLabel("Filter by tag").fill(tag);
  await expect(rows.getByRole("button")).toHaveCount(1);
  await expect(rows).toContainText("Urgent");
  await expect(rows).toContainText(`#${tag}`);
  await agent.getByLabel("Filter by tag").fill("");
  await agent.getByLabel("Filter by priority").selectOption("urgent");
  await expect(rows.getByRole("button").filter({ hasText: word })).toHaveCount(1);
  // Removed: the filter finds nothing.
  await panel.getByRole("button", { name: `Remove tag ${tag}` }).click();
  await expect(panel.getByRole("list", { name: "Tags" })).not.toContainText(`#${tag}`);
  await agent.getByLabel("Filter by tag").fill(tag);
  await expect(agent.getByText("No conversation matches this search.")).toBeVisible();
});

test("snooze and bulk: one put aside until the visitor writes, then three assigned and resolved at once", async ({ browser, request }) => {
  const word = uniqueWord();
  const rae = await addAgent(request, `Rae ${word}`);
  const agent = await signIn(browser, rae);
  const first = await handedOffWithToken(request, word);
  await handedOff(request, `${word}b`);
  await handedOff(request, `${word}c`);
  await agent.getByRole("searchbox", { name: "Search conversations" }).fill(word);
  const rows = agent.getByRole("list", { name: "Conversations" });
  await expect(rows.getByRole("button")).toHaveCount(3);
  await agent.goto(`/inbox/#conversation=${first.id}`);
  const panel = agent.getByRole("region", { name: "Snooze" });
  await panel.getByLabel("Snooze until").selectOption("visitor");
  await panel.getByRole("button", { name: "Snooze", exact: true }).click();
  await expect(panel).toContainText("Snoozed until the visitor writes.");
  // Out of Waiting, into Snoozed, marked there.
  await expect(rows.getByRole("button")).toHaveCount(2);
  await agent.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /^Snoozed/ }).click();
  await expect(rows.getByRole("button")).toHaveCount(1);
  await expect(rows).toContainText("Snoozed");
  await expectNoViolations(agent, "the Snoozed view");
  // The visitor writes: back in Waiting, by itself.
  const wrote = await request.post(`/api/v1/conversations/${first.id}/messages`, {
    headers: { Authorization: `Bearer ${first.token}` },
    data: { text: `Any news on case ${word}?`, client_message_id: `n-${word}` },
  });
  expect(wrote.status()).toBe(200);
  await expect(rows.getByRole("button")).toHaveCount(0);
  await agent.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /^Waiting/ }).click();
  await expect(rows.getByRole("button")).toHaveCount(3);

  // Bulk: all three ticked, assigned to Rae, then resolved.
  for (const box of await rows.getByRole("checkbox").all()) await box.check();
  const bar = agent.getByRole("group", { name: "Selected conversations" });
  await expect(bar).toContainText("3 selected");
  await expectNoViolations(agent, "three conversations ticked");
  await bar.getByLabel("Assign to").selectOption({ label: rae.name });
  await bar.getByRole("button", { name: "Assign selected" }).click();
  await expect(agent.getByRole("status").filter({ hasText: "Assigned 3." })).toBeVisible();
  await agent.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /^Mine/ }).click();
  await expect(rows.getByRole("button")).toHaveCount(3);
  for (const box of await rows.getByRole("checkbox").all()) await box.check();
  await bar.getByRole("button", { name: "Resolve selected" }).click();
  await expect(agent.getByRole("status").filter({ hasText: "Resolved 3." })).toBeVisible();
  await expect(rows.getByRole("button")).toHaveCount(0);
});
