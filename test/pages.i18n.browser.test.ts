import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGES } from "../src/i18n/catalogue.ts";
import { createLiveSales, type LiveSales } from "../src/live/live-sales.ts";
import { createPgSaleFeed, type SaleChangeFeed } from "../src/live/sale-changes.ts";
import { createSalesRepository } from "../src/sales/sales.repository.ts";
import { createSimulator, type Simulator } from "mercadopago-simulator";
import type { Locale, SiteId } from "../src/sites.ts";
import { ARTIFACTS, launchChromium, shootAtWidths, watchPage } from "./browser.ts";
import {
  COLLECTOR,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  uniqueRef,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// The dashboard and the customer display in Spanish and Brazilian Portuguese, in headless
// Chromium at a phone's and a desktop's width: one service per site (Argentina, Brazil, Chile),
// each with its own database and simulator, as three sellers would run it. Amounts must be what Intl writes for the language, the
// site's country and its currency; times the store's, whatever the browser's zone. The
// screenshots (test-artifacts/i18n-*.png) are the ones the README shows (docs/screenshots/).

const STAFF = "staff-key-i18n-0123456789";
const POS_KEY = "pos-key-i18n-0123456789ab";
const WIDTHS = [390, 1280] as const;
const SOON = { timeout: 8000 };

interface Site {
  site: SiteId;
  store: string;
  storeName: string;
  pos: string;
  posName: string;
  /** a price whose total has thousands and cents: 2 × unit */
  unit: number;
  total: number;
  /** the total as Intl writes it for the store's language here (no-break spaces as plain) */
  shown: string;
  locale: Locale;
  formatting: string;
  currency: string;
  zone: string;
}

const SITES: Site[] = [
  {
    site: "MLA",
    store: "SUCAR1",
    storeName: "Sucursal Palermo",
    pos: "SUCAR1POS1",
    posName: "Caja 1",
    unit: 617.28,
    total: 1234.56,
    shown: "$ 1.234,56",
    locale: "es",
    formatting: "es-AR",
    currency: "ARS",
    zone: "America/Argentina/Buenos_Aires",
  },
  {
    site: "MLB",
    store: "LOJASP1",
    storeName: "Loja Paulista",
    pos: "LOJASP1CX1",
    posName: "Caixa 1",
    unit: 617.28,
    total: 1234.56,
    shown: "R$ 1.234,56",
    locale: "pt-BR",
    formatting: "pt-BR",
    currency: "BRL",
    zone: "America/Sao_Paulo",
  },
  {
    site: "MLC",
    store: "SUCCL1",
    storeName: "Sucursal Providencia",
    pos: "SUCCL1POS1",
    posName: "Caja 1",
    unit: 617,
    total: 1234,
    // CLDR's Chilean format has no space after the sign
    shown: "$1.234",
    locale: "es",
    formatting: "es-CL",
    currency: "CLP",
    zone: "America/Santiago",
  },
];

interface Service {
  h: Harness;
  db: TestDb;
  sim: Simulator;
  server: Server;
  base: string;
  feed: SaleChangeFeed;
  live: LiveSales;
}

let browser: Browser;
const services = new Map<SiteId, Service>();
/** console errors and uncaught exceptions of every page */
const problems: string[] = [];

const plain = (s: string | null) => (s ?? "").replace(/[\u00a0\u202f]/g, " ");
const shown = async (p: Page, selector: string) => plain(await p.textContent(selector));

interface Win {
  document: { documentElement: { scrollWidth: number; lang: string } };
  requestAnimationFrame(cb: () => void): void;
}

/** What Intl writes in the page for an amount: the pages must write exactly that. */
function intlMoney(p: Page, tag: string, currency: string, n: number) {
  return p.evaluate(
    ([tag, currency, n]) =>
      new Intl.NumberFormat(tag as string, {
        style: "currency",
        currency: currency as string,
      }).format(n as number),
    [tag, currency, n] as const,
  );
}

async function createSale(s: Site): Promise<{ ref: string; created_at: string }> {
  const ref = uniqueRef();
  const res = await request(services.get(s.site)!.h.app)
    .post("/sales")
    .set(auth)
    .send({
      store_id: s.store,
      pos_id: s.pos,
      external_reference: ref,
      items: [{ title: "Café", unit_price: s.unit, quantity: 2 }],
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ref, created_at: res.body.created_at as string };
}

/** What the store took, as the API says: the summary the dashboard shows for its day. */
async function paidTotal(s: Site): Promise<number> {
  const res = await request(services.get(s.site)!.h.app)
    .get(`/sales/summary?store_id=${s.store}`)
    .set(auth)
    .expect(200);
  return (res.body.paid_amount as number) - (res.body.refunded_amount as number);
}

/** The customer pays the POS's order at the simulator; resolves once the sale is paid here. */
async function pay(s: Site, ref: string) {
  const { sim, db } = services.get(s.site)!;
  sim.pay(s.pos, { status: "approved" });
  await expect
    .poll(
      async () =>
        (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status,
      { timeout: 10_000 },
    )
    .toBe("paid");
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const logger = pino({ level: "silent" });
  for (const s of SITES) {
    const db = await createTestDb();
    // the port first: the simulator's QR links and the service's Mercado Pago URL name it
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sim = createSimulator({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
      publicUrl: `${base}/simulator`,
    });
    sim.notifier.setControls({ overrideUrl: `${base}/webhooks/mercadopago` });
    const feed = createPgSaleFeed({ connectionString: db.directUrl, logger });
    await feed.start();
    const repo = createSalesRepository(db.prisma);
    const live = createLiveSales({ feed, load: (id) => repo.findById(id), logger });
    const h = buildHarness(db, {
      mpBaseUrl: `${base}/simulator/mp`,
      timeoutMs: 2000,
      live,
      site: s.site,
      staffApiKeys: [STAFF],
      posApiKeys: [`${POS_KEY}@${s.store}/${s.pos}`],
      simulator: sim.router,
    });
    server.on("request", h.app);
    h.worker.start();
    services.set(s.site, { h, db, sim, server, base, feed, live });
    const location = {
      street_number: "1000",
      street_name: "Avenida",
      city_name: "Capital",
      state_name: "Capital",
      latitude: -30,
      longitude: -60,
    };
    await request(h.app)
      .post("/stores")
      .set(auth)
      .send({ external_id: s.store, name: s.storeName, location })
      .expect(201);
    await request(h.app)
      .post(`/stores/${s.store}/pos`)
      .set(auth)
      .send({ external_id: s.pos, name: s.posName })
      .expect(201);
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const s of services.values()) {
    s.live.closeAll();
    await s.h.worker.stop();
    s.sim.stop();
    await new Promise((resolve) => s.server.close(resolve));
    await s.feed.stop();
    await s.db.drop();
  }
});

async function signIn(p: Page, key: string) {
  await p.fill("#signin-key", key);
  await p.press("#signin-key", "Enter");
}

describe("customer display in its store's language and the site's currency", () => {
  it.each(SITES.map((s) => [`${s.site} ${s.locale} ${s.currency}`, s] as const))(
    "%s: the amount as Intl writes it, the words of the catalogue, then paid",
    async (_name, s) => {
      const { base } = services.get(s.site)!;
      // a tablet whose browser is English and in another zone: the store decides the language
      const tablet: BrowserContext = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        locale: "en-US",
        timezoneId: "Asia/Tokyo",
      });
      tablet.setDefaultTimeout(10_000);
      const display = await tablet.newPage();
      watchPage(display, `display ${s.site}`, problems);
      await display.goto(`${base}/display/${s.pos}`);
      await signIn(display, POS_KEY);
      await expect.poll(() => display.textContent("#store-name"), SOON).toBe(s.storeName);
      const words = MESSAGES[s.locale];
      const { ref } = await createSale(s);
      await expect.poll(() => shown(display, "#amount"), SOON).toBe(s.shown);
      expect(await display.textContent("#amount")).toBe(
        await intlMoney(display, s.formatting, s.currency, s.total),
      );
      expect(
        await display.evaluate(() => (globalThis as unknown as Win).document.documentElement.lang),
      ).toBe(s.locale);
      expect(await display.textContent("#pending")).toContain(words["display.to_pay"]);
      expect(await display.textContent("#pending")).toContain(words["display.scan"]);
      expect(await display.getAttribute("#qr", "alt")).toBe(words["display.qr_alt"]);
      expect(await display.textContent("#signout")).toBe(words["signout.button"]);
      if (s.site !== "MLC")
        await shootAtWidths(display, `i18n-display-${s.locale}-pending`, WIDTHS);

      await pay(s, ref);
      await display.locator("#paid").waitFor({ timeout: 10_000 });
      expect(await display.textContent("#paid")).toContain(words["display.paid"]);
      expect(await shown(display, "#paid-amount")).toBe(s.shown);
      if (s.site !== "MLC") await shootAtWidths(display, `i18n-display-${s.locale}-paid`, WIDTHS);
      await tablet.close();
    },
    60_000,
  );
});

describe("dashboard in the language of the browser or of the selector", () => {
  it("es: the browser's language; amounts as Intl writes them in Argentina, times in the store's zone", async () => {
    const s = SITES[0]!;
    const { base } = services.get(s.site)!;
    const { ref, created_at } = await createSale(s);
    await pay(s, ref);

    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: "es-AR",
      timezoneId: "Asia/Tokyo",
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    watchPage(page, "dashboard es", problems);
    await page.goto(`${base}/dashboard`);
    await signIn(page, STAFF);
    await page.locator("#app").waitFor();
    expect(await page.inputValue("#language")).toBe("es");
    expect(await page.textContent("#app h1")).toContain("Ventas");
    await page.locator(`#f-store option[value="${s.store}"]`).waitFor({ state: "attached" });
    await page.selectOption("#f-store", s.store);
    const line = page.locator(`tr[data-ref="${ref}"]`);
    await line.locator('[data-status="paid"]').waitFor();
    expect(await line.locator('[data-status="paid"]').textContent()).toBe("pagada");
    expect(plain(await line.locator("td.num").textContent())).toBe(s.shown);
    expect(await line.locator("td.num").textContent()).toBe(
      await intlMoney(page, s.formatting, s.currency, s.total),
    );
    // the store's zone, not Tokyo's
    const storeTime = await page.evaluate(
      ([iso, zone]) =>
        new Intl.DateTimeFormat("es-AR", {
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
          timeZone: zone as string,
        }).format(new Date(iso as string)),
      [created_at, s.zone] as const,
    );
    expect(await line.locator("td").first().textContent()).toBe(storeTime);
    expect(await page.textContent("[data-zone]")).toBe(
      `Los horarios están en ${s.zone}, la zona horaria de la sucursal ${s.storeName}.`,
    );
    // the day's paid total (this sale and the display's) as Intl writes it
    const net = await paidTotal(s);
    await expect
      .poll(() => page.textContent("#sum-net"), SOON)
      .toBe(await intlMoney(page, s.formatting, s.currency, net));
    await shootAtWidths(page, "i18n-dashboard-es-today", WIDTHS);

    await line.locator("a").click();
    await page.locator('#status[data-status="paid"]').waitFor();
    expect(await page.textContent("#status")).toBe("pagada");
    await expect.poll(() => shown(page, '[data-field="total_amount"]'), SOON).toBe(s.shown);
    expect(await page.textContent("#refund")).toBe("Reembolsar…");
    await shootAtWidths(page, "i18n-dashboard-es-sale", WIDTHS);
    await context.close();
  }, 60_000);

  it("pt-BR: chosen in the selector, kept in the tab; amounts in reais", async () => {
    const s = SITES[1]!;
    const { base } = services.get(s.site)!;
    const { ref } = await createSale(s);
    await pay(s, ref);

    // an English browser: English first, then Portuguese chosen
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: "en-US",
      timezoneId: "Europe/Madrid",
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    watchPage(page, "dashboard pt-BR", problems);
    await page.goto(`${base}/dashboard`);
    await signIn(page, STAFF);
    await page.locator("#app").waitFor();
    expect(await page.inputValue("#language")).toBe("en");
    expect(await page.textContent("#app h1")).toContain("Sales");
    const line = page.locator(`tr[data-ref="${ref}"]`);
    await line.locator('[data-status="paid"]').waitFor();
    expect(await line.locator('[data-status="paid"]').textContent()).toBe("paid");

    await page.selectOption("#language", "pt-BR");
    // at once, without a reload: the page's own words and what the script drew
    await expect.poll(() => page.textContent("#app h1"), SOON).toContain("Vendas");
    expect(await line.locator('[data-status="paid"]').textContent()).toBe("paga");
    expect(plain(await line.locator("td.num").textContent())).toBe(s.shown);
    expect(await line.locator("td.num").textContent()).toBe(
      await intlMoney(page, s.formatting, s.currency, s.total),
    );
    expect(await page.textContent("#signout")).toBe("Sair");
    expect(await page.title()).toBe("Vendas do dia — painel");

    // kept in the tab: a reload (or another page) is in Portuguese still
    await page.reload();
    await page.locator("#app").waitFor();
    expect(await page.inputValue("#language")).toBe("pt-BR");
    await page.locator(`#f-store option[value="${s.store}"]`).waitFor({ state: "attached" });
    await page.selectOption("#f-store", s.store);
    await line.locator('[data-status="paid"]').waitFor();
    expect(await page.textContent("[data-zone]")).toBe(
      `Horários em ${s.zone}, o fuso horário da loja ${s.storeName}.`,
    );
    // the day's paid total (this sale and the display's) as Intl writes it
    const net = await paidTotal(s);
    await expect
      .poll(() => page.textContent("#sum-net"), SOON)
      .toBe(await intlMoney(page, s.formatting, s.currency, net));
    await shootAtWidths(page, "i18n-dashboard-pt-BR-today", WIDTHS);

    await page.click('a[href="/dashboard/stores"]');
    const card = page.locator(`article[data-pos="${s.pos}"]`);
    await card.locator("[data-status]").waitFor();
    expect(plain(await card.locator(".current").textContent())).toContain(
      `Última venda: ${ref} paga ${s.shown} às`,
    );
    expect(await page.textContent(`[data-store-settings="${s.store}"]`)).toBe(
      `Fuso horário ${s.zone} · português (Brasil)`,
    );
    await shootAtWidths(page, "i18n-dashboard-pt-BR-stores", WIDTHS);
    await context.close();
  }, 60_000);

  it("a browser in none of the three languages gets the site's", async () => {
    for (const [site, lang, heading] of [
      ["MLA", "es", "Iniciar sesión"],
      ["MLB", "pt-BR", "Entrar"],
    ] as const) {
      const context = await browser.newContext({ locale: "fr-FR" });
      const page = await context.newPage();
      watchPage(page, `dashboard fr ${site}`, problems);
      await page.goto(`${services.get(site)!.base}/dashboard`);
      await page.locator("#signin-key").waitFor();
      expect(await page.inputValue("#language")).toBe(lang);
      expect(await page.textContent("#signin h1")).toBe(heading);
      await context.close();
    }
  }, 30_000);
});

describe("in every page", () => {
  it("no console errors but the idle displays' 404 (their POS had no sale yet)", () => {
    // each line names its path: the idle display asks its POS's current sale
    const idle = /^display \w+: Failed to load resource: .* 404 \(Not Found\) \/pos\/[^/]+\/sale$/;
    expect(problems.filter((p) => !idle.test(p))).toEqual([]);
  });
});
