// The customer's page (`/`, its script `/page.js`) and the QR image of each POS.

import type { Router } from "express";
import QRCode from "qrcode";

import { renderPage } from "../page.ts";
import { PAGE_SCRIPT } from "../page-script.ts";
import { mpError } from "../util.ts";
import type { RouteContext } from "./context.ts";
import { param } from "./respond.ts";

export function registerPageRoutes(router: Router, { sim, qrCache }: RouteContext): void {
  const { state } = sim;

  router.get("/qr/:file", async (req, res) => {
    const file = param(req, "file");
    const externalId = file.endsWith(".png") ? file.slice(0, -4) : "";
    const pos = externalId ? state.findPosByExternalId(externalId) : null;
    if (!pos) {
      res.status(404).json(mpError(404, "not_found", "unknown POS"));
      return;
    }
    let png = qrCache.get(externalId);
    if (!png) {
      // The content only identifies the POS; it is not a real Mercado Pago EMVCo payload.
      const content = `mpsim:pos:${state.collectorId}:${pos.external_store_id}:${pos.external_id}`;
      png = await QRCode.toBuffer(content, { type: "png", width: 256, margin: 2 });
      qrCache.set(externalId, png);
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
