// End-to-end suite: starts the built edge in workerd with a fresh D1 state and drives it with
// Debian's headless Chromium (no browser download). Run through scripts/test, which builds first.
import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const port = Number(process.env.SWITCHBOARD_TEST_PORT ?? 8799);
// The demo edge's local state. Each test worker loads this file again and inherits the runner's
// environment, so it finds the same directory (tests check what the edge leaves on disk).
const state = process.env.SWITCHBOARD_E2E_STATE ?? mkdtempSync(join(tmpdir(), "switchboard-test-"));
process.env.SWITCHBOARD_E2E_STATE = state;
// The second example site (tests/sites/shop), built by scripts/build-site-edge into target/sites/shop.
const shopState = mkdtempSync(join(tmpdir(), "switchboard-shop-"));
// The third example site (tests/sites/clinic), whose agent runs on a model: the scripted one.
const clinicState = mkdtempSync(join(tmpdir(), "switchboard-clinic-"));

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1, // two cores: workerd and Chromium already use both
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: "tests/results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
      ],
    },
  },
  webServer: [
    {
      // The owner's API that the demo actions call (its address is in demo/site/actions).
      command: "node demo/backend/server.mjs 8788",
      url: "http://127.0.0.1:8788/__requests",
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
    },
    {
      command: `bash scripts/serve-edge ${port} ${state}`,
      url: `http://127.0.0.1:${port}/api/v1/site`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      // The shop's own API, which its actions call.
      command: "node tests/sites/shop/backend.mjs 8790",
      url: "http://127.0.0.1:8790/__requests",
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
    },
    {
      command: `bash scripts/serve-edge 8797 ${shopState} target/sites/shop`,
      url: "http://127.0.0.1:8797/api/v1/site",
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      // The clinic's scheduling API, which its actions call.
      command: "node tests/sites/clinic/backend.mjs 8791",
      url: "http://127.0.0.1:8791/__requests",
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
    },
    {
      // The scripted OpenAI-compatible model the clinic's `[llm]` points at.
      command: "node tests/model/server.mjs 8792",
      url: "http://127.0.0.1:8792/__requests",
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
    },
    {
      command: `bash scripts/serve-edge 8795 ${clinicState} target/sites/clinic`,
      url: "http://127.0.0.1:8795/api/v1/site",
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
