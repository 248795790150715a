// The sellers the simulator plays, as Mercado Pago keeps them apart: its own account (the access
// token it was given) and, with OAuth, each seller's, every one with its own stores, POS, orders,
// merchant orders, payments and site (so its currency). A call with a token sees only its
// seller's account. The accounts share their id counters, so a merchant order, payment or POS id
// names one resource whichever account holds it; the customer's side (the page, `/api/*`) finds
// a resource by id in any account, and a POS by its external id, which two sellers may both use,
// with an optional seller (`user_id`).

import type { SimulatedSeller } from "./oauth/oauth-server.ts";
import { createSharedCore, createSimulatorState } from "./state/index.ts";
import type { ReferenceTruth, SimulatorState, SimulatorStateOptions } from "./state/index.ts";
import { ORDER_ID } from "./state/order-ids.ts";
import { SimulatorError, fromCents, toCents } from "./util.ts";

export interface Accounts {
  /** The simulator's own account (`accessToken`, `collectorId`, `siteId`). */
  readonly main: SimulatorState;
  /** Every account, the simulator's own first. */
  list(): SimulatorState[];
  /** The account of a Mercado Pago user id, or null. */
  of(userId: number): SimulatorState | null;
  /**
   * The account that holds a POS: the one of `userId` when given (404 for an unknown seller);
   * else the simulator's own account when it has the POS, else the one seller that has it (409
   * when several do: name one), else the simulator's own (which answers that it has no such POS).
   */
  withPos(posExternalId: string, userId?: number): SimulatorState;
  /** The account that holds the merchant order, payment or Orders API order; else the own one. */
  holding(kind: "merchant_order" | "payment" | "order", id: number | string): SimulatorState;
  /** An Orders API order by its id, or the one on a POS (as the customer helpers take either). */
  withApiOrderTarget(target: string, userId?: number): SimulatorState;
  /** What every account knows of an external_reference, put together. */
  truth(externalReference: string): ReferenceTruth;
  sweep(): void;
  reset(): void;
}

export function createAccounts(
  opts: SimulatorStateOptions,
  sellers: readonly SimulatedSeller[],
): Accounts {
  const shared = createSharedCore(opts);
  const main = createSimulatorState(opts, shared);
  const byUser = new Map<number, SimulatorState>([[main.collectorId, main]]);
  for (const seller of sellers) {
    if (byUser.has(seller.userId)) continue;
    // a seller's account takes no token of its own: the OAuth server checks sellers' tokens
    const account = createSimulatorState(
      { ...opts, accessToken: "", collectorId: seller.userId, siteId: seller.siteId },
      shared,
    );
    byUser.set(seller.userId, account);
  }
  const all = [...byUser.values()];

  function withPos(posExternalId: string, userId?: number): SimulatorState {
    if (userId !== undefined) {
      const account = byUser.get(userId);
      if (!account) throw new SimulatorError(404, "not_found", `no seller ${userId}`);
      return account;
    }
    if (main.findPosByExternalId(posExternalId)) return main;
    const owners = all.filter((a) => a.findPosByExternalId(posExternalId) !== null);
    if (owners.length > 1) {
      throw new SimulatorError(
        409,
        "conflict",
        `POS ${posExternalId} exists for sellers ${owners.map((a) => a.collectorId).join(", ")}: ` +
          "name one with user_id",
      );
    }
    return owners[0] ?? main;
  }

  function holding(kind: "merchant_order" | "payment" | "order", id: number | string) {
    return all.find((a) => a.holds(kind, id)) ?? main;
  }

  function truth(externalReference: string): ReferenceTruth {
    if (all.length === 1) return main.truth(externalReference);
    const parts = all.map((a) => a.truth(externalReference));
    const first = <T>(pick: (t: ReferenceTruth) => T | null): T | null =>
      parts.map(pick).find((v) => v !== null) ?? null;
    return {
      external_reference: externalReference,
      paid: parts.some((t) => t.paid),
      paid_merchant_order_id: first((t) => t.paid_merchant_order_id),
      merchant_order_ids: parts.flatMap((t) => t.merchant_order_ids),
      paid_order_id: first((t) => t.paid_order_id),
      order_ids: parts.flatMap((t) => t.order_ids),
      approved_amount: fromCents(parts.reduce((sum, t) => sum + toCents(t.approved_amount), 0)),
    };
  }

  return {
    main,
    list: () => [...all],
    of: (userId) => byUser.get(userId) ?? null,
    withPos,
    holding,
    withApiOrderTarget(target, userId) {
      return ORDER_ID.test(target) && userId === undefined
        ? holding("order", target)
        : withPos(target, userId);
    },
    truth,
    sweep() {
      for (const a of all) a.sweep();
    },
    reset() {
      for (const a of all) a.reset();
    },
  };
}
