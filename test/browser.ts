import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";

// The browser the page tests drive (one launcher, the simulator package's), and what every page
// test does with a page: collect its errors, and screenshot it at each width it must fit.
export { CHROMIUM, launchChromium } from "../packages/mercadopago-simulator/test/browser.ts";

/** Where screenshots go (git-ignored; the README's are copied to docs/screenshots/). */
export const ARTIFACTS = join(process.cwd(), "test-artifacts");

/** Console errors and uncaught exceptions of `p`, pushed to `problems` named by `name`. */
export function watchPage(p: Page, name: string, problems: string[]): void {
  p.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // a failed load names its URL (path only: the port changes), so each one is accounted for
    const url = msg.location().url ? new URL(msg.location().url).pathname : "";
    problems.push(`${name}: ${msg.text()}${url ? ` ${url}` : ""}`);
  });
  p.on("pageerror", (err) => problems.push(`${name}: ${err.message}`));
}

// What the helpers touch in the page, typed structurally: the project's TypeScript has no DOM types.
interface Win {
  document: { documentElement: { scrollWidth: number } };
  requestAnimationFrame(cb: () => void): void;
}

/** A screenshot of `p` at each width (`name-<width>.png`), which it must fit without scrolling sideways. */
export async function shootAtWidths(
  p: Page,
  name: string,
  widths: readonly number[],
): Promise<void> {
  for (const width of widths) {
    await p.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    // the layout settles before it is measured
    await p.evaluate(
      () => new Promise((r) => (globalThis as unknown as Win).requestAnimationFrame(() => r(null))),
    );
    const scrollWidth = await p.evaluate(
      () => (globalThis as unknown as Win).document.documentElement.scrollWidth,
    );
    await p.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    expect(scrollWidth, `${name} at ${width} px`).toBeLessThanOrEqual(width);
  }
}
