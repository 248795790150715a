// Instore Orders v2 (legacy QR attended model): the POS's single order slot filled by PUT, read
// by GET and emptied by DELETE, and the slot's expiry. Pure logic, no HTTP.

import type { SimulatorState } from "./types.ts";
import type { StoresPos } from "./stores.ts";
import type { MerchantOrdersPayments } from "./merchant-orders.ts";
import { validateCollectorId, validateInstoreOrder, validatePosExternalId } from "../validation.ts";
import { notFound } from "./core.ts";
import type { StateCore } from "./core.ts";

export interface InstoreOrders extends Pick<
  SimulatorState,
  "putOrder" | "getOrder" | "deleteOrder"
> {
  /** Empties slots past their expiry (a sweeper). */
  sweepSlots(): void;
}

export function createInstoreOrders(
  core: StateCore,
  storesPos: StoresPos,
  mos: MerchantOrdersPayments,
): InstoreOrders {
  const { opts, now, collectorId, posByExternalId, posWithExpiringSlot, sweep } = core;
  const { ensurePosRecord } = storesPos;
  const { scan } = mos;
  const defaultTtl = opts.defaultOrderTtlMs ?? null;

  function sweepSlots(): void {
    const t = now().getTime();
    for (const pos of posWithExpiringSlot) {
      if (!pos.slot?.expiresAt) posWithExpiringSlot.delete(pos);
      else if (pos.slot.expiresAt.getTime() <= t) {
        pos.slot = null;
        posWithExpiringSlot.delete(pos);
      }
    }
  }

  function putOrder(
    userId: string,
    storeExternalId: string,
    posExternalId: string,
    body: unknown,
  ): void {
    sweep();
    validateCollectorId(userId, collectorId);
    validatePosExternalId(posExternalId);
    const at = now();
    const valid = validateInstoreOrder(body, {
      collectorId,
      now: at,
      currencyId: core.currencyId,
    });
    // Simulator convenience: an unknown POS (and its store) is created on first PUT, so the
    // simulator works without any setup. Mercado Pago requires POST /pos beforehand.
    const pos = ensurePosRecord(posExternalId, storeExternalId);
    // A new PUT replaces whatever order the POS had (the documented model is one slot per POS;
    // what Mercado Pago does with the previous order is not documented). Merchant orders already
    // created for the previous order are left as they are.
    pos.slot = {
      seq: core.next("slot"),
      order: valid.body,
      externalReference: valid.externalReference,
      totalCents: valid.totalCents,
      notificationUrl: valid.notificationUrl,
      putAt: at,
      expiresAt:
        valid.expiresAt ?? (defaultTtl !== null ? new Date(at.getTime() + defaultTtl) : null),
    };
    if (pos.slot.expiresAt) posWithExpiringSlot.add(pos);
    // The PUT also takes the POS from an Orders API order (one order per POS); that order stays
    // `created` until it is canceled or expires, payable only by its id.
    pos.apiOrderId = null;
    if (opts.merchantOrderOnPut) scan(posExternalId);
  }

  function getOrder(userId: string, posExternalId: string): Record<string, unknown> {
    sweep();
    validateCollectorId(userId, collectorId);
    validatePosExternalId(posExternalId);
    const slot = posByExternalId.get(posExternalId)?.slot;
    if (!slot) {
      throw notFound("point_of_sale_in_store_order_not_found", "No associated order found.");
    }
    return structuredClone(slot.order);
  }

  function deleteOrder(userId: string, posExternalId: string): void {
    sweep();
    validateCollectorId(userId, collectorId);
    validatePosExternalId(posExternalId);
    // Answering 204 also when nothing is on the POS (or the POS is unknown) is a choice: the
    // real result in that case is not documented (reports mention a 500 for other QR APIs).
    const pos = posByExternalId.get(posExternalId);
    if (pos) pos.slot = null;
  }

  return { putOrder, getOrder, deleteOrder, sweepSlots };
}
