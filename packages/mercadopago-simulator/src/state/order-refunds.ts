// Refunds of Orders API orders (`POST /v1/orders/:id/refund`): the whole paid amount or parts of
// it, made at once or, in async mode, `processing` until they settle (processed or failed).

import type { ApiOrder, ApiOrderAction } from "./types.ts";
import { validateRefundBody } from "../orders-validation.ts";
import { ordersError } from "../util.ts";
import { PAYMENT_ID_BASE } from "./core.ts";
import type { StateCore } from "./core.ts";
import { canonical } from "./idempotency.ts";
import type { Idempotency } from "./idempotency.ts";
import { heldCents, refundStatus, requireOrderStatus } from "./order-record.ts";
import type { OrderRecord } from "./order-record.ts";

/** What refunds need of the Orders API module. */
export interface OrderRefundsDeps {
  core: StateCore;
  requireOrder(id: string): OrderRecord;
  idempotent: Idempotency["idempotent"];
  /** Records a change of the order and emits its event. */
  change(o: OrderRecord, action: ApiOrderAction): void;
  view(o: OrderRecord): ApiOrder;
  ulid(): string;
}

export interface OrderRefunds {
  refundApiOrder(
    id: string,
    raw: unknown,
    key: string | undefined,
  ): { status: number; body: ApiOrder };
  /** Settles the asynchronous refunds due at `t` (ms); part of the Orders API's sweep. */
  settleDue(t: number): void;
  reset(): void;
}

export function createOrderRefunds(deps: OrderRefundsDeps): OrderRefunds {
  const { core, requireOrder, idempotent, change, view, ulid } = deps;
  const { now, sweep } = core;
  // Orders with a refund still `processing` (async refund mode).
  const refunding = new Set<OrderRecord>();

  function refundApiOrder(
    id: string,
    raw: unknown,
    key: string | undefined,
  ): { status: number; body: ApiOrder } {
    sweep();
    const answer = idempotent(key, `refund:${id}:${canonical(raw ?? null)}`, () => {
      const o = requireOrder(id);
      const partial = validateRefundBody(raw);
      requireOrderStatus(o, {
        only: "processed",
        done: "refunded",
        already: "order_already_refunded",
        cannot: "cannot_refund_order",
        verb: "refunded",
      });
      const refunded = o.refunds.reduce((sum, r) => sum + heldCents(r), 0);
      const remaining = o.paidCents - refunded;
      const wanted: number[] = [];
      if (partial === null) {
        wanted.push(remaining);
      } else {
        for (const t of partial) {
          if (t.id !== o.paymentId) {
            throw ordersError(404, "transaction_not_found", `Transaction ${t.id} not found`);
          }
          wanted.push(t.amountCents);
        }
        const sum = wanted.reduce((a, b) => a + b, 0);
        if (sum > remaining) {
          throw ordersError(
            400,
            "refund_amount_exceeds",
            "The refund amount exceeds the amount available to refund",
          );
        }
      }
      const settings = core.refundSettings;
      const asyncRefunds = settings.mode === "async";
      const settleAt = asyncRefunds ? new Date(now().getTime() + settings.settleMs) : null;
      for (const cents of wanted) {
        o.refunds.push({
          id: `REF${ulid()}`,
          referenceId: String(PAYMENT_ID_BASE + core.next("refund")),
          amountCents: cents,
          settleAt,
          outcome: asyncRefunds ? settings.outcome : "processed",
          createdAt: now(),
        });
      }
      if (asyncRefunds) {
        o.updatedAt = now();
        refunding.add(o);
      } else {
        applyRefunds(o);
      }
      return { status: 201, body: view(o) };
    });
    return answer as { status: number; body: ApiOrder };
  }

  /**
   * The order after its processed refunds: all of the paid amount → `refunded` (payment too),
   * part of it → `processed/partially_refunded`. The action for a partial refund is not
   * documented; `order.refunded` is sent for both.
   */
  function applyRefunds(o: OrderRecord): void {
    const total = o.refunds
      .filter((r) => refundStatus(r) === "processed")
      .reduce((sum, r) => sum + r.amountCents, 0);
    if (total >= o.paidCents) {
      o.status = "refunded";
      o.statusDetail = "refunded";
      o.paymentStatus = "refunded";
      o.paymentStatusDetail = "refunded";
    } else {
      o.statusDetail = "partially_refunded";
    }
    change(o, "order.refunded");
  }

  function settleDue(t: number): void {
    for (const o of refunding) {
      const due = o.refunds.filter((r) => r.settleAt !== null && r.settleAt.getTime() <= t);
      if (due.length === 0) continue;
      for (const r of due) r.settleAt = null;
      if (o.refunds.every((r) => r.settleAt === null)) refunding.delete(o);
      if (due.some((r) => r.outcome === "processed")) {
        applyRefunds(o);
      } else {
        // A refund that failed gives nothing back and the order's status stays; Mercado Pago
        // documents no webhook for it, so none is sent: the refund item says it when read.
        o.updatedAt = now();
        o.version += 1;
      }
    }
  }

  return {
    refundApiOrder,
    settleDue,
    reset() {
      refunding.clear();
    },
  };
}
