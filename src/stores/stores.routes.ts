import express, { Router, type RequestHandler, type Response } from "express";
import { actorOf, permit } from "../auth.ts";
import { AppError, parseInput } from "../errors.ts";
import { noStore } from "../no-store.ts";
import { pathId, requireJson as jsonBody } from "../route-input.ts";
import { inScope } from "../scope.ts";
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

  router.post("/stores", noStore, ...guard, creators, requireJson, json, async (req, res) => {
    const input = parseInput(CreateStoreSchema, req.body);
    const { value, replay } = await stores.createStore(input);
    res.status(replay ? 200 : 201).json(presentStore(value, stores.defaults));
  });

  router.get("/stores", noStore, ...guard, readers, async (_req, res) => {
    const list = await stores.listStores();
    res.json({ data: list.map((s) => presentStore(s, stores.defaults)) });
  });

  router.get("/stores/:store_id", noStore, ...guard, readers, async (req, res) => {
    const store = await stores.getStore(pathId(StoreIdSchema, req.params.store_id, "store"));
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
      const storeId = pathId(StoreIdSchema, req.params.store_id, "store");
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
      const storeId = pathId(StoreIdSchema, req.params.store_id, "store");
      const input = parseInput(CreatePosSchema, req.body);
      const { value, replay } = await stores.createPos(storeId, input);
      res.status(replay ? 200 : 201).json(presentPos(value));
    },
  );

  router.get("/pos", noStore, ...guard, readers, async (req, res) => {
    const query = parseInput(ListPosQuerySchema, req.query);
    const list = await stores.listPos(query.store_id);
    res.json({ data: list.map(presentPos) });
  });

  router.get("/pos/:pos_id", noStore, ...guard, readers, async (req, res) => {
    const pos = await stores.getPos(pathId(PosIdSchema, req.params.pos_id, "POS"));
    res.json(presentPos(pos));
  });

  /** The POS when the caller may see it: staff and full keys any, a POS key its own. */
  async function visiblePos(req: express.Request): Promise<Pos> {
    const posId = pathId(PosIdSchema, req.params.pos_id, "POS");
    const pos = await stores.findPos(posId);
    const actor = actorOf(req);
    const scope = actor.binding ?? "all";
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
