import { Router } from "express";
import { permit } from "../auth.ts";
import { scopeOf } from "../scope.ts";
import { AppError } from "../errors.ts";
import { renderQrPng } from "../stores/pos-qr.ts";
import { reference } from "./sales.routes.ts";
import type { SalesService } from "./sales.service.ts";

/**
 * A sale's own QR (`qr_data` of a hybrid or dynamic Orders API order), as a PNG the till can
 * show. Readable by whoever may read the sale; 404 when the sale has none (instore v2 sales and
 * static orders are paid through the POS's printed QR).
 */
export function createSaleQrRouter(sales: Pick<SalesService, "get">): Router {
  const router = Router();
  router.get(
    "/orders/:ref/qr.png",
    permit(["full", "staff", "pos"], "read sales"),
    async (req, res) => {
      const sale = await sales.get(reference(req.params.ref), scopeOf(req));
      if (!sale.qrData) {
        throw new AppError("not_found", `the sale ${sale.externalReference} has no QR of its own`);
      }
      const png = await renderQrPng(sale.qrData);
      // the QR changes with nothing but a new sale; it must not outlive the sale in a cache
      res.setHeader("Cache-Control", "private, no-store");
      res.type("image/png").send(png);
    },
  );
  return router;
}
