import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { Browser, Page } from "playwright-core";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { createWebhookDeliverer } from "../src/jobs/webhook-deliverer.ts";
import { createWebhooksOutRepository } from "../src/webhooks-out/webhooks-out.repository.ts";
import { ARTIFACTS, launchChromium, shootAtWidths, watchPage } from "./browser.ts";
import {
  API_KEY,
  auth,
  buildHarness,
  COLLECTOR,
  createTestDb,
  saleBody,
  TOKEN,
  type TestDb,
} from "./helpers.ts";

// The dashboard's Webhooks page in headless Chromium: the endpoint, a delivery the receiver
// refused (its answer, latency and error), then Retry from the page delivering it.

describe("the Webhooks page", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  let server: Server;
  let receiver: Server;
  let answer = 500;
  let base = "";
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let deliverer: ReturnType<typeof createWebhookDeliverer>;
  let app: ReturnType<typeof buildHarness>["app"];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTestDb();
    sim = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
    });
    const repo = createWebhooksOutRepository(db.prisma);
    const policy = { publicOnly: false, resolve: async () => [] };
    app = buildHarness(db, { mpBaseUrl: sim.baseUrl, webhooksOut: { repo, policy } }).app;
    deliverer = createWebhookDeliverer({
      repo,
      logger: pino({ level: "silent" }),
      policy,
      config: {
        timeoutMs: 2000,
        retryBaseMs: 60_000,
        retryForMs: 3_600_000,
        disableAfterMs: 7_200_000,
        pollMs: 1000,
      },
    });
    server = createServer(app).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(answer).end(answer === 500 ? "receiver broke" : ""));
    }).listen(0, "127.0.0.1");
    await new Promise((r) => receiver.once("listening", r));
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watchPage(page, "webhooks", problems);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
    await new Promise((r) => server?.close(r));
    await new Promise((r) => receiver?.close(r));
    await db?.drop();
  });

  it("lists endpoints and deliveries, and Retry delivers again", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await request(app)
      .post("/webhook-endpoints")
      .set(auth)
      .send({ url, events: ["sale.created"] })
      .expect(201);
    const body = saleBody();
    await request(app).post("/sales").set(auth).send(body).expect(201);
    await deliverer.runOnce(); // the receiver answers 500

    await page.goto(`${base}/dashboard/webhooks`);
    await page.fill("#signin-key", API_KEY);
    await page.press("#signin-key", "Enter");
    await page.locator(`#endpoints tr`).first().waitFor();
    expect(await page.textContent("#endpoints")).toContain(url);
    expect(await page.textContent("#endpoints")).toContain("Enabled");
    const row = page.locator(`#deliveries tr[data-status="pending"]`);
    await row.waitFor();
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("sale.created");
    expect(text).toContain(body.external_reference);
    expect(text).toContain("500");
    expect(text).toContain("receiver broke");
    await shootAtWidths(page, "dashboard-webhooks", [390, 1280]);

    answer = 204;
    await page.click("#deliveries button[data-retry]");
    await expect.poll(() => page.textContent("#message")).toContain("queued again");
    await deliverer.runOnce();
    await page.reload();
    await page.locator(`#deliveries tr[data-status="succeeded"]`).waitFor();
    expect(await page.textContent("#deliveries")).toContain("204");
    const stored = await db.prisma.webhookDelivery.findFirstOrThrow();
    expect(stored).toMatchObject({ status: "succeeded", attempts: 2, lastStatusCode: 204 });
    expect(problems).toEqual([]);
  }, 60_000);
});
