// Verifies a Switchboard webhook (the snippet in the README, "Handoff webhook"): the
// Switchboard-Signature header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
// Pass the raw body exactly as received (before JSON parsing) and your signing secret.
import { createHmac, timingSafeEqual } from "node:crypto";

export function verifySwitchboardSignature(secret, header, rawBody, toleranceSeconds = 300) {
  const parts = String(header ?? "").split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  const signatures = parts.filter(([k]) => k === "v1").map(([, v]) => v);
  if (!Number.isInteger(t) || signatures.length === 0) return false;
  if (Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false; // a replay, or a clock far off
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  return signatures.some((s) => {
    const given = Buffer.from(s, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
