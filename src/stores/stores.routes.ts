import express, { Router, type RequestHandler, type Response } from "express";
import { permit } from "../auth.ts";
import { AppError, parseInput } from "../errors.ts";
import { noStore } from "../no-store.ts";
import { pathId, requireJson as jsonBody } from "../route-input.ts";
import { inScope, merchantOf, scopeOf, storeInScope } from "../scope.ts";
import { renderQrPng, renderQrSheet, renderQrSvg } from "./pos-qr.ts";
import type { Pos } from "./store.ts";
import { presentPos, presentStore } from "./stores.presenter.ts";
import {
  CreatePosSchema,
  CreateStoreSchema,
  ListPosQuerySchema,
  PosIdSchema,
  StoreIdSchema,
  UpdateStoreSchema,
} from "./stores.schemas.ts";
import type { StoresService } from "./stores.service.ts";

const requireJson = jsonBody("the body");

/**
 * A POS's QR never changes (it is printed): browsers and the till may keep it an hour, and only
 * for the caller who asked (it sits behind a key).
 */
function sendImage(res: Response, type: string, body: Buffer | string, filename: string) {
  res.setHeader("Cache-Control", "private, max-age=3600");
  res.setHeader("Content-Disposition", `inline; filename="${filename}"`);
  res.type(type).send(body);
}

const readers = permit(["full", "staff"], "read stores and POS");
const creators = permit(["full"], "register stores and POS");
const changers = permit(["full"], "change stores");

/**
 * Stores and POS. `guard` identifies the caller (401 without a key); each route then checks its
 * role, so the guard runs only for these paths and not for other routers under /pos.
 */
export function createStoresRouter(stores: StoresService, guard: RequestHandler[]): Router {
  const router = Router();
  const json = express.json({ limit: "16kb", strict: true });

  /** The :store_id when the caller may see it; another merchant's store is an unknown one. */
  function visibleStoreId(req: express.Request): string {
    const storeId = pathId(StoreIdSchema, req.params.store_id, "store");
    if (!storeInScope(storeId, scopeOf(req)))
      throw new AppError("not_found", `no store ${storeId} here`);
    return storeId;
  }

  router.post("/stores", noStore, ...guard, creators, requireJson, json, async (req, res) => {
    const input = parseInput(CreateStoreSchema, req.body);
    const merchantId = merchantOf(req);
    if (merchantId !== null) {
      // a merchant's key registers stores for its merchant only
      if (input.merchant_id !== undefined && input.merchant_id.toLowerCase() !== merchantId) {
        throw new AppError("forbidden", "this API key registers stores for its own merchant only");
      }
      input.merchant_id = merchantId;
      // store ids are one namespace: one taken by another merchant is refused, never shown
      const taken = await stores.findStore(input.external_id);
      if (taken && taken.merchantId !== merchantId) {
        throw new AppError(
          "forbidden",
          `this API key may not use the store id ${input.external_id}`,
        );
      }
    }
    const { value, replay } = await stores.createStore(input);
    res.status(replay ? 200 : 201).json(presentStore(value, stores.defaults));
  });

  router.get("/stores", noStore, ...guard, readers, async (req, res) => {
    const scope = scopeOf(req);
    const list = (await stores.listStores()).filter((s) => storeInScope(s.externalId, scope));
    res.json({ data: list.map((s) => presentStore(s, stores.defaults)) });
  });

  router.get("/stores/:store_id", noStore, ...guard, readers, async (req, res) => {
    const store = await stores.getStore(visibleStoreId(req));
    res.json(presentStore(store, stores.defaults));
  });

  router.patch(
    "/stores/:store_id",
    noStore,
    ...guard,
    changers,
    requireJson,
    json,
    async (req, res) => {
      const storeId = visibleStoreId(req);
      const input = parseInput(UpdateStoreSchema, req.body);
      res.json(presentStore(await stores.updateStore(storeId, input), stores.defaults));
    },
  );

  router.post(
    "/stores/:store_id/pos",
    noStore,
    ...guard,
    creators,
    requireJson,
    json,
    async (req, res) => {
      const storeId = visibleStoreId(req);
      const input = parseInput(CreatePosSchema, req.body);
      // POS ids are one namespace too: another merchant's POS is refused without naming its store
      const taken = merchantOf(req) === null ? null : await stores.findPos(input.external_id);
      if (taken && !storeInScope(taken.storeExternalId, scopeOf(req))) {
        throw new AppError("forbidden", `this API key may not use the POS id ${input.external_id}`);
      }
      const { value, replay } = await stores.createPos(storeId, input);
      res.status(replay ? 200 : 201).json(presentPos(value));
    },
  );

  router.get("/pos", noStore, ...guard, readers, async (req, res) => {
    const query = parseInput(ListPosQuerySchema, req.query);
    const scope = scopeOf(req);
    if (query.store_id !== undefined && !storeInScope(query.store_id, scope)) {
      throw new AppError("not_found", `no store ${query.store_id} here`);
    }
    const list = (await stores.listPos(query.store_id)).filter((p) =>
      storeInScope(p.storeExternalId, scope),
    );
    res.json({ data: list.map(presentPos) });
  });

  router.get("/pos/:pos_id", noStore, ...guard, readers, async (req, res) => {
    res.json(presentPos(await visiblePos(req)));
  });

  /**
   * The POS when the caller may see it: staff and full keys any, a POS key its own, a merchant's
   * key its merchant's.
   */
  async function visiblePos(req: express.Request): Promise<Pos> {
    const posId = pathId(PosIdSchema, req.params.pos_id, "POS");
    const pos = await stores.findPos(posId);
    const scope = scopeOf(req);
    // as for sales, another POS's QR is reported as unknown: a key learns nothing of other POS
    if (!pos || !inScope({ storeId: pos.storeExternalId, posId: pos.externalId }, scope)) {
      throw new AppError("not_found", `no POS ${posId} here`);
    }
    return pos;
  }

  const qrReaders = permit(["full", "staff", "pos"], "read QR codes");

  router.get("/pos/:pos_id/qr.png", noStore, ...guard, qrReaders, async (req, res) => {
    const pos = await visiblePos(req);
    const png = await renderQrPng(await stores.qrContent(pos));
    sendImage(res, "image/png", png, `${pos.externalId}.png`);
  });

  router.get("/pos/:pos_id/qr.svg", noStore, ...guard, qrReaders, async (req, res) => {
    const pos = await visiblePos(req);
    const svg = await renderQrSvg(await stores.qrContent(pos));
    sendImage(res, "image/svg+xml", svg, `${pos.externalId}.svg`);
  });

  router.get("/pos/:pos_id/qr.pdf", noStore, ...guard, qrReaders, async (req, res) => {
    const pos = await visiblePos(req);
    const content = await stores.qrContent(pos);
    const store = await stores.getStore(pos.storeExternalId);
    const pdf = await renderQrSheet({
      storeName: store.name,
      posName: pos.name,
      storeId: store.externalId,
      posId: pos.externalId,
      content,
      locale: store.locale ?? stores.defaults.locale,
    });
    sendImage(res, "application/pdf", pdf, `${pos.externalId}.pdf`);
  });

  return router;
}
