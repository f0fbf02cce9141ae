// What several specs share: the fake local secrets the edge runs with (edge/.dev.vars.example),
// the owner's admin header, and the demo owner API's address.
import { readFileSync } from "node:fs";

/** The committed example secrets, by name. */
export const devVars: Record<string, string> = Object.fromEntries(
  readFileSync("edge/.dev.vars.example", "utf8")
    .split("\n")
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.split("=") as [string, string]),
);
/** The owner's admin API header. */
export const ADMIN = { Authorization: `Bearer ${devVars.ADMIN_TOKEN}` };
/** The demo owner API (demo/backend/server.mjs). */
export const BACKEND = "http://127.0.0.1:8788";
