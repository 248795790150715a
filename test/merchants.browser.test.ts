import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import nock from "nock";
import type { Browser } from "playwright-core";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createMerchantsService } from "../src/merchants/merchants.service.ts";
import { createOAuthClient } from "../src/mercadopago/oauth.calls.ts";
import { launchChromium, watchPage } from "./browser.ts";
import { API_KEY, auth, buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";

// A seller in a real browser: opens the connect_url, approves on the simulator's authorization
// page, and comes back to the service's callback, which connects the merchant.

const CLIENT_ID = "5550001112223334";
const CLIENT_SECRET = "sim-client-secret-0123456789";

let db: TestDb;
let h: Harness;
let sim: SimulatorServer;
let service: Server;
let browser: Browser;
let serviceUrl: string;
let repo: ReturnType<typeof createMerchantsRepository>;

beforeAll(async () => {
  nock.enableNetConnect(/127\.0\.0\.1/);
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: "APP_USR-platform-own-token",
    collectorId: 100000001,
    sweepIntervalMs: 0,
    oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  const logger = pino({ level: "silent" });
  const behind: { app?: Harness["app"] } = {};
  service = createServer((req, res) => behind.app!(req, res));
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  const merchants = createMerchantsService({
    repo: (repo = createMerchantsRepository(db.prisma)),
    box: createMerchantTokenBox({ current: randomBytes(32) }),
    oauth: createOAuthClient({
      baseUrl: sim.baseUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 2000,
      logger,
    }),
    logger,
    config: {
      clientId: CLIENT_ID,
      authUrl: `${sim.url}/authorization`,
      redirectUri: `${serviceUrl}/oauth/callback`,
      site: "MLA",
    },
  });
  h = buildHarness(db, { merchants });
  behind.app = h.app;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => service?.close(resolve));
  await sim?.close();
  await db?.drop();
});

describe("the OAuth connection in a browser", () => {
  it("approve on the authorization page, back at the callback, the merchant is connected", async () => {
    const created = await request(h.app).post("/merchants").set(auth).send({ name: "Café" });
    const page = await browser.newPage();
    const problems: string[] = [];
    watchPage(page, "authorization", problems);
    await page.goto(created.body.connect_url as string);
    await page.click('button[data-user-id="700000001"]');
    await page.waitForURL(/\/oauth\/callback\?/);
    const shown = JSON.parse((await page.textContent("body")) ?? "{}") as Record<string, unknown>;
    expect(shown).toMatchObject({
      id: created.body.id,
      status: "connected",
      mercadopago_user_id: "700000001",
    });
    // the back button and a reload send the same state again: refused, nothing changes
    await page.reload();
    expect(await page.textContent("body")).toMatch(/already used/);
    expect((await request(h.app).get(`/merchants/${created.body.id}`).set(auth)).body.status).toBe(
      "connected",
    );
    await page.close();
    // the reload's 400 is expected; the simulator's own server has no icon to give
    expect(problems.filter((p) => !/status of 400|\/favicon\.ico$/.test(p))).toEqual([]);
  });
});

describe("the merchants on the dashboard", () => {
  it("a merchant revoked mid-day shows disconnected; Connect again leads to the authorization page and back connected", async () => {
    const created = await request(h.app).post("/merchants").set(auth).send({ name: "Kiosco Sur" });
    // connected once (through the callback, as a seller would), then its grant gone mid-day
    const page = await browser.newPage();
    const problems: string[] = [];
    watchPage(page, "dashboard-merchants", problems);
    await page.goto(created.body.connect_url as string);
    await page.click('button[data-user-id="700000002"]');
    await page.waitForURL(/\/oauth\/callback\?/);
    expect(
      await repo.markDisconnected(created.body.id as string, "the seller revoked the access"),
    ).toBe(true);

    await page.goto(`${serviceUrl}/dashboard/stores`);
    await page.fill("#signin-key", API_KEY);
    await page.press("#signin-key", "Enter");
    const row = page.locator(`tr[data-merchant="${created.body.id as string}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("disconnected");
    expect(await row.locator(".merchant-status").textContent()).toMatch(
      /^Disconnected · the seller revoked the access$/,
    );
    const again = row.locator("button[data-connect]");
    expect(await again.textContent()).toBe("Connect again");

    await again.click();
    await page.waitForURL(/\/authorization\?/);
    await page.click('button[data-user-id="700000002"]');
    await page.waitForURL(/\/oauth\/callback\?/);
    expect(
      (
        await request(h.app)
          .get(`/merchants/${created.body.id as string}`)
          .set(auth)
      ).body.status,
    ).toBe("connected");
    await page.goto(`${serviceUrl}/dashboard/stores`);
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 5000 }).toBe("connected");
    expect(await row.locator("button[data-connect]").count()).toBe(0);
    await page.close();
    expect(problems.filter((p) => !/\/favicon\.ico$/.test(p))).toEqual([]);
  }, 30_000);
});
