// The owner's console, from an admin's chair: switch an action off and see a visitor's request go
// unanswered by it, then on again; run the test panel (a refused value first) and find the run in
// the execution log; manage the team (add an agent, make them an admin, set a new password that ends
// their session, disable them); create an HTTP action in the wizard (a refused host first), test it
// and have a visitor start it. An agent without the admin role sees no console and is refused its
// routes. axe-core checks the console's pages.
import { readFileSync } from "node:fs";
import { test, expect, Browser, Page, APIRequestContext } from "@playwright/test";
import { expectNoViolations } from "./axe";
import { ADMIN } from "./support";

const PASSWORD = "a long enough passphrase";
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";
let n = 0;
const unique = () => `${Date.now()}${n++}`;

async function addAgent(request: APIRequestContext, name: string, role: "agent" | "admin") {
  const email = `console${unique()}@nova.example`;
  const r = await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name, password: PASSWORD, role } });
  expect(r.status()).toBe(201);
  return { email, name };
}

async function signIn(browser: Browser, who: { email: string; name: string }): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/inbox/");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${who.name}`, { exact: true })).toBeVisible();
  return page;
}

/** A visitor asks about a transaction by its hash (the visitor API): the reply's action, if any ran. */
async function visitorAsks(request: APIRequestContext): Promise<string | undefined> {
  const { conversation_id, token } = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const r = await request.post(`/api/v1/conversations/${conversation_id}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { text: `where is my deposit ${TX}?`, client_message_id: `c-${unique()}` },
  });
  expect(r.status()).toBe(200);
  const reply = (await r.json()).messages[1];
  return reply.action?.name;
}

test.afterEach(async ({ request }) => {
  // Whatever happened, the demo's actions are as their files say for the specs after this one.
  await request.delete("/api/v1/admin/actions/get-transaction-status/enabled", { headers: ADMIN });
  await request.delete("/api/v1/admin/actions/find-deposit-receipt/definition", { headers: ADMIN });
});

test("an admin creates an HTTP action in the wizard, tests it, and a visitor starts it", async ({ browser, request }) => {
  const lead = await addAgent(request, "Lee Admin", "admin");
  const started = Date.now();
  const page = await signIn(browser, lead);
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Actions" }).click();
  await page.getByRole("button", { name: "New action" }).click();
  await expect(page.getByRole("heading", { name: "New action", level: 2 })).toBeFocused();
  await page.getByLabel("Name", { exact: true }).fill("Find Deposit Receipt");
  await page.getByLabel("When to use it").fill("Find a deposit receipt by its receipt number");
  await page.getByLabel("When not to use it").fill("Do not use it without a receipt number.");
  // A host off the allowlist: the build's own message, beside the field, as the owner types.
  const url = page.getByLabel("URL", { exact: true });
  await url.fill("https://evil.example/receipts");
  await expect(url).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#wizard-url-error")).toContainText("evil.example");
  await expect(page.getByText(/^\d+ problems? to fix before saving\.$/)).toBeVisible();
  await url.fill("http://127.0.0.1:8788/v1/status?receipt={{inputs.receipt}}");
  await page.getByLabel("Authentication").selectOption("bearer");
  await page.getByLabel("Secret", { exact: true }).selectOption("EXCHANGE_API_KEY");
  await page.getByRole("button", { name: "Add an input" }).click();
  const input = page.getByRole("group", { name: /^Input / });
  await input.getByLabel("Name", { exact: true }).fill("receipt");
  await input.getByLabel("What it is").fill("the deposit receipt number");
  await input.getByLabel("Pattern (regular expression)").fill("^RCPT-\\d{6}$");
  await input.getByLabel("Example").fill("RCPT-123456");
  await page.getByLabel("Reply to the visitor").fill("Deposits are {{response.deposits}} for that receipt.");
  await page.getByLabel("Switched on for the agent when saved").check();
  await expect(page.getByText("No problems: it can be saved.")).toBeVisible();
  await expectNoViolations(page, "console wizard");
  await page.getByRole("button", { name: "Create action" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved Find Deposit Receipt." })).toBeVisible();
  await expect(page.getByRole("switch", { name: "Find Deposit Receipt enabled" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("heading", { name: "Find Deposit Receipt", level: 2 })).toBeVisible();
  await expect(page.getByText(`Made in the console by ${lead.email}`)).toBeVisible();
  // The test panel, prefilled from the example: the first successful run.
  await expect(page.getByLabel("inputs.receipt")).toHaveValue("RCPT-123456");
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByRole("heading", { name: /^Result: succeeded in \d+ ms$/ })).toBeVisible();
  console.log(`[figure] sign-in to a first successful test run of a new action: ${Date.now() - started} ms (scripted clicks)`);
  await expect(page.locator("p", { hasText: "The visitor would read:" })).toContainText("Deposits are normal for that receipt.");
  await expectNoViolations(page, "console new action page");
  // A visitor's request starts it within a second of the save.
  const ask = async () => {
    const { conversation_id, token } = await (await request.post("/api/v1/conversations", { data: {} })).json();
    const r = await request.post(`/api/v1/conversations/${conversation_id}/messages`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { text: "can you find my deposit receipt RCPT-654321?", client_message_id: `c-${unique()}` },
    });
    return (await r.json()).messages[1];
  };
  await expect.poll(async () => (await ask()).action?.name, { timeout: 5_000 }).toBe("Find Deposit Receipt");
  // Downloadable as the file the repository would hold.
  const file = await request.get("/api/v1/admin/actions/find-deposit-receipt/definition", { headers: ADMIN });
  expect(file.headers()["content-disposition"]).toBe('attachment; filename="find-deposit-receipt.json"');
  expect((await file.json()).url).toBe("http://127.0.0.1:8788/v1/status?receipt={{inputs.receipt}}");
  await expect(page.getByRole("link", { name: "Download JSON" })).toHaveAttribute("href", "/api/v1/admin/actions/find-deposit-receipt/definition");
  // Deleted from its page: visitors no longer start it.
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete action" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted Find Deposit Receipt." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Find Deposit Receipt", exact: true })).toHaveCount(0);
  await expect.poll(async () => (await ask()).action?.name, { timeout: 5_000 }).toBeUndefined();
});

test("a JSON box that does not parse keeps the owner's text while other fields change", async ({ browser, request }) => {
  const lead = await addAgent(request, "Lee Admin", "admin");
  const page = await signIn(browser, lead);
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Actions" }).click();
  await page.getByRole("button", { name: "New action" }).click();
  await page.getByLabel("Method").selectOption("POST");
  const body = page.getByLabel("Body (JSON)");
  await body.fill('{"amount": {{inputs.amount}');
  await body.blur();
  await expect(body).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#wizard-body-error")).toContainText("Not JSON");
  // Another field's edit changes the draft; the box still holds what the owner typed.
  await page.getByLabel("Name", { exact: true }).fill("Send Money");
  await expect(page.locator("#wizard-body-error")).toContainText("Not JSON");
  await expect(body).toHaveValue('{"amount": {{inputs.amount}');
  await page.getByText("The definition as JSON").click();
  const whole = page.getByLabel("Definition JSON");
  await whole.fill('{"name": "Send Money",');
  await whole.blur();
  await expect(whole).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("When to use it").fill("Send money to a friend");
  await expect(whole).toHaveValue('{"name": "Send Money",');
  // Mended, it is the draft again: the field's edit shows in it.
  await whole.fill('{"name": "Send Money", "type": "http", "method": "POST", "url": "https://", "enabled": false}');
  await whole.blur();
  await expect(whole).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Send Money");
});

test("an admin switches an action off and on, tests it and reads its log; the console has no violations", async ({ browser, request }) => {
  const lead = await addAgent(request, "Lee Admin", "admin");
  const page = await signIn(browser, lead);
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Actions" }).click();
  await expect(page.getByRole("heading", { name: "Console", exact: true })).toBeVisible();
  const toggle = page.getByRole("switch", { name: "Get Transaction Status enabled" });
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await expectNoViolations(page, "console actions");

  expect(await visitorAsks(request)).toBe("Get Transaction Status");
  await toggle.press("Enter");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  // Only its row changed: the keyboard focus is still on the switch.
  await expect(toggle).toBeFocused();
  await expect(page.getByRole("status").filter({ hasText: "Get Transaction Status is off." })).toBeVisible();
  // Every isolate sees the switch within a second: the visitor's request starts nothing.
  await expect.poll(() => visitorAsks(request), { timeout: 5_000 }).toBeUndefined();
  const listed = await (await request.get("/api/v1/admin/actions", { headers: ADMIN })).json();
  const row = listed.actions.find((a: { slug: string }) => a.slug === "get-transaction-status");
  expect(row.enabled).toBe(false);
  expect(row.switch.changed_by).toBe(lead.email);

  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await expect.poll(() => visitorAsks(request), { timeout: 5_000 }).toBe("Get Transaction Status");

  // The action's page: a refused value first, then a run, found in the log.
  await page.getByRole("button", { name: "Get Transaction Status", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Get Transaction Status", level: 2 })).toBeVisible();
  const field = page.getByLabel("inputs.tx_hash");
  await field.fill("not a hash");
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Refused:" })).toContainText("tx_hash");
  await field.fill(TX);
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByRole("heading", { name: /^Result: succeeded in \d+ ms$/ })).toBeVisible();
  await expect(page.getByText("The visitor would read:")).toBeVisible();
  await expect(page.getByLabel("Request sent (redacted)")).toContainText(`GET http://127.0.0.1:8788`);
  await page.getByLabel("Runs").selectOption("test");
  await page.getByRole("button", { name: "Refresh the log" }).click();
  const log = page.getByRole("region", { name: "Execution log" });
  await expect(log.getByRole("listitem").first()).toContainText(/Test: succeeded in \d+ ms/);
  await page.getByLabel("Runs").selectOption("live");
  await expect(log.getByRole("listitem").first()).toContainText(/Live: succeeded/);
  await expect(log.getByRole("link", { name: /^Open conversation / }).first()).toBeVisible();
  // Filtered at the edge: a conversation with no runs of this action shows none.
  await page.getByLabel("Conversation", { exact: true }).fill("cNoSuchConversation");
  await page.getByRole("button", { name: "Refresh the log" }).click();
  await expect(log.getByText("No runs to show.")).toBeVisible();
  await expectNoViolations(page, "console action page");
});

test("an admin manages the team: adds an agent, makes them an admin, resets their password and disables them", async ({ browser, request }) => {
  const lead = await addAgent(request, "Lee Admin", "admin");
  const page = await signIn(browser, lead);
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Team" }).click();
  await expect(page.getByRole("heading", { name: "Team", level: 2 })).toBeVisible();
  // The console is its own page, which agents never load.
  await expect(page).toHaveURL(/\/inbox\/console\/#team$/);
  const email = `kim${unique()}@nova.example`;
  await page.getByLabel("Name", { exact: true }).fill("Kim Newcomer");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Add agent" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Kim Newcomer can sign in now." })).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("Active");
  await expectNoViolations(page, "console team");

  // Kim signs in; made an admin, her session opens the console's routes at once.
  const kim = await signIn(browser, { email, name: "Kim Newcomer" });
  await row.getByRole("button", { name: "Make Kim Newcomer an admin" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Kim Newcomer is now an admin." })).toBeVisible();
  expect(await kim.evaluate(async () => (await fetch("/api/v1/admin/actions")).status)).toBe(200);
  // A new password ends her session.
  await row.getByLabel("New password for Kim Newcomer").fill("a brand new passphrase");
  await row.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Kim Newcomer has a new password" })).toBeVisible();
  expect(await kim.evaluate(async () => (await fetch("/api/v1/inbox/me")).status)).toBe(401);
  // Disabled: she cannot sign in.
  await row.getByRole("button", { name: "Disable Kim Newcomer" }).click();
  await expect(row).toContainText("Disabled");
  const again = await request.post("/api/v1/inbox/session", {
    headers: { Origin: "http://127.0.0.1:8799" },
    data: { email, password: "a brand new passphrase" },
  });
  expect(again.status()).toBe(401);
  // The admin cannot lock themselves out.
  await page.getByRole("row").filter({ hasText: lead.email }).getByRole("button", { name: "Disable Lee Admin" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "you cannot disable your own account" })).toBeVisible();
});

test("the reports count today's conversations as the test makes them, list the unanswered question and download as CSV", async ({ browser, request }) => {
  const today = new Date();
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  const query = `from=${day}&to=${day}&offset_minutes=${-today.getTimezoneOffset()}`;
  const todayRow = async () => (await (await request.get(`/api/v1/admin/reports?${query}`, { headers: ADMIN })).json()).days[0];
  const before = await todayRow();
  const tag = `zorblax${unique()}`;
  const visitor = async (text: string) => {
    const { conversation_id, token } = await (await request.post("/api/v1/conversations", { data: {} })).json();
    const r = await request.post(`/api/v1/conversations/${conversation_id}/messages`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { text, client_message_id: `c-${unique()}` },
    });
    expect(r.status()).toBe(200);
    return conversation_id as string;
  };
  await visitor("What are the withdrawal fees for bitcoin?");
  const unanswered = await visitor(`Do you sell ${tag} garden gnomes?`);
  await visitor(`someone logged into my account and withdrew my bitcoin (${tag})`);
  const after = await todayRow();
  expect(after.conversations).toBe(before.conversations + 3);
  expect(after.handed_off).toBe(before.handed_off + 1);
  // Nothing today is resolved by the AI yet: its visitors wrote less than 24 hours ago.
  expect(after.ai_resolved).toBe(0);

  const lead = await addAgent(request, "Lee Admin", "admin");
  const page = await signIn(browser, lead);
  // A link from before the console had its own page goes on to it.
  await page.goto("/inbox/#reports");
  await expect(page.getByRole("heading", { name: "Reports", level: 2 })).toBeVisible();
  await expect(page).toHaveURL(/\/inbox\/console\/#reports$/);
  await page.getByLabel("From", { exact: true }).fill(day);
  await page.getByLabel("To", { exact: true }).fill(day);
  await page.getByRole("button", { name: "Show" }).click();
  const row = page.getByRole("table", { name: "Per day" }).getByRole("row").filter({ hasText: day });
  await expect(row.getByRole("cell").nth(0)).toHaveText(String(after.conversations));
  await expect(row.getByRole("cell").nth(2)).toHaveText(String(after.handed_off));
  await expect(page.getByRole("img", { name: new RegExp(`^Conversations per day\\. ${day}: ${after.conversations}$`) })).toBeVisible();
  await expect(page.getByRole("table", { name: "Handoffs by reason" })).toContainText("Topic: Account takeover");
  const question = page.getByRole("listitem").filter({ hasText: `Do you sell ${tag} garden gnomes?` });
  await expect(question).toContainText("asked 1 time");
  await expectNoViolations(page, "console reports");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download the questions as CSV" }).click();
  const file = await (await download).path();
  expect(readFileSync(file, "utf8")).toContain(`Do you sell ${tag} garden gnomes?,1,${unanswered}`);
  // Each question opens its conversation in the inbox.
  await question.getByRole("link", { name: "Conversation 1" }).click();
  await expect(page).toHaveURL(new RegExp(`#conversation=${unanswered}$`));
  await expect(page.getByRole("log", { name: "Conversation history" })).toContainText(`Do you sell ${tag} garden gnomes?`);
});

test("an agent without the admin role sees no console and is refused every console route", async ({ browser, request }) => {
  const sam = await addAgent(request, "Sam Agent", "agent");
  const page = await signIn(browser, sam);
  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections.getByRole("link", { name: "Canned replies" })).toBeVisible();
  for (const name of ["Actions", "Reports", "Team"]) await expect(sections.getByRole("link", { name })).toHaveCount(0);
  for (const path of ["/inbox/#console", "/inbox/console/#console"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Inbox", exact: true })).toBeVisible();
    await expect(page.getByRole("switch")).toHaveCount(0);
    expect(new URL(page.url()).pathname).toBe(path.split("#")[0]);
  }
  const statuses = await page.evaluate(async () => {
    const calls: [string, string, string?][] = [
      ["GET", "/api/v1/admin/actions"],
      ["GET", "/api/v1/admin/actions/get-transaction-status/logs"],
      ["POST", "/api/v1/admin/actions/get-transaction-status/test", '{"variables":{}}'],
      ["PUT", "/api/v1/admin/actions/get-transaction-status/enabled", '{"enabled":false}'],
      ["DELETE", "/api/v1/admin/actions/get-transaction-status/enabled"],
      ["GET", "/api/v1/admin/model-usage"],
      ["GET", "/api/v1/admin/reports?from=2026-12-01&to=2026-12-07"],
      ["GET", "/api/v1/admin/reports.csv?table=days&from=2026-12-01&to=2026-12-07"],
      ["POST", "/api/v1/admin/actions", '{"name":"X","type":"button","button":{"label":"x","url":"https://a.example"}}'],
      ["POST", "/api/v1/admin/actions/check", '{"name":"X"}'],
      ["GET", "/api/v1/admin/actions/get-transaction-status/definition"],
      ["PUT", "/api/v1/admin/actions/get-transaction-status/definition", '{"name":"Get Transaction Status"}'],
      ["DELETE", "/api/v1/admin/actions/get-transaction-status/definition"],
    ];
    const out = [];
    for (const [method, path, body] of calls) {
      const r = await fetch(path, { method, body, headers: body ? { "Content-Type": "application/json" } : {} });
      out.push(`${r.status} ${(await r.json()).error?.code}`);
    }
    return out;
  });
  expect(statuses).toEqual(Array(13).fill("403 not_admin"));
});

test("the inbox every agent loads carries none of the console's code", async ({ request }) => {
  const wasmOf = async (page: string) => {
    const html = await (await request.get(page)).text();
    const src = html.match(/href=["']?([^"'\s>]+\.wasm)/)?.[1];
    expect(src, `${page} preloads its wasm`).toBeTruthy();
    return Buffer.from(await (await request.get(src!)).body());
  };
  const inbox = await wasmOf("/inbox/");
  const console = await wasmOf("/inbox/console/");
  // Texts only the console draws (the wizard's, the reports'), and one both draw.
  for (const text of ["Download JSON", "Handoffs by reason"]) {
    expect(console.includes(text), `console has "${text}"`).toBe(true);
    expect(inbox.includes(text), `inbox has no "${text}"`).toBe(false);
  }
  expect(inbox.includes("Sign in")).toBe(true);
  expect(inbox.length).toBeLessThan(console.length * 0.7);
});
