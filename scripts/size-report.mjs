// Prints the widget's transfer sizes (raw, gzip, brotli) from edge/public, as served.
// Budgets: loader ≤ 2 KB gzip; the app (everything the chat's iframe loads: page, scripts, wasm,
// styles) ≤ 120 KB brotli. Exits non-zero over either (tests/e2e/budget.spec.ts checks both, the
// app's on what the browser actually fetches). The app's goal is 90 KB brotli (a warning above).
// Usage: node scripts/size-report.mjs [--json]
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { join } from "node:path";

const pub = new URL("../edge/public/", import.meta.url).pathname;
const widget = readdirSync(join(pub, "widget"));
const pick = (re) => widget.filter((f) => re.test(f)).map((f) => join("widget", f));
const groups = {
  loader: ["widget.js"],
  "js glue": pick(/\.js$/),
  wasm: pick(/\.wasm$/),
  css: pick(/\.css$/),
  html: ["widget/index.html"],
};
const measure = (files) =>
  files.reduce(
    (acc, f) => {
      const b = readFileSync(join(pub, f));
      acc.raw += b.length;
      acc.gzip += gzipSync(b, { level: 9 }).length;
      acc.brotli += brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
      return acc;
    },
    { raw: 0, gzip: 0, brotli: 0 },
  );
const rows = Object.fromEntries(Object.entries(groups).map(([k, files]) => [k, measure(files)]));
const rest = ["js glue", "wasm", "css", "html"].reduce((a, k) => a + rows[k].brotli, 0);
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ ...rows, app_brotli_total: rest }));
} else {
  const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
  console.log("asset        raw          gzip         brotli");
  for (const [k, v] of Object.entries(rows)) console.log(k.padEnd(9), kb(v.raw), kb(v.gzip), kb(v.brotli));
  console.log(`budget: loader ${kb(rows.loader.gzip)} gzip (≤ 2 KB); app ${kb(rest)} brotli (≤ 120 KB, goal 90 KB)`);
}
if (rest > 90 * 1024) console.error(`note: the app is ${((rest - 90 * 1024) / 1024).toFixed(1)} KB brotli over its 90 KB goal`);
let over = false;
if (rest > 120 * 1024) {
  console.error("the app is over its 120 KB brotli budget");
  over = true;
}
if (rows.loader.gzip > 2048) {
  console.error("the loader is over its 2 KB gzip budget");
  over = true;
}
if (over) process.exit(1);
