// The seller's account, stores and POS (`/users/me`, `/users/:userId/stores`, `/pos`); a POS is
// answered with the links of its QR image.

import type { Request, Router } from "express";

import type { PosInfo, SimulatorState } from "../state/index.ts";
import { SimulatorError } from "../util.ts";
import type { PosWithQr, RouteContext, SimulatorParts } from "./context.ts";
import { numericId, param, queryString } from "./respond.ts";

function publicBase(sim: SimulatorParts, req: Request): string {
  if (sim.publicUrl) return sim.publicUrl.replace(/\/+$/, "");
  return `${req.protocol}://${req.get("host") ?? "127.0.0.1"}${req.baseUrl}`;
}

export function withQr(sim: SimulatorParts, req: Request, pos: PosInfo): PosWithQr {
  const image = `${publicBase(sim, req)}/qr/${encodeURIComponent(pos.external_id)}.png`;
  // Printable templates are not simulated: every link serves the same PNG.
  return {
    ...pos,
    qr: {
      image,
      template_document: `${image}?template=document`,
      template_image: `${image}?template=image`,
    },
  };
}

export function registerStoresPosRoutes(router: Router, { sim, mp }: RouteContext): void {
  const { state } = sim;

  // Whose token this is: the service asks once at boot (MP_VERIFY_CREDENTIALS).
  router.get("/mp/users/me", (_req, res) => {
    res.status(200).json({
      id: state.collectorId,
      nickname: `SIMULATOR${state.collectorId}`,
      site_id: state.siteId,
    });
  });

  router.post(
    "/mp/users/:userId/stores",
    mp("create_store", (req) => ({
      status: 200,
      body: state.createStore(param(req, "userId"), req.body),
    })),
  );

  router.get(
    "/mp/users/:userId/stores/search",
    mp("search_stores", (req) => {
      const results = state.searchStores(param(req, "userId"), queryString(req, "external_id"));
      return {
        status: 200,
        body: { paging: { total: results.length, offset: 0, limit: 50 }, results },
      };
    }),
  );

  router.post(
    "/mp/pos",
    mp("create_pos", (req) => ({
      status: 201,
      body: withQr(sim, req, state.createPos(req.body)),
    })),
  );

  router.get(
    "/mp/pos",
    mp("get_pos", (req) => {
      const filter: Parameters<SimulatorState["searchPos"]>[0] = {};
      const externalId = queryString(req, "external_id");
      const externalStoreId = queryString(req, "external_store_id");
      const storeId = queryString(req, "store_id");
      if (externalId !== undefined) filter.external_id = externalId;
      if (externalStoreId !== undefined) filter.external_store_id = externalStoreId;
      if (storeId !== undefined) filter.store_id = storeId;
      const results = state.searchPos(filter).map((p) => withQr(sim, req, p));
      return {
        status: 200,
        body: { paging: { total: results.length, offset: 0, limit: 50 }, results },
      };
    }),
  );

  router.get(
    "/mp/pos/:id",
    mp("get_pos", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) throw new SimulatorError(400, "INVALID_POS_ID", "invalid POS id");
      return { status: 200, body: withQr(sim, req, state.getPos(id)) };
    }),
  );
}
