import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** The browser the page tests drive: Debian's Chromium (CI installs it; the tests fail without). */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless Chromium; throws, naming the fix, when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is not installed: apt-get install chromium (CI's .ci/run does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
