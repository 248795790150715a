import { NO_PAYMENT_DETAILS } from "../src/mercadopago/upstream.ts";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDayBounds } from "../src/stores/store-day.ts";
import { ARTIFACTS, launchChromium, shootAtWidths, watchPage } from "./browser.ts";
import { buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";
import { pdfText } from "./pdf-text.ts";

// The dashboard's "Close the day" page, and "Print receipt" on the sale page, in headless
// Chromium against the service on a real port, in a Spanish browser in Tokyo's zone (the day and
// times stay the store's). The simulator does not produce payment details or disputes yet: the
// day's sales are written to the database directly, in the shapes the service stores.

const STAFF = "staff-key-close-0123456789";
const STORE = "CLOSEPG";
const ZONE = "America/Mexico_City";
const DAY = "2026-12-04";
const { start, end } = localDayBounds(DAY, ZONE);
const SOON = { timeout: 5000 };

let db: TestDb;
let h: Harness;
let server: Server;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

const details = (d: Record<string, unknown>) => ({ ...NO_PAYMENT_DETAILS, ...d });

async function insert(
  ref: string,
  posId: string,
  at: number,
  cents: number,
  extra: { payments?: unknown[]; dispute?: unknown; status?: string } = {},
) {
  await db.prisma.$executeRaw`
    INSERT INTO sales (external_reference, store_id, pos_id, title, description, items, total_cents,
                       status, paid_cents, payments, dispute, currency, request_hash, expires_at,
                       order_state, paid_at, created_at, updated_at)
    VALUES (${ref}, ${STORE}, ${posId}, 'x', '',
            ${JSON.stringify([{ title: "Tacos", unitPriceCents: cents, quantity: 1, unitMeasure: "unit" }])}::jsonb,
            ${cents}, ${extra.status ?? "paid"}, ${cents}, ${JSON.stringify(extra.payments ?? [])}::jsonb,
            ${extra.dispute === undefined ? null : JSON.stringify(extra.dispute)}::jsonb, 'MXN', 'h',
            ${new Date(at)}::timestamptz, 'withdrawn', ${new Date(at)}::timestamptz,
            ${new Date(at)}::timestamptz, ${new Date(at)}::timestamptz)`;
}

/** Text with Intl's no-break spaces as plain ones. */
async function shown(p: Page, selector: string) {
  return ((await p.textContent(selector)) ?? "").replace(/[\u00a0\u202f]/g, " ");
}

async function saved(p: Page, click: () => Promise<void>): Promise<{ name: string; body: Buffer }> {
  const download = p.waitForEvent("download");
  await click();
  const d = await download;
  const chunks: Buffer[] = [];
  for await (const chunk of await d.createReadStream()) chunks.push(Buffer.from(chunk));
  return { name: d.suggestedFilename(), body: Buffer.concat(chunks) };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  db = await createTestDb();
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  h = buildHarness(db, { staffApiKeys: [STAFF], site: "MLM" });
  server.on("request", h.app);

  await db.prisma.store.create({
    data: {
      externalId: STORE,
      mercadopagoId: "mp",
      name: "Taquería Roma",
      location: {},
      requestHash: "h",
      timeZone: ZONE,
      locale: "es",
    },
  });
  for (const [id, name] of [
    ["CLOSEPGPOS1", "Caja 1"],
    ["CLOSEPGPOS2", "Caja 2"],
  ]) {
    await db.prisma.pos.create({
      data: {
        externalId: id!,
        storeExternalId: STORE,
        mercadopagoId: 1,
        name: name!,
        requestHash: "h",
      },
    });
  }
  await insert("pg-0001", "CLOSEPGPOS1", start.getTime() + 60_000, 150_000, {
    payments: [
      {
        id: 7001,
        status: "approved",
        amount: 1500,
        details: details({
          method: "visa",
          type: "credit_card",
          cardLastFour: "1111",
          authorizationCode: "AB12",
          fee: 52.5,
          net: 1447.5,
        }),
      },
    ],
  });
  await insert("pg-2359", "CLOSEPGPOS2", end.getTime() - 60_000, 20_000, {
    payments: [
      {
        id: 7002,
        status: "charged_back",
        amount: 200,
        details: details({ method: "master", type: "debit_card", fee: 7, net: 193 }),
      },
    ],
    dispute: {
      status: "opened",
      amountCents: 20_000,
      openedAt: new Date(end.getTime() - 30_000).toISOString(),
      paymentId: "7002",
    },
  });
  // the minute after the day: not in it
  await insert("pg-next", "CLOSEPGPOS1", end.getTime() + 60_000, 99_900);

  browser = await launchChromium();
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    locale: "es-MX",
    timezoneId: "Asia/Tokyo",
  });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  watchPage(page, "close", problems);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await db?.drop();
});

describe("the Close the day page", () => {
  it("shows a store's day in its zone: figures, per method and POS, the dispute, the check", async () => {
    await page.goto(`${base}/dashboard/close?store_id=${STORE}&date=${DAY}`);
    await page.fill("#signin-key", STAFF);
    await page.press("#signin-key", "Enter");
    await expect.poll(() => shown(page, "#c-gross"), SOON).toBe("$1,700.00");
    expect(await page.textContent("#app h1")).toBe("Cierre del día");
    expect(await page.inputValue("#c-store")).toBe(STORE);
    expect(await page.inputValue("#c-date")).toBe(DAY);
    expect(await page.textContent("#c-count")).toBe("2");
    expect(await shown(page, "#c-fees")).toBe("$59.50");
    expect(await shown(page, "#c-net")).toBe("$1,640.50");
    expect(await page.textContent("[data-zone]")).toContain(ZONE);
    expect(await shown(page, '[data-method="visa"]')).toContain("$1,500.00");
    expect(await shown(page, '[data-method="master"]')).toContain("$200.00");
    expect(await shown(page, '[data-pos="CLOSEPGPOS2"]')).toContain("$193.00");
    expect(await page.textContent("#disputes")).toContain("pg-2359");
    expect(await page.isHidden("#no-disputes")).toBe(true);
    expect(await page.textContent("#reconciliation")).toBe(
      "Todavía no se verificó con Mercado Pago.",
    );
    await shootAtWidths(page, "dashboard-close", [390, 1280]);
  }, 45_000);

  it("narrows to one POS, and the next day holds the minute after midnight", async () => {
    await page.selectOption("#c-pos", "CLOSEPGPOS1");
    await expect.poll(() => shown(page, "#c-gross"), SOON).toBe("$1,500.00");
    expect(await page.isVisible("#no-disputes")).toBe(true);
    await page.selectOption("#c-pos", "");
    await page.fill("#c-date", "2026-12-05");
    await page.dispatchEvent("#c-date", "change");
    await expect.poll(() => shown(page, "#c-gross"), SOON).toBe("$999.00");
    await page.fill("#c-date", DAY);
    await page.dispatchEvent("#c-date", "change");
    await expect.poll(() => shown(page, "#c-gross"), SOON).toBe("$1,700.00");
  });

  it("downloads the same day as CSV and as a PDF", async () => {
    const csv = await saved(page, () => page.click("#c-csv"));
    expect(csv.name).toBe(`close-${STORE}-${DAY}.csv`);
    // Mexico writes a decimal point: the comma-separated format
    expect(csv.body.toString("utf8")).toContain("total,paid,2,1700.00,59.50,1640.50,0.00,");
    const pdf = await saved(page, () => page.click("#c-pdf"));
    expect(pdf.name).toBe(`close-${STORE}-${DAY}.pdf`);
    const text = await pdfText(pdf.body);
    expect(text).toContain("Cierre del día");
    expect(text).toMatch(/Bruto\s+\$1,700\.00/);
  });

  it("the sale page prints its receipt: a PDF opened in a new window", async () => {
    await page.goto(`${base}/dashboard/sales/pg-0001`);
    await page.locator("#receipt").waitFor({ state: "visible" });
    expect(await page.textContent("#receipt")).toBe("Imprimir comprobante");
    const popup = page.waitForEvent("popup");
    await page.click("#receipt");
    const win = await popup;
    await expect.poll(() => win.url(), SOON).toMatch(/^blob:/);
    await win.close();
    // this service is built without live updates, so the sale page's stream is not served
    expect(problems.filter((p) => !p.endsWith("/orders/pg-0001/events"))).toEqual([]);
  });
});
