// The host page identifies its signed-in user through the loader's JS API; the edge trusts the
// identity only with the owner's HMAC, and account actions that need it refuse anyone else.
import { test, expect } from "@playwright/test";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

const vars = Object.fromEntries(
  readFileSync("edge/.dev.vars.example", "utf8").split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")),
);
const hashOf = (userId: string) => createHmac("sha256", vars.IDENTITY_SECRET).update(userId).digest("hex");
const BACKEND = "http://127.0.0.1:8788";

test("identify() queued before the loader runs fills lead.email in an action call, and on() hears the reply", async ({ page, request }) => {
  await request.get(`${BACKEND}/__reset`);
  await page.addInitScript((hash) => {
    (window as any).__events = [];
    (window as any).Switchboard = [
      ["identify", { user_id: "u-ana", email: "ana@example.com", name: "Ana Lima", user_hash: hash }],
      ["on", "message", (m: any) => (window as any).__events.push(["message", m.author])],
      ["on", "action_result", (a: any) => (window as any).__events.push(["action_result", a.name, a.status])],
    ];
  }, hashOf("u-ana"));
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("What is my KYC verification status?");
  await box.press("Enter");
  await expect(chat.getByRole("log")).toContainText("level 2");
  const [kyc] = (await (await request.get(`${BACKEND}/__requests`)).json()).filter((r: any) => r.path === "/v1/kyc");
  expect(kyc.query).toBe("?email=ana%40example.com");
  await expect.poll(() => page.evaluate(() => (window as any).__events)).toContainEqual(["action_result", "Get KYC Status", "ok"]);
  expect(await page.evaluate(() => (window as any).__events)).toContainEqual(["message", "bot"]);
});

test("an action that needs a verified identity refuses a visitor who only typed an email", async ({ request }) => {
  const start = async (body: object) => {
    const c = await (await request.post("/api/v1/conversations", { data: body })).json();
    return async (text: string) =>
      (
        await (
          await request.post(`/api/v1/conversations/${c.conversation_id}/messages`, {
            headers: { Authorization: `Bearer ${c.token}` },
            data: { text, client_message_id: "b1" },
          })
        ).json()
      ).messages;
  };
  const forged = await start({ user_id: "u-ana", lead: { email: "ana@example.com" }, user_hash: hashOf("u-someone-else") });
  const refused = await forged("What are my balances?");
  expect(refused[1].action).toMatchObject({ name: "Get Balances", status: "refused" });
  expect(refused[1].text).toContain("signed in");

  // Balances are keyed on the account email: a signed user id alone does not vouch for it.
  const hashOnly = await start({ user_id: "u-ana", lead: { email: "ana@example.com" }, user_hash: hashOf("u-ana") });
  expect((await hashOnly("What are my balances?"))[1].action).toMatchObject({ name: "Get Balances", status: "refused" });

  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "u-ana", email: "ana@example.com", aud: "novaex", exp: Math.floor(Date.now() / 1000) + 600 })}`;
  const userJwt = `${head}.${createHmac("sha256", vars.IDENTITY_SECRET).update(head).digest("base64url")}`;
  const signedIn = await start({ user_jwt: userJwt });
  const next = await signedIn("What are my balances?");
  expect(next[1].text).toContain("sent a one-time code"); // on to the code check, not refused
});
