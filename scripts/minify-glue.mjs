// Minifies the wasm-bindgen glue Trunk writes next to the widget's wasm (Trunk's `minify` leaves
// it as generated: 54 KB of indented JS), with esbuild, which the loader's build uses already,
// and writes the page's `integrity` for it again (the browser checks the preload against it).
// Usage: node scripts/minify-glue.mjs <widget dist dir>
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { transformSync } from "esbuild";

const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: node scripts/minify-glue.mjs <widget dist dir>");
const page = join(dir, "index.html");
let html = readFileSync(page, "utf8");
const preload = /<link\b[^>]*\bhref=["']?([^"' >]+\.js)["']?[^>]*\bintegrity=["']?(sha384-[A-Za-z0-9+/=]+)["']?[^>]*>/gi;
const found = [...html.matchAll(preload)];
if (found.length !== 1) {
  console.error(`${page}: expected one preloaded glue script from Trunk, found ${found.length}`);
  process.exit(1);
}
const [, href, integrity] = found[0];
const file = join(dir, href.split("/").pop());
const { code } = transformSync(readFileSync(file, "utf8"), { minify: true, format: "esm", target: "es2020" });
writeFileSync(file, code);
const hash = `sha384-${createHash("sha384").update(code).digest("base64")}`;
html = html.replace(integrity, hash);
writeFileSync(page, html);
