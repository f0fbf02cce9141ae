// Machine accessibility checks: runs axe-core (the npm dev dependency, WCAG 2.2 AA + best
// practices) in one document (a page, or the chat's iframe) and fails on any violation, listing
// each rule, its impact and the elements it found. axe is injected from node_modules through the
// DevTools protocol (`evaluate`), which the chat page's CSP (`script-src 'self'`) does not govern,
// so the page under test keeps its real CSP and nothing is fetched from anywhere else.
import { expect, Frame, Page } from "@playwright/test";
import { readFileSync } from "node:fs";

const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** The standards checked: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/** What part of the document to check: a CSS selector, or axe's include/exclude form. */
export type AxeContext = string | { include: string[] | string[][]; exclude?: string[] | string[][] };

/** One rule broken, as the failure message shows it. */
type Found = { rule: string; impact: string; help: string; nodes: string[] };

/**
 * Runs axe in `target`'s document (its whole document, or `context` within it) and fails the test
 * on any violation. `state` names what is on screen, for the failure message. Frames inside the
 * checked part are skipped: check each document (e.g. the chat's iframe) with its own call.
 */
export async function expectNoViolations(target: Page | Frame, state: string, context?: AxeContext): Promise<void> {
  // Let animations and transitions settle, so colours are measured as the visitor sees them.
  await target.waitForTimeout(300);
  if (!(await target.evaluate(() => "axe" in window))) await target.evaluate(AXE_SOURCE);
  const found: Found[] = await target.evaluate(
    async ([context, tags]) => {
      const axe = (window as any).axe;
      const results = await axe.run(context ?? document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
        iframes: false,
      });
      return results.violations.map((v: any) => ({
        rule: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n: any) => `${JSON.stringify(n.target)} ${n.failureSummary.replace(/\s+/g, " ")}`),
      }));
    },
    [context, AXE_TAGS] as const,
  );
  expect(found, `axe found accessibility violations (${state})`).toEqual([]);
}
