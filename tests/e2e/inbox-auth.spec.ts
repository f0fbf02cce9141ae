// Agents sign in to the inbox: the owner adds them, a session cookie (HttpOnly, Secure,
// SameSite=Strict) opens the inbox API, and nothing else does — no session, a visitor's token,
// another site's page, or guessing passwords.
import { test, expect, APIRequestContext } from "@playwright/test";
import { ADMIN } from "./support";

const SELF = "http://127.0.0.1:8799";
const PASSWORD = "a long enough passphrase";
let n = 0;
const newEmail = () => `agent${Date.now()}${n++}@pinecone.example`;

async function addAgent(request: APIRequestContext, email: string) {
  const r = await request.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name: "Sam Rivera", password: PASSWORD } });
  expect(r.status()).toBe(201);
  return r.json();
}

const signIn = (request: APIRequestContext, email: string, password: string, origin: string | null = SELF) =>
  request.post("/api/v1/inbox/session", { headers: origin ? { Origin: origin } : {}, data: { email, password } });

test("an agent signs in from the site's own page; the session cookie opens the inbox until signing out", async ({ page, request }) => {
  const email = newEmail();
  await addAgent(request, email);
  await page.goto("/");
  // In the browser, as the inbox page will: fetch with the page's own origin and cookies.
  const signedIn = await page.evaluate(async ({ email, password }) => {
    const r = await fetch("/api/v1/inbox/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
    const me = await fetch("/api/v1/inbox/me");
    return { status: r.status, me: me.status, name: (await me.json()).name, readable: document.cookie.includes("sb_agent") };
  }, { email, password: PASSWORD });
  expect(signedIn).toEqual({ status: 200, me: 200, name: "Sam Rivera", readable: false }); // HttpOnly: no script reads it
  const cookie = (await page.context().cookies()).find((c) => c.name === "__Host-sb_agent")!;
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });

  const out = await page.evaluate(async () => {
    await fetch("/api/v1/inbox/session", { method: "DELETE" });
    return (await fetch("/api/v1/inbox/me")).status;
  });
  expect(out).toBe(401);
});

test("no session, a visitor's token or another site's page get nothing", async ({ request }) => {
  const email = newEmail();
  await addAgent(request, email);
  expect((await request.get("/api/v1/inbox/me")).status()).toBe(401);
  const visitor = await (await request.post("/api/v1/conversations", { data: {} })).json();
  const withToken = await request.get("/api/v1/inbox/me", { headers: { Authorization: `Bearer ${visitor.token}` } });
  expect(withToken.status()).toBe(401);
  expect((await withToken.json()).error.code).toBe("not_signed_in");

  const fromEvil = await signIn(request, email, PASSWORD, "https://evil.example");
  expect(fromEvil.status()).toBe(403);
  expect((await fromEvil.json()).error.code).toBe("cross_origin");
  expect((await signIn(request, email, PASSWORD, null)).status()).toBe(403);

  const ok = await signIn(request, email, PASSWORD);
  expect(ok.status()).toBe(200);
  const session = ok.headers()["set-cookie"].split(";")[0];
  const crossSite = await request.get("/api/v1/inbox/me", { headers: { Cookie: session, "Sec-Fetch-Site": "cross-site" } });
  expect(crossSite.status()).toBe(403);
  expect((await request.get("/api/v1/inbox/me", { headers: { Cookie: session } })).status()).toBe(200);
});

test("wrong passwords lock the account for a while, even for the right one", async ({ request }) => {
  const email = newEmail();
  await addAgent(request, email);
  for (let i = 0; i < 5; i++) {
    const r = await signIn(request, email, `wrong guess number ${i}`);
    expect(r.status()).toBe(401);
    expect((await r.json()).error.code).toBe("invalid_credentials");
  }
  const locked = await signIn(request, email, PASSWORD);
  expect(locked.status()).toBe(429);
  expect(Number(locked.headers()["retry-after"])).toBeGreaterThan(0);
  // An unknown email gets the same answer as a wrong password.
  const unknown = await signIn(request, newEmail(), PASSWORD);
  expect(unknown.status()).toBe(401);
  expect((await unknown.json()).error.code).toBe("invalid_credentials");
});
