import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { Browser, Page } from "playwright-core";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { createWebhookDeliverer } from "../src/jobs/webhook-deliverer.ts";
import { createLiveSales, type LiveSales } from "../src/live/live-sales.ts";
import { createPgSaleFeed, type SaleChangeFeed } from "../src/live/sale-changes.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
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
  type Harness,
  type TestDb,
} from "./helpers.ts";
import { drainInbox } from "./simulator-flows.ts";
import { startReceiver } from "./webhook-receiver.ts";

// A sale's page in headless Chromium: its Notifications section shows the notification the
// simulator (as Mercado Pago) really sent for the payment, and the delivery of sale.paid to a
// receiver on loopback, with its answer and latency.

describe("the sale page's notifications", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  let h: Harness;
  let server: Server;
  let base = "";
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let repo: ReturnType<typeof createWebhooksOutRepository>;
  let feed: SaleChangeFeed;
  let live: LiveSales;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await createTestDb();
    sim = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
    });
    repo = createWebhooksOutRepository(db.prisma);
    const policy = { publicOnly: false, resolve: async () => [] };
    const logger = pino({ level: "silent" });
    feed = createPgSaleFeed({ connectionString: db.directUrl, logger });
    await feed.start();
    const sales = createSalesRepository(db.prisma);
    live = createLiveSales({ feed, load: (id) => sales.findById(id), logger });
    h = buildHarness(db, { mpBaseUrl: sim.baseUrl, webhooksOut: { repo, policy }, live });
    server = createServer(h.app).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sim.sim.notifier.setControls({ overrideUrl: `${base}/webhooks/mercadopago` });
    // the sale's store, so the page shows its zone
    await request(h.app)
      .post("/stores")
      .set(auth)
      .send({
        external_id: saleBody().store_id,
        name: "Sucursal Centro",
        location: {
          street_number: "3039",
          street_name: "Caseros",
          city_name: "Belgrano",
          state_name: "Capital Federal",
          latitude: -34.56,
          longitude: -58.45,
        },
      })
      .expect(201);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watchPage(page, "sale-notifications", problems);
  }, 60_000);

  afterAll(async () => {
    live?.closeAll();
    await feed?.stop();
    await browser?.close();
    await sim?.close();
    await new Promise((r) => server?.close(r));
    await db?.drop();
  });

  it("lists Mercado Pago's notification and the delivery to the store's system", async () => {
    const receiver = await startReceiver();
    const endpoint = await request(h.app)
      .post("/webhook-endpoints")
      .set(auth)
      .send({ url: receiver.url, events: ["sale.paid"] })
      .expect(201);
    receiver.setSecret(endpoint.body.secret);
    const body = saleBody();
    await request(h.app).post("/sales").set(auth).send(body).expect(201);
    const { payment } = sim.sim.pay(body.pos_id, { status: "approved", amount: 5 });
    await drainInbox({ db, sim, h, server });
    const deliverer = createWebhookDeliverer({
      repo,
      logger: pino({ level: "silent" }),
      policy: { publicOnly: false, resolve: async () => [] },
      config: {
        timeoutMs: 2000,
        retryBaseMs: 60_000,
        retryForMs: 3_600_000,
        disableAfterMs: 7_200_000,
        pollMs: 1000,
      },
    });
    await deliverer.runOnce();
    expect(receiver.got.map((g) => g.type)).toEqual(["sale.paid"]);

    await page.goto(`${base}/dashboard/sales/${encodeURIComponent(body.external_reference)}`);
    await page.fill("#signin-key", API_KEY);
    await page.press("#signin-key", "Enter");
    await page.locator("#notifications:not([hidden])").waitFor();
    expect(await page.textContent("#notifications h2")).toBe("Notifications");

    const inbound = (await page.textContent("#inbound")) ?? "";
    expect(inbound).toMatch(/merchant_order|payment/);
    expect(inbound).toMatch(new RegExp(`${payment.id}|${payment.order?.id ?? "-"}`));
    expect(inbound).toContain("not signed");
    expect(inbound).toContain("this sale, read");
    expect(await page.isHidden("#no-inbound")).toBe(true);

    const row = page.locator('#outbound tr[data-event="sale.paid"]');
    const text = (await row.textContent()) ?? "";
    expect(text).toContain(receiver.url);
    expect(text).toContain("204");
    expect(text).toMatch(/\d+ ms/);
    await shootAtWidths(page, "dashboard-sale-notifications", [390, 1280]);
    expect(problems).toEqual([]);
    await receiver.close();
  });
});
