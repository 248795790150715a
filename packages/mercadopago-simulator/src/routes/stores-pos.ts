// The seller's account, stores and POS (`/users/me`, `/users/:userId/stores`, `/pos`); a POS is
// answered with the links of its QR image. Each seller has its own: external ids are unique per
// seller, another seller's store or POS is not found, and a store path with another seller's user
// id is 400 INVALID_USER_ID.

import type { Request, Router } from "express";

import type { PosInfo, SimulatorState } from "../state/index.ts";
import { SimulatorError } from "../util.ts";
import type { PosWithQr, RouteContext, SimulatorParts } from "./context.ts";
import { accountOf } from "./mp-gate.ts";
import { numericId, param, queryString } from "./respond.ts";

function publicBase(sim: SimulatorParts, req: Request): string {
  if (sim.publicUrl) return sim.publicUrl.replace(/\/+$/, "");
  return `${req.protocol}://${req.get("host") ?? "127.0.0.1"}${req.baseUrl}`;
}

export function withQr(sim: SimulatorParts, req: Request, pos: PosInfo): PosWithQr {
  const image = `${publicBase(sim, req)}/qr/${encodeURIComponent(pos.external_id)}.png`;
  // an OAuth seller's POS names its seller: another may use the same external id
  const seller = pos.user_id === sim.state.collectorId ? "" : `user_id=${pos.user_id}`;
  const link = (template: string | null) => {
    const query = [seller, template ? `template=${template}` : ""].filter(Boolean).join("&");
    return query ? `${image}?${query}` : image;
  };
  // Printable templates are not simulated: every link serves the same PNG.
  return {
    ...pos,
    qr: {
      image: link(null),
      template_document: link("document"),
      template_image: link("image"),
    },
  };
}

export function registerStoresPosRoutes(router: Router, { sim, mp }: RouteContext): void {
  // Whose token this is: the service asks once at boot (MP_VERIFY_CREDENTIALS). An OAuth
  // seller's token is answered before the gate (oauth-routes.ts), with the seller's nickname.
  router.get("/mp/users/me", (req, res) => {
    const account = accountOf(req);
    res.status(200).json({
      id: account.collectorId,
      nickname: `SIMULATOR${account.collectorId}`,
      site_id: account.siteId,
    });
  });

  router.post(
    "/mp/users/:userId/stores",
    mp("create_store", (req) => ({
      status: 200,
      body: accountOf(req).createStore(param(req, "userId"), req.body),
    })),
  );

  router.get(
    "/mp/users/:userId/stores/search",
    mp("search_stores", (req) => {
      const results = accountOf(req).searchStores(
        param(req, "userId"),
        queryString(req, "external_id"),
      );
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
      body: withQr(sim, req, accountOf(req).createPos(req.body)),
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
      const results = accountOf(req)
        .searchPos(filter)
        .map((p) => withQr(sim, req, p));
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
      return { status: 200, body: withQr(sim, req, accountOf(req).getPos(id)) };
    }),
  );
}
