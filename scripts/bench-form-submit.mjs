// Benchmark (not a test): time from clicking a form's submit button to the result card (the
// submitted values and the ticket reply), on local workerd, in headless Chromium like a visitor.
// Starts the demo backend and the built edge (run scripts/build-edge and scripts/build-assets
// first). Prints median, min and max. Usage: node scripts/bench-form-submit.mjs [N=12]
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";

const n = Number(process.argv[2] ?? 12);
const port = 8912;
const base = `http://127.0.0.1:${port}`;
const root = new URL("..", import.meta.url).pathname;
const state = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
const children = [
  spawn("node", ["demo/backend/server.mjs"], { cwd: root, stdio: "ignore", detached: true }),
  spawn("bash", ["scripts/serve-edge", String(port), state], { cwd: root, stdio: "ignore", detached: true }),
];
const stop = () => children.forEach((c) => { try { process.kill(-c.pid, "SIGTERM"); } catch {} });
process.on("exit", stop);

for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/api/v1/site`)).ok) break; } catch {}
  if (i > 240) throw new Error("edge did not start");
  await new Promise((r) => setTimeout(r, 250));
}
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";
const times = [];
for (let i = 0; i < n + 1; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.getByRole("button", { name: "Open chat" }).click();
  const chat = page.getByTitle("Support chat").contentFrame();
  const box = chat.getByRole("textbox", { name: "Message" });
  await box.fill("I want to report a missing deposit");
  await box.press("Enter");
  const form = chat.getByRole("region", { name: "Report a missing deposit" });
  await form.getByLabel("Asset").selectOption("ETH");
  await form.getByLabel("Amount").fill("1.5");
  await form.getByLabel("Transaction hash").fill(TX);
  await form.getByLabel("Your account email").fill("ana@example.com");
  const t = performance.now();
  await form.getByRole("button", { name: "Send report" }).click();
  await form.getByRole("status").getByText("Submitted").waitFor();
  await chat.getByText(/ticket T-\d+ is open/).waitFor();
  if (i > 0) times.push(performance.now() - t); // the first run warms up
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`form submit → result card on local workerd, ${n} runs: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms`);
stop();
process.exit(0);
