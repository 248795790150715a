import { mkdirSync } from "node:fs";
import { join } from "node:path";

import axios from "axios";
import type { Browser } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";

import { startSimulatorServer } from "../src/simulator.ts";
import { launchChromium } from "./browser.ts";
import type { SimulatorServer } from "../src/simulator.ts";
import { AUTH, COLLECTOR, TOKEN, orderBody } from "./helpers.ts";

const ARTIFACTS = join(process.cwd(), "test-artifacts");

let browser: Browser | null = null;
let server: SimulatorServer | null = null;
afterEach(async () => {
  await browser?.close();
  browser = null;
  await server?.close();
  server = null;
});

describe("simulator page in a browser", () => {
  // fails, never skips, without /usr/bin/chromium: CI installs it
  it("customer pays from the page", async () => {
    server = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: COLLECTOR,
      deliver: async () => 200,
    });
    const put = (pos: string, body: Record<string, unknown>) =>
      axios.put(
        `${server?.baseUrl}/instore/qr/seller/collectors/${COLLECTOR}/stores/SUC1/pos/${pos}/orders`,
        body,
        { headers: AUTH },
      );
    await put("CAJA1", orderBody({ external_reference: "other-sale", title: "Otra venta" }));
    await put("CAJA2", orderBody());

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1180, height: 720 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));

    await page.goto(server.url);
    await page.locator('#pos-select option[value="CAJA2"]').waitFor({ state: "attached" });
    await page.selectOption("#pos-select", "CAJA2");
    await expect.poll(() => page.textContent("#order-title")).toBe("Venta 000123");
    await expect.poll(() => page.textContent("#order-total")).toBe("150.50");
    expect(await page.locator("#items tr").count()).toBe(2);
    // Typed structurally: the project's TypeScript lib has no DOM types.
    // the QR image loads after the order's text is shown: wait for it rather than race it
    const qrLoaded = () =>
      page.locator("#qr").evaluate((node) => {
        const img = node as unknown as { complete: boolean; naturalWidth: number };
        return img.complete && img.naturalWidth > 0;
      });
    await expect.poll(qrLoaded).toBe(true);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.click("#btn-scan");
    await page.locator('[data-testid="mo-row"][data-status="opened"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "simulator-page-order.png"), fullPage: true });

    await page.click("#btn-pay");
    const row = page.locator('[data-testid="mo-row"][data-status="closed"]');
    await row.waitFor({ timeout: 5000 });
    expect(await row.getAttribute("data-order-status")).toBe("paid");
    await expect.poll(() => page.textContent("#msg")).toMatch(/closed/);
    // The POS went back to the waiting screen.
    await page.locator("#no-order").waitFor({ state: "visible" });

    const truth = server.sim.truth("sale-000123");
    expect(truth.paid).toBe(true);
    const moId = Number(await row.getAttribute("data-mo-id"));
    expect(truth.paid_merchant_order_id).toBe(moId);
    expect(server.sim.state.getMerchantOrder(moId)).toMatchObject({
      status: "closed",
      order_status: "paid",
    });
    expect(server.sim.truth("other-sale").paid).toBe(false);

    expect(await page.content()).not.toContain(TOKEN);
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: join(ARTIFACTS, "simulator-page.png"), fullPage: true });
  }, 60_000);

  it("two sellers' POS of the same external id are two choices, and each pays its own seller's order", async () => {
    server = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: COLLECTOR,
      deliver: async () => 200,
      oauth: { clientId: "5550001112223334", clientSecret: "secret" },
    });
    // the simulator's own CAJA1 and seller 700000001's CAJA1 (its account, made as it is here)
    await axios.put(
      `${server.baseUrl}/instore/qr/seller/collectors/${COLLECTOR}/stores/SUC1/pos/CAJA1/orders`,
      orderBody({ external_reference: "own-sale", title: "Venta propia" }),
      { headers: AUTH },
    );
    const seller = server.sim.accounts.of(700000001)!;
    seller.putOrder("700000001", "SUC1", "CAJA1", orderBody({ external_reference: "seller-sale" }));

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1180, height: 720 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page
      .locator('#pos-select option[value="CAJA1@700000001"]')
      .waitFor({ state: "attached" });
    expect(await page.locator('#pos-select option[value="CAJA1"]').count()).toBe(1);
    await page.selectOption("#pos-select", "CAJA1@700000001");
    await expect.poll(() => page.textContent("#order-title")).toBe("Venta 000123");
    await page.click("#btn-pay");
    await page.locator('[data-testid="mo-row"][data-status="closed"]').waitFor({ timeout: 5000 });
    expect(server.sim.truth("seller-sale").paid).toBe(true);
    expect(server.sim.truth("own-sale").paid).toBe(false);
    expect(seller.merchantOrdersByReference("seller-sale")[0]?.collector.id).toBe(700000001);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
