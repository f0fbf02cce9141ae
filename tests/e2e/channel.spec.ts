// The channel between a host page and the chat is closed to everyone else: an ad's iframe on the
// page cannot command the chat, a site the owner did not list cannot frame it, and what the chat
// tells its host page goes to that page's origin only. The demo backend (127.0.0.1:8788) plays
// the other site: the demo agent allows only the edge's own pages and :8787.
import { test, expect, Page, Request } from "@playwright/test";

const BACKEND = "http://127.0.0.1:8788";

/** Every request the page (and its frames) makes to the edge's API, with its body. */
function recordApiCalls(page: Page): { method: string; path: string; body: string }[] {
  const calls: { method: string; path: string; body: string }[] = [];
  page.on("request", (r: Request) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith("/api/")) calls.push({ method: r.method(), path: url.pathname, body: r.postData() ?? "" });
  });
  return calls;
}

test("an ad's iframe on the host page cannot open, identify or set attributes in the chat; the page itself can", async ({ page, baseURL }) => {
  const calls = recordApiCalls(page);
  await page.addInitScript(() => {
    (window as any).__ad = { reached: 0, round: 0 };
    addEventListener("message", (e) => {
      if (e.data && e.data.ad === "posted") (window as any).__ad = e.data;
    });
  });
  await page.goto("/");
  // The loader's iframe sits in a shadow root, which Chromium leaves out of `window.frames`, so
  // an ad could not even address it there. This page also embeds the chat in its own document
  // (as an owner may), where the ad can reach it: the chat itself must ignore the ad.
  const embedded = page.waitForResponse((r) => r.url() === `${baseURL}/api/v1/site` && r.frame().name() === "embedded");
  await page.evaluate((ad) => {
    const chat = document.createElement("iframe");
    chat.name = "embedded";
    chat.title = "Embedded chat";
    chat.src = `/widget/?site=novaex&origin=${encodeURIComponent(location.origin)}`;
    document.body.appendChild(chat);
    const frame = document.createElement("iframe");
    frame.src = ad;
    frame.title = "Advertisement";
    document.body.appendChild(frame);
  }, `${BACKEND}/__channel/ad`);
  await embedded; // the embedded chat is loaded and listening to its host page

  // The ad reaches the embedded chat and keeps sending it commands for a while.
  await expect.poll(() => page.evaluate(() => (window as any).__ad.reached)).toBeGreaterThanOrEqual(1);
  const round = await page.evaluate(() => (window as any).__ad.round);
  await expect.poll(() => page.evaluate(() => (window as any).__ad.round)).toBeGreaterThan(round + 10);
  expect(calls.filter((c) => c.method === "POST"), "the ad's 'open' started nothing").toEqual([]);
  await expect(page.getByTitle("Embedded chat").contentFrame().getByText("I'm Nova")).toHaveCount(0);

  // The host page's own calls still work, through the loader.
  await page.evaluate(() => (window as any).Switchboard.setAttributes({ plan: "pro" }));
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("what are the withdrawal fees for bitcoin?");
  await box.press("Enter");
  await expect(chat.getByRole("log")).toContainText("0.0002 BTC");

  const created = calls.filter((c) => c.method === "POST" && c.path === "/api/v1/conversations");
  expect(created).toHaveLength(1);
  expect(JSON.parse(created[0].body)).toEqual({ attributes: { plan: "pro" } });
  const writes = calls.filter((c) => c.method === "POST").map((c) => c.body);
  expect(writes.join("\n")).not.toMatch(/forged|u-ben|Forged/);
});

test("a site the owner did not list cannot frame the chat; the edge's own pages can", async ({ page, baseURL }) => {
  const calls = recordApiCalls(page);
  await page.goto(`${BACKEND}/__channel/page`);
  // The other site pastes the loader, as a copycat would.
  await page.evaluate((src) => {
    const s = document.createElement("script");
    s.src = src;
    s.dataset.site = "novaex";
    document.body.appendChild(s);
  }, `${baseURL}/widget.js`);
  await page.getByRole("button", { name: "Open chat" }).click();
  // Chromium replaces a frame its CSP blocks with its error page. (The console's "Framing …
  // violates frame-ancestors" line is not asserted: it was once not reported within the wait in
  // a loaded CI run, while the frame was blocked all the same.)
  await expect
    .poll(() => page.frames().map((f) => f.url()))
    .toContain("chrome-error://chromewebdata/");
  expect(page.frames().map((f) => f.url()).filter((u) => u.includes("/widget/")), "no chat page loaded").toEqual([]);
  const chat = page.getByTitle("Support chat").contentFrame();
  await expect(chat.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  expect(calls, "the blocked chat never ran").toEqual([]);

  const widget = await page.request.get(`${baseURL}/widget/`);
  const csp = widget.headers()["content-security-policy"];
  expect(csp).toContain("frame-ancestors 'self' http://127.0.0.1:8787 http://localhost:8787;");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(widget.headers()["x-content-type-options"]).toBe("nosniff");
  expect(await widget.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(page.getByTitle("Support chat").contentFrame().getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
});

test("even where frame-ancestors is not enforced, a framing site hears nothing and commands nothing", async ({ page, baseURL }) => {
  // Plays a browser without frame-ancestors support: the chat's CSP is removed on the way.
  await page.route(`${baseURL}/widget/**`, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["content-security-policy"];
    await route.fulfill({ response, headers });
  });
  const calls = recordApiCalls(page);
  await page.goto(`${BACKEND}/__channel/page`);
  // The framing site claims to be the edge's own page (`origin=` is only a claim), and also
  // frames the chat honestly; it listens for anything the chat says and sends it commands.
  const claims = [baseURL!, BACKEND];
  await page.evaluate(
    ({ base, claims }) => {
      (window as any).__heard = [];
      addEventListener("message", (e) => (window as any).__heard.push(e.data));
      claims.forEach((claim, i) => {
        const f = document.createElement("iframe");
        f.title = `Chat ${i}`;
        f.src = `${base}/widget/?site=novaex&open=1&origin=${encodeURIComponent(claim)}`;
        document.body.appendChild(f);
      });
      setInterval(() => {
        for (let i = 0; i < frames.length; i++) {
          frames[i].postMessage({ switchboard: "attributes", attributes: { plan: "forged" } }, "*");
          frames[i].postMessage({ switchboard: "open" }, "*");
        }
      }, 200);
    },
    { base: baseURL!, claims },
  );
  // `open=1` starts the chat without the channel; the visitor can use it.
  const chat = page.getByTitle("Chat 0").contentFrame();
  await expect(chat.getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("what are the withdrawal fees for bitcoin?");
  await box.press("Enter");
  await expect(chat.getByRole("log")).toContainText("0.0002 BTC");
  await expect(page.getByTitle("Chat 1").contentFrame().getByRole("log", { name: "Messages" })).toContainText("I'm Nova");
  await page.waitForTimeout(500);

  // The message events went to the claimed origin, which this page is not: it heard nothing.
  expect(await page.evaluate(() => (window as any).__heard)).toEqual([]);
  expect(calls.filter((c) => c.path.endsWith("/attributes")), "no forged attributes").toEqual([]);
  expect(calls.map((c) => c.body).join("\n")).not.toContain("forged");
});

test("the chat works under its CSP without a single violation: greeting, buttons, an answer, a form card", async ({ page }) => {
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto("/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const log = chat.getByRole("log", { name: "Messages" });
  await expect(log).toContainText("I'm Nova");
  await chat.getByRole("button", { name: "How long do withdrawals take?" }).click();
  await expect(log.getByRole("listitem")).toHaveCount(3); // greeting, quick reply, answer
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("I want to report a missing deposit");
  await box.press("Enter");
  const form = chat.getByRole("region", { name: "Report a missing deposit" });
  const email = form.getByLabel("Your account email");
  await email.fill("ana@");
  await email.blur();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await email.fill("ana@example.com");
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(form.getByText("Asset is required.")).toBeVisible();

  const frame = page.frames().find((f) => f.url().includes("/widget/"))!;
  expect(await frame.evaluate(() => (window as any).__violations)).toEqual([]);
  expect(logs.filter((l) => /Content Security Policy|Refused to/.test(l))).toEqual([]);
  // The brand colour came through CSSOM, and the policy is really in force in the chat.
  expect(await frame.evaluate(() => document.documentElement.style.getPropertyValue("--accent"))).toBe("#4f46e5");
  const inline = await frame.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__inlineRan = true";
    document.head.append(s);
    return (window as any).__inlineRan ?? false;
  });
  expect(inline, "an inline script is refused").toBe(false);
  await expect.poll(() => frame.evaluate(() => (window as any).__violations)).toEqual(["script-src-elem inline"]);
});
