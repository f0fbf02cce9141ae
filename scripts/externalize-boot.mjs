// Moves the inline <script type="module"> that Trunk writes into the widget's index.html (it
// imports the wasm-bindgen glue and starts the app) into a file of its own, so the page's CSP can
// forbid inline script. The file is named by its content hash, like Trunk's other outputs.
// Fails if any inline script is left, or if there was none to move (Trunk's output changed).
// Usage: node scripts/externalize-boot.mjs <widget dist dir> <public url, e.g. /widget/>
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";

const [dir, base] = process.argv.slice(2);
if (!dir || !base) throw new Error("usage: node scripts/externalize-boot.mjs <widget dist dir> <public url>");
const page = join(dir, "index.html");
let html = readFileSync(page, "utf8");
const inline = /<script\b(?![^>]*\bsrc=)([^>]*)>([\s\S]*?)<\/script>/gi;
const found = [...html.matchAll(inline)];
if (found.length !== 1 || !/\btype=["']?module\b/i.test(found[0][1])) {
  console.error(`${page}: expected one inline module script from Trunk, found ${found.length}`);
  process.exit(1);
}
const code = found[0][2].trim() + "\n";
const name = `boot-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`;
writeFileSync(join(dir, name), code);
html = html.replace(found[0][0], `<script type="module" src="${base}${name}"></script>`);
if (inline.test(html)) {
  console.error(`${page}: an inline script is still there`);
  process.exit(1);
}
writeFileSync(page, html);
