// A crash loses nothing acknowledged. An edge of its own (port 8796, a fresh state directory) takes
// a visitor's messages and an agent's reply; the edge process (wrangler and workerd) is killed with
// SIGKILL right after the acknowledgements, before the conversation object's journal reaches D1
// (a visitor's plain messages wait up to a second for the object's alarm); it is started again on
// the same state. Every acknowledged message is in the visitor's history exactly once, and the
// inbox (which reads D1) finds them.
import { test, expect, request as apiRequest, APIRequestContext } from "@playwright/test";
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN } from "./support";

const PORT = 8796;
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = "a long enough passphrase";
test.describe.configure({ mode: "serial", timeout: 240_000 });

function start(state: string): ChildProcess {
  // Its own process group, so the kill takes wrangler and its workerd together. Its log is kept
  // beside the state, for a failure's post-mortem.
  const log = openSync(join(state, "edge.log"), "a");
  return spawn("bash", ["scripts/serve-edge", String(PORT), state], { detached: true, stdio: ["ignore", log, log] });
}

function crash(edge: ChildProcess) {
  process.kill(-edge.pid!, "SIGKILL");
}

async function ready(api: APIRequestContext) {
  await expect
    .poll(async () => (await api.get("/api/v1/site").catch(() => null))?.status() ?? 0, { timeout: 120_000, intervals: [500] })
    .toBe(200);
}

async function stopped(api: APIRequestContext) {
  await expect.poll(async () => (await api.get("/api/v1/site").catch(() => null)) === null, { timeout: 30_000 }).toBe(true);
}

test("messages and a reply acknowledged just before the edge is killed are all there after it restarts, once", async () => {
  const state = mkdtempSync(join(tmpdir(), "switchboard-crash-"));
  console.log(`crash: state and log in ${state}`);
  let edge = start(state);
  const api = await apiRequest.newContext({ baseURL: BASE });
  try {
    await ready(api);
    // An agent, signed in, who will search the inbox (D1) and reply.
    const email = `crash${Date.now()}@nova.example`;
    expect((await api.post("/api/v1/admin/agents", { headers: ADMIN, data: { email, name: "Sam Rivera", password: PASSWORD } })).status()).toBe(201);
    const session = await api.post("/api/v1/inbox/session", { headers: { Origin: BASE }, data: { email, password: PASSWORD } });
    const cookie = session.headers()["set-cookie"].split(";")[0];
    const asAgent = { Cookie: cookie, Origin: BASE };

    // A conversation handed to a human, claimed: the agent's reply is acknowledged, then the crash.
    const handed = await (await api.post("/api/v1/conversations", { data: {} })).json();
    const visitor = { Authorization: `Bearer ${handed.token}` };
    const say = (id: string, auth: object, text: string, k: string) =>
      api.post(`/api/v1/conversations/${id}/messages`, { headers: auth, data: { text, client_message_id: k } });
    expect((await say(handed.conversation_id, visitor, "someone logged into my account", "h1")).status()).toBe(200);
    expect((await api.post(`/api/v1/inbox/conversations/${handed.conversation_id}/claim`, { headers: asAgent })).status()).toBe(200);

    // A conversation with the AI: plain messages, each acknowledged (the object's alarm passes them to D1 a second later).
    const ai = await (await api.post("/api/v1/conversations", { data: {} })).json();
    const aiAuth = { Authorization: `Bearer ${ai.token}` };
    // Questions the AI answers from the help pages, so it keeps the conversation (a handed-off
    // conversation flushes every message at once) and each write waits for the object's alarm.
    const questions = [
      "How long do withdrawals usually take?",
      "what are the withdrawal fees for bitcoin?",
      "How much do you take per trade?",
      "How many confirmations does an Ethereum deposit need?",
      "How much can I withdraw per day?",
    ];
    let acknowledged = 0;
    for (const [i, question] of questions.entries()) {
      // The last one just after the alarm passed the others on: its own alarm is a second away.
      if (i === questions.length - 1) await new Promise((r) => setTimeout(r, 1500));
      if ((await say(ai.conversation_id, aiAuth, question, `k${i}`)).status() === 200) acknowledged++;
    }
    // The agent's reply, acknowledged (an agent's reply reaches D1 before its answer).
    const reply = await api.post(`/api/v1/inbox/conversations/${handed.conversation_id}/messages`, {
      headers: asAgent,
      data: { text: "Sam here: I have locked your account.", client_message_id: "r1" },
    });
    expect(reply.status()).toBe(201);
    // D1 has not got the last question yet: the inbox's search (D1) does not find it.
    const search = async (q: string) =>
      (await (await api.get(`/api/v1/inbox/conversations?view=ai&q=${encodeURIComponent(q)}`, { headers: asAgent })).json()).conversations.length;
    const last = questions[questions.length - 1];
    const before = await search(last);
    expect(before, "the last message had not reached D1 when the edge died").toBe(0);
    crash(edge);
    await stopped(api);

    edge = start(state);
    await ready(api);
    // The inbox reads D1: the object's journal reaches it after the restart by itself (its alarm
    // was stored with it), before anyone asks the object anything.
    await expect.poll(() => search(last), { timeout: 20_000 }).toBe(1);
    const messages = async (id: string, auth: object) =>
      (await (await api.get(`/api/v1/conversations/${id}/messages`, { headers: auth })).json()).messages as any[];
    const history = async (id: string, auth: object) => (await messages(id, auth)).map((m) => m.text);
    const texts = await history(ai.conversation_id, aiAuth);
    const kept = questions.filter((q) => texts.filter((t) => t === q).length === 1).length;
    console.log(`crash: ${acknowledged} visitor messages and 1 agent reply acknowledged; ${kept} messages found once after the restart`);
    expect(kept).toBe(acknowledged);
    const ids = (await messages(ai.conversation_id, aiAuth)).map((m) => m.id);
    expect(new Set(ids).size, "nothing stored twice").toBe(ids.length);
    const repliedTexts = await history(handed.conversation_id, visitor);
    expect(repliedTexts.filter((t) => t === "Sam here: I have locked your account.")).toHaveLength(1);
    const detail = await (await api.get(`/api/v1/inbox/conversations/${handed.conversation_id}`, { headers: asAgent })).json();
    expect(detail.messages.filter((m: any) => m.text === "Sam here: I have locked your account.")).toHaveLength(1);
    crash(edge);
    rmSync(state, { recursive: true, force: true }); // kept only when the test fails
  } finally {
    try {
      crash(edge);
    } catch {} // already stopped
    await api.dispose();
  }
});
