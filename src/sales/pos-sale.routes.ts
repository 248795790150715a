import { Router } from "express";
import { permit } from "../auth.ts";
import { scopeOf } from "../scope.ts";
import { AppError } from "../errors.ts";
import { presentSale } from "./sale.presenter.ts";
import type { SalesService } from "./sales.service.ts";

const POS_ID = /^[A-Za-z0-9_-]{1,40}$/;

/** A POS's current sale: what a till that lost its sale's reference asks for. */
export function createPosSaleRouter(sales: SalesService): Router {
  const router = Router();
  router.get(
    "/pos/:pos_id/sale",
    permit(["full", "staff", "pos"], "read sales"),
    async (req, res) => {
      const posId = String(req.params.pos_id);
      if (!POS_ID.test(posId)) throw new AppError("not_found", `no sale on POS ${posId}`);
      const sale = await sales.currentOfPos(posId, scopeOf(req));
      res.json(presentSale(sale));
    },
  );
  return router;
}
