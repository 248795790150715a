// `GET /v1/payments/search` (see payments-search.ts) and the test helpers of its ledger faults:
// `POST /api/ledger-faults` `{ hide?, chargeback?, amounts?: { "<payment id>": amount } }`,
// `DELETE /api/ledger-faults`, `GET /api/ledger-faults`.

import type { Router } from "express";

import { clearLedgerFaults, ledgerFaultsOf, searchPayments } from "../payments-search.ts";
import { SimulatorError, isRecord } from "../util.ts";
import type { RouteContext } from "./context.ts";
import { accountOf } from "./mp-gate.ts";

function ids(raw: unknown, name: string): number[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every((v) => Number.isSafeInteger(v))) {
    throw new SimulatorError(400, "bad_request", `${name} must be a list of payment ids`);
  }
  return raw as number[];
}

export function registerPaymentSearchRoutes(router: Router, { sim, mp }: RouteContext): void {
  const { state } = sim;

  router.get(
    "/mp/v1/payments/search",
    mp("search_payments", (req) => {
      const query: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.query)) {
        if (typeof v === "string") query[k] = v;
      }
      // the token's seller's payments only; the ledger faults are the simulator's, by payment id
      const payments = accountOf(req).listPayments();
      return {
        status: 200,
        body: searchPayments(payments, ledgerFaultsOf(state), query, Date.now()),
      };
    }),
  );

  router.get("/api/ledger-faults", (_req, res) => {
    const f = ledgerFaultsOf(state);
    res.json({
      hide: [...f.hidden],
      chargeback: [...f.chargebacks],
      amounts: Object.fromEntries(f.amounts),
    });
  });

  router.post("/api/ledger-faults", (req, res) => {
    const body: unknown = req.body;
    if (!isRecord(body)) throw new SimulatorError(400, "bad_request", "body must be an object");
    const f = ledgerFaultsOf(state);
    const amounts = body["amounts"];
    if (amounts !== undefined && !isRecord(amounts)) {
      throw new SimulatorError(400, "bad_request", "amounts must map payment ids to amounts");
    }
    const pairs = Object.entries(amounts ?? {}).map(([k, v]) => {
      if (!/^\d+$/.test(k) || typeof v !== "number" || !(v > 0)) {
        throw new SimulatorError(400, "bad_request", "amounts must map payment ids to amounts");
      }
      return [Number(k), v] as const;
    });
    for (const id of ids(body["hide"], "hide")) f.hidden.add(id);
    for (const id of ids(body["chargeback"], "chargeback")) f.chargebacks.add(id);
    for (const [id, v] of pairs) f.amounts.set(id, v);
    res.json({ ok: true });
  });

  router.delete("/api/ledger-faults", (_req, res) => {
    clearLedgerFaults(state);
    res.json({ ok: true });
  });
}
