import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { SalesService } from "../src/sales/sales.service.ts";
import { launchChromium } from "./browser.ts";

// The /docs page (Swagger UI on /openapi.json) as a reader sees it in headless Chromium: every
// operation rendered, no banner about the document, no console error, nothing fetched from
// elsewhere. The document is built from code alone, so no database is needed.

const ARTIFACTS = join(process.cwd(), "test-artifacts");
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

let server: Server;
let base: string;
let browser: Browser;
let page: Page;
/** console errors and uncaught exceptions */
const problems: string[] = [];
/** requests to anywhere but this service */
const outside: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const app = createApp({
    logger: pino({ level: "silent" }),
    // the page and the document call no service
    sales: {} as SalesService,
    recordNotification: async () => {},
    ping: async () => {},
    config: {
      apiKeys: ["full-key-0123456789abcdef"],
      webhookSecret: undefined,
      rateLimitPerMinute: 1000,
    },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  page.on("request", (req) => {
    if (!req.url().startsWith(`${base}/`) && !req.url().startsWith("data:")) {
      outside.push(req.url());
    }
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("/docs in a browser", () => {
  it("renders every operation of /openapi.json, with no warning about the document", async () => {
    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(spec.paths).flatMap((item) =>
      Object.keys(item).filter((key) => METHODS.includes(key)),
    );
    expect(operations.length).toBeGreaterThan(20);

    await page.goto(`${base}/docs`);
    await page.locator(".info .title").waitFor();
    await expect
      .poll(() => page.locator(".opblock").count(), { timeout: 20_000 })
      .toBe(operations.length);
    expect(await page.textContent(".info .title")).toContain("mp-qr-pos");

    // Swagger UI puts what it finds wrong with a document above the operations: an errors
    // box (parse or resolve errors) and a version banner (a document it cannot fully render)
    const banners = page.locator(".errors-wrapper, .version-pragma");
    expect(await banners.count(), (await banners.allTextContents()).join(" | ")).toBe(0);

    await page.screenshot({ path: join(ARTIFACTS, "docs-1280.png"), fullPage: true });
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  }, 45_000);
});
