import express, { Router, type RequestHandler } from "express";
import { permit } from "../auth.ts";
import { merchantOf, platformWide } from "../scope.ts";
import { AppError, parseInput } from "../errors.ts";
import { pathId, requireJson as jsonBody } from "../route-input.ts";
import { presentMerchant } from "./merchants.presenter.ts";
import {
  CallbackQuerySchema,
  CreateMerchantSchema,
  MerchantIdSchema,
} from "./merchants.schemas.ts";
import type { MerchantsService } from "./merchants.service.ts";

const requireJson = jsonBody("the body");
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader("Cache-Control", "no-store");
  next();
};

/**
 * Merchants (platform mode): full-access keys create and disconnect them, staff may read.
 * `guard` identifies the caller. A key bound to a merchant sees and connects only its own
 * merchant (another is unknown to it) and may not add merchants. The OAuth callback is the seller's browser coming back from
 * Mercado Pago: it has no key, only the single-use state; `limit` bounds it per address.
 */
export function createMerchantsRouter(
  merchants: MerchantsService,
  guard: RequestHandler[],
  limit: RequestHandler[] = [],
): Router {
  const router = Router();
  const writers = permit(["full"], "add or disconnect merchants");
  const readers = permit(["full", "staff"], "read merchants");
  const id = (req: express.Request) => {
    const merchantId = pathId(MerchantIdSchema, req.params.id, "merchant");
    const own = merchantOf(req);
    // the same answer as for an id no merchant has: a merchant's key learns nothing of others
    if (own !== null && merchantId.toLowerCase() !== own) {
      throw new AppError("not_found", `no merchant ${merchantId} here`);
    }
    return merchantId;
  };

  router.post(
    "/merchants",
    noStore,
    ...guard,
    writers,
    platformWide("add merchants"),
    requireJson,
    express.json({ limit: "4kb", strict: true }),
    async (req, res) => {
      const input = parseInput(CreateMerchantSchema, req.body);
      const { merchant, connectUrl } = await merchants.create(input.name);
      res.status(201).json({ ...presentMerchant(merchant), connect_url: connectUrl });
    },
  );

  router.get("/merchants", noStore, ...guard, readers, async (req, res) => {
    const own = merchantOf(req);
    const list = (await merchants.list()).filter((m) => own === null || m.id === own);
    res.json({ data: list.map(presentMerchant) });
  });

  router.get("/merchants/:id", noStore, ...guard, readers, async (req, res) => {
    res.json(presentMerchant(await merchants.get(id(req))));
  });

  router.post("/merchants/:id/connect", noStore, ...guard, writers, async (req, res) => {
    const { merchant, connectUrl } = await merchants.connect(id(req));
    res.json({ ...presentMerchant(merchant), connect_url: connectUrl });
  });

  router.delete("/merchants/:id/connection", noStore, ...guard, writers, async (req, res) => {
    res.json(presentMerchant(await merchants.disconnect(id(req))));
  });

  router.get("/oauth/callback", noStore, ...limit, async (req, res) => {
    const query = parseInput(CallbackQuerySchema, req.query);
    if (query.error !== undefined) {
      throw new AppError(
        "validation_failed",
        `the seller did not authorize the application at Mercado Pago (${query.error}); nothing was changed`,
      );
    }
    if (query.code === undefined || query.state === undefined) {
      throw new AppError(
        "validation_failed",
        "code and state: Mercado Pago sends both back; open the connect_url again",
      );
    }
    const merchant = await merchants.finishConnection({ code: query.code, state: query.state });
    res.json(presentMerchant(merchant));
  });

  return router;
}
