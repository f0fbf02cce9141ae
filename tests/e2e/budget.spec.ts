// The widget's download budget, measured on the assets the edge serves.
import { test, expect } from "@playwright/test";
import { execFileSync } from "node:child_process";

test("the loader stays within its 2 KB gzip budget", () => {
  const sizes = JSON.parse(execFileSync("node", ["scripts/size-report.mjs", "--json"], { encoding: "utf8" }));
  expect(sizes.loader.gzip).toBeLessThanOrEqual(2048);
  expect(sizes.wasm.raw).toBeGreaterThan(0);
});

test("the edge serves the loader and the app", async ({ request }) => {
  const loader = await request.get("/widget.js");
  expect(loader.status()).toBe(200);
  expect(loader.headers()["content-type"]).toContain("javascript");
  const app = await request.get("/widget/");
  expect(app.status()).toBe(200);
  expect(await app.text()).toContain(".wasm");
});
