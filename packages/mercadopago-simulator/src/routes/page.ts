// The customer's page (`/`, its script `/page.js`) and the QR image of each POS.

import type { Router } from "express";
import QRCode from "qrcode";

import { renderPage } from "../page.ts";
import { PAGE_SCRIPT } from "../page-script.ts";
import { mpError } from "../util.ts";
import type { SimulatorState } from "../state/index.ts";
import type { RouteContext } from "./context.ts";
import { errorResponse, param, send, sellerParam } from "./respond.ts";

export function registerPageRoutes(router: Router, { sim, qrCache }: RouteContext): void {
  const { accounts } = sim;

  // `?user_id=` names the seller of the POS (withQr adds it for an OAuth seller's POS)
  router.get("/qr/:file", async (req, res) => {
    const file = param(req, "file");
    const externalId = file.endsWith(".png") ? file.slice(0, -4) : "";
    let account: SimulatorState;
    try {
      account = accounts.withPos(externalId, sellerParam(req));
    } catch (err) {
      send(res, errorResponse(err));
      return;
    }
    const pos = externalId ? account.findPosByExternalId(externalId) : null;
    if (!pos) {
      res.status(404).json(mpError(404, "not_found", "unknown POS"));
      return;
    }
    const cacheKey = `${account.collectorId}/${externalId}`;
    let png = qrCache.get(cacheKey);
    if (!png) {
      // The content only identifies the POS; it is not a real Mercado Pago EMVCo payload.
      const content = `mpsim:pos:${account.collectorId}:${pos.external_store_id}:${pos.external_id}`;
      png = await QRCode.toBuffer(content, { type: "png", width: 256, margin: 2 });
      qrCache.set(cacheKey, png);
    }
    res.setHeader("Cache-Control", "no-cache");
    res.type("image/png").send(png);
  });

  router.get("/page.js", (_req, res) => {
    res.type("text/javascript").send(PAGE_SCRIPT);
  });

  router.get("/", (req, res) => {
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'",
    );
    res.type("text/html").send(renderPage(req.baseUrl));
  });
}
