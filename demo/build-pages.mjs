// Renders the site directory's knowledge files into the demo website (the pages the agent cites),
// around demo/web/page.html, and copies the home page and stylesheet. The pages, their titles and
// URLs come from `site-bundle` (shared/src/site_dir.rs), the reader the edge is built from, so a
// page cited by the agent is the page rendered here.
// Usage: node demo/build-pages.mjs <site dir> <output dir>
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const [siteDir, outDir] = process.argv.slice(2);
if (!siteDir || !outDir) throw new Error("usage: node demo/build-pages.mjs <site dir> <output dir>");
// A site directory may bring its own page templates (web/page.html, web/index.html); else the demo's.
const web = existsSync(join(siteDir, "web", "page.html")) ? join(siteDir, "web") : join(dirname(fileURLToPath(import.meta.url)), "web");

const escape = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
// Must match edge/src/knowledge/chunk.rs `slug`, or cited anchors would miss.
const slug = (h) => h.replace(/['\u2019]/g, "").split(/[^\p{L}\p{N}]+/u).filter(Boolean).map((w) => w.toLowerCase()).join("-");
const inline = (s) =>
  escape(s)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/\[([^\]]+)\]\(((?:https?:\/\/|\/)[^)\s]*)\)/g, '<a href="$2">$1</a>');

function render(md) {
  const out = [];
  let list = null;
  let para = [];
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(" "))}</p>`), (para = []);
    if (list) out.push(`<ul>${list.map((i) => `<li>${inline(i)}</li>`).join("")}</ul>`), (list = null);
  };
  for (const raw of md.split("\n")) {
    const line = raw.trim();
    const h = /^(#{1,3}) (.*)$/.exec(line);
    if (!line) flush();
    else if (h) {
      flush();
      const level = h[1].length;
      out.push(`<h${level} id="${slug(h[2])}">${inline(h[2])}</h${level}>`);
    } else if (/^[-*] /.test(line)) {
      if (para.length) flush();
      (list = list || []).push(line.slice(2));
    } else para.push(line);
  }
  flush();
  return out.join("\n");
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = JSON.parse(
  execFileSync("cargo", ["run", "-q", "-p", "shared", "--bin", "site-bundle", "--", siteDir], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 }),
);
// Pages published elsewhere (an absolute base_url or url) are cited there, not rendered here.
const docs = bundle.knowledge.filter((d) => d.url.startsWith("/"));

const template = readFileSync(join(web, "page.html"), "utf8");
const nav = docs.map((d) => `<a href="${escape(d.url)}">${escape(d.title)}</a>`).join("\n");
mkdirSync(outDir, { recursive: true });
for (const d of docs) {
  // Pages are cited without ".html" (the assets server redirects "x.html" to "x").
  const file = join(outDir, d.url.replace(/^\//, "").replace(/#.*$/, "") + ".html");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, template.replaceAll("{{title}}", escape(d.title)).replace("{{nav}}", nav).replace("{{content}}", render(d.body)));
}
writeFileSync(join(outDir, "index.html"), readFileSync(join(web, "index.html"), "utf8").replace("{{nav}}", nav));
copyFileSync(join(existsSync(join(web, "site.css")) ? web : join(dirname(fileURLToPath(import.meta.url)), "web"), "site.css"), join(outDir, "site.css"));
console.log(`demo site: ${docs.length} pages from ${siteDir}/knowledge`);
