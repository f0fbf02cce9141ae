// In-chat forms: the agent shows one, the edge validates submissions as the authority, stores
// them, runs the form's action once, and replies.
import { test, expect, APIRequestContext } from "@playwright/test";

const BACKEND = "http://127.0.0.1:8788";
const TX = "0x741eb852fc9630da741eb852fc9630da741eb852fc9630da741eb852fc9630da";

async function conversationWithForm(request: APIRequestContext) {
  const c = await (await request.post("/api/v1/conversations", { data: { lead: { email: "ana@example.com" } } })).json();
  const auth = { Authorization: `Bearer ${c.token}` };
  const res = await request.post(`/api/v1/conversations/${c.conversation_id}/messages`, {
    headers: auth,
    data: { text: "I want to report a missing deposit", client_message_id: "f1" },
  });
  const [, formMessage] = (await res.json()).messages;
  const submit = (values: object) =>
    request.post(`/api/v1/conversations/${c.conversation_id}/messages/${formMessage.id}/submit`, { headers: auth, data: { values } });
  return { formMessage, submit };
}

test.beforeEach(async ({ request }) => {
  await request.get(`${BACKEND}/__reset`);
});

test("the agent shows the owner's form, with the lead's email filled in and hidden fields left out", async ({ request }) => {
  const { formMessage } = await conversationWithForm(request);
  expect(formMessage.form.title).toBe("Report a missing deposit");
  expect(formMessage.form.fields.map((f: any) => f.name)).toEqual(["asset", "amount", "tx_hash", "sent_on", "email"]);
  expect(formMessage.form.fields.find((f: any) => f.name === "email").default).toBe("ana@example.com");
});

test("invalid or tampered values get per-field errors and nothing is stored or sent", async ({ request }) => {
  const { submit } = await conversationWithForm(request);
  const res = await submit({ asset: "DOGE", amount: "-3", tx_hash: "0x12", email: "nope", conversation: "forged" });
  expect(res.status()).toBe(422);
  const { error } = await res.json();
  expect(error.code).toBe("invalid_form");
  expect(Object.keys(error.fields).sort()).toEqual(["amount", "asset", "conversation", "email", "tx_hash"]);
  const received = await (await request.get(`${BACKEND}/__requests`)).json();
  expect(received.filter((r: any) => r.path === "/v1/tickets")).toHaveLength(0);
});

test("a valid submission is stored, runs the action once with exactly those values, and a second submit changes nothing", async ({ request }) => {
  const { formMessage, submit } = await conversationWithForm(request);
  const values = { asset: "BTC", amount: "0.25", tx_hash: TX, sent_on: "2026-11-20", email: "ana@example.com" };
  const first = await submit(values);
  expect(first.status()).toBe(200);
  const [submission, reply] = (await first.json()).messages;
  expect(submission.submission).toEqual({ form_message_id: formMessage.id, values });
  expect(reply.text).toBe("Thanks — ticket **T-1000** is open. We'll email you within 24 hours.");
  expect(reply.action).toEqual({ name: "Report Missing Deposit", status: "ok" });

  const again = await submit(values);
  expect((await again.json()).messages).toEqual([submission, reply]);
  const tickets = (await (await request.get(`${BACKEND}/__requests`)).json()).filter((r: any) => r.path === "/v1/tickets");
  expect(tickets).toHaveLength(1);
  expect(tickets[0].body).toEqual({ topic: "missing_deposit", ...values, conversation: expect.stringMatching(/^c/), plan: "" }); // no setAttributes: the hidden plan field is empty
});
