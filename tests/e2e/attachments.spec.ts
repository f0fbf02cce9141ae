// Files both ways, with the visitor and the agent in browser contexts of their own: the visitor
// sends a 5 MB photo with the paperclip and the agent sees it in the conversation (the time it
// takes is printed); the agent sends a PDF and the visitor saves it, byte for byte. A page dressed
// as a picture and a file over the site's limit are refused with a sentence that says why; a
// stranger's token and no token are refused the file. axe-core checks both sides with files shown.
import { test, expect } from "@playwright/test";
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { expectNoViolations } from "./axe";
import { addAgent, openChat, signIn, uniqueWord } from "./team";

/** CRC-32 (PNG chunks), by table. */
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Buffer) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/** A real PNG of noise (noise does not compress: `side`² × 3 bytes, about 5 MB at 1300). */
function noisePng(side: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc(side * (side * 3 + 1));
  for (let i = 0; i < rows.length; i++) rows[i] = i % (side * 3 + 1) === 0 ? 0 : (Math.random() * 256) | 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 1 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("a photo from the visitor and a PDF from the agent reach the other side; strangers get neither", async ({ browser, request }) => {
  const tag = uniqueWord();
  // A name of its own: other specs pick colleagues by name from the team's list.
  const ana = await addAgent(request, `Ana ${tag}`);
  const agent = await signIn(browser, ana);
  const visitorPage = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const visitor = await openChat(visitorPage);
  await visitor.say(`someone logged into my account and withdrew my bitcoin (case ${tag})`);
  await expect(visitor.log).toContainText("I'm connecting you with a specialist");
  // The visitor's own conversation, once the search has narrowed the queue to it (earlier specs
  // leave others waiting).
  await agent.getByRole("searchbox", { name: "Search conversations" }).fill(tag);
  const rows = agent.getByRole("list", { name: "Conversations" }).getByRole("button");
  await expect(rows).toHaveCount(1);
  await rows.filter({ hasText: tag }).click();
  await agent.getByRole("button", { name: "Claim" }).click();
  await expect(agent.getByText("You claimed this conversation.")).toBeVisible();

  // The visitor's photo, with the paperclip, as a visitor picks one.
  const photo = noisePng(1300);
  expect(photo.length).toBeGreaterThan(5_000_000);
  const chooser = visitorPage.waitForEvent("filechooser");
  await visitor.chat.getByRole("button", { name: "Attach a file" }).click();
  const started = Date.now();
  await (await chooser).setFiles({ name: "login-screen.png", mimeType: "image/png", buffer: photo });
  const history = agent.getByRole("log", { name: "Conversation history" });
  const seen = history.getByRole("img", { name: "Picture sent: login-screen.png" });
  await expect(seen).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => seen.evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 30_000 }).toBe(1300);
  console.log(`5 MB photo (${(photo.length / 1e6).toFixed(1)} MB): visible to the agent after ${Date.now() - started} ms`);
  // The visitor sees it too (read with the conversation's token), and the AI says nothing.
  const own = visitor.log.getByRole("img", { name: /^login-screen\.png \(5\.\d MB\)$/ });
  await expect.poll(() => own.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1300);
  await expect(visitor.log.getByText("Sending…")).toHaveCount(0);

  // The agent's PDF, and the visitor saves it.
  const agentChooser = agent.waitForEvent("filechooser");
  await agent.getByRole("button", { name: "Attach a file" }).click();
  await (await agentChooser).setFiles({ name: "Account recovery steps.pdf", mimeType: "application/pdf", buffer: PDF });
  await expect(history.getByRole("link", { name: /^Account recovery steps\.pdf/ })).toBeVisible();
  const save = visitor.log.getByRole("link", { name: /^Save Account recovery steps\.pdf \(\d+ bytes\)$/ });
  await expect(save).toBeVisible();
  const download = visitorPage.waitForEvent("download");
  await save.click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe("Account recovery steps.pdf");
  const path = await saved.path();
  expect(readFileSync(path).equals(PDF)).toBe(true);
  const frame = await (await visitorPage.getByTitle("Support chat").elementHandle())!.contentFrame();
  await expectNoViolations(frame!, "chat with a picture and a file");
  await expectNoViolations(agent, "inbox conversation with a picture and a file");

  // A page dressed as a picture, and a file over the site's 10 MB: refused, said why, kept out.
  const pageAsPicture = Buffer.from("<html><script>parent.alert(document.cookie)</script></html>");
  await visitor.chat.locator("input[type=file]").setInputFiles({ name: "cat.png", mimeType: "image/png", buffer: pageAsPicture });
  const notSent = (name: string) => visitor.log.getByRole("listitem").filter({ hasText: name });
  await expect(notSent("cat.png").getByRole("alert")).toHaveText(
    "Not sent. The file's name does not match what it holds. Only pictures (PNG, JPEG, GIF, WebP), PDF and text files can be sent.",
  );
  const big = Buffer.concat([photo, photo]);
  await visitor.chat.locator("input[type=file]").setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: big });
  await expect(notSent("huge.png").getByRole("alert")).toHaveText("Not sent. The file is too large: files can be at most 10 MB.");
  await expect(history).not.toContainText("cat.png");

  // The edge refuses them too, whatever a client checks; and a stranger's token reads nothing.
  const auth = { Authorization: `Bearer ${visitor.token}` };
  const upload = (name: string, data: Buffer) =>
    request.post(`/api/v1/conversations/${visitor.id}/attachments?name=${name}&client_message_id=${uniqueWord()}`, { headers: auth, data });
  expect((await upload("big.png", big)).status()).toBe(413);
  const forged = await upload("cat.png", pageAsPicture);
  expect(forged.status()).toBe(415);
  const messages = await (await request.get(`/api/v1/conversations/${visitor.id}/messages`, { headers: auth })).json();
  const file = messages.messages.find((m: { attachment?: { name: string } }) => m.attachment?.name === "login-screen.png").attachment;
  const url = `/api/v1/conversations/${visitor.id}/attachments/${file.id}`;
  const mine = await request.get(url, { headers: auth });
  expect(mine.status()).toBe(200);
  expect(mine.headers()["x-content-type-options"]).toBe("nosniff");
  expect(mine.headers()["content-type"]).toBe("image/png");
  expect((await mine.body()).equals(photo)).toBe(true);
  const stranger = await (await request.post("/api/v1/conversations", { data: {} })).json();
  expect((await request.get(url, { headers: { Authorization: `Bearer ${stranger.token}` } })).status()).toBe(403);
  expect((await request.get(url)).status()).toBe(401);
});
