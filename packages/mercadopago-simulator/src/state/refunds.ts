// Refunds of legacy payments (`POST/GET /v1/payments/{id}/refunds`) and the customer side refund
// helper. Pure logic, no HTTP.

import type { MerchantOrder, Payment, PaymentRefund, SimulatorState } from "./types.ts";
import type { PaymentRecord, PaymentRefundRecord } from "./core.ts";
import type { MerchantOrdersPayments } from "./merchant-orders.ts";
import { hasAtMostTwoDecimals, toCents } from "../util.ts";
import { REFUND_ID_BASE, badRequest, conflict } from "./core.ts";
import type { StateCore } from "./core.ts";

export type Refunds = Pick<SimulatorState, "refund" | "createRefund" | "listRefunds"> & {
  /** Ends the asynchronous refunds that are due (a sweep rule). */
  sweepRefunds(): void;
};

export function createRefunds(core: StateCore, mos: MerchantOrdersPayments): Refunds {
  const { now, refundKeys, sweep } = core;
  const { emitMo, emitPayment, moView, paymentView, refundView, requireMo, requirePayment } = mos;
  // Payments with a refund still `in_process` (asynchronous refunds).
  const refunding = new Set<PaymentRecord>();

  /** Money of the payment refunds hold: given back, or on its way. */
  function heldCents(payment: PaymentRecord): number {
    return payment.refunds
      .filter((r) => r.status !== "rejected")
      .reduce((sum, r) => sum + r.amountCents, 0);
  }

  /** A refund made: counted in the payment, which (and whose merchant order) changes and says so. */
  function give(payment: PaymentRecord, r: PaymentRefundRecord, at: Date): void {
    r.status = "approved";
    payment.refundedCents += r.amountCents;
    if (payment.refundedCents >= payment.amountCents) {
      payment.status = "refunded";
      payment.statusDetail = "refunded";
    } else {
      payment.statusDetail = "partially_refunded";
    }
    payment.lastModified = at;
    const mo = requireMo(payment.merchantOrderId);
    mo.lastUpdated = at;
    emitPayment(payment, "payment.updated");
    emitMo(mo, "updated");
  }

  function refund(
    paymentId: number,
    amount?: number,
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    const payment = requirePayment(paymentId);
    if (payment.status !== "approved") {
      throw conflict(`payment ${paymentId} is ${payment.status}; only approved can be refunded`);
    }
    const available = payment.amountCents - heldCents(payment);
    let cents = available;
    if (amount !== undefined) {
      if (typeof amount !== "number" || amount <= 0 || !hasAtMostTwoDecimals(amount)) {
        throw badRequest("invalid_amount", "amount must be a positive number with 2 decimals max");
      }
      cents = toCents(amount);
      if (cents > available) throw badRequest("invalid_amount", "amount exceeds the refundable");
    }
    if (cents <= 0) throw badRequest("invalid_amount", "nothing is left to refund");
    const at = now();
    const settings = core.refundSettings;
    const made: PaymentRefundRecord = {
      id: REFUND_ID_BASE + core.next("refund"),
      amountCents: cents,
      at,
      status: "in_process",
      settleAt: null,
      outcome: "processed",
    };
    payment.refunds.push(made);
    if (settings.mode === "async") {
      // Taken, not made: the payment is unchanged until it ends (no notification before).
      made.settleAt = new Date(at.getTime() + settings.settleMs);
      made.outcome = settings.outcome;
      refunding.add(payment);
    } else {
      give(payment, made, at);
    }
    const mo = requireMo(payment.merchantOrderId);
    return { payment: paymentView(payment), merchantOrder: moView(mo) };
  }

  function createRefund(
    paymentId: number,
    amount: number | undefined,
    idempotencyKey: string,
  ): PaymentRefund {
    const seen = refundKeys.get(idempotencyKey);
    if (seen) {
      // Mercado Pago's handling of a reused key on this endpoint is not documented; answering
      // the refund the key already made is the documented purpose of the header.
      const p = requirePayment(seen.paymentId);
      const r = p.refunds.find((x) => x.id === seen.refundId);
      if (!r) throw new Error(`refund ${seen.refundId} vanished`);
      return refundView(p, r);
    }
    const payment = requirePayment(paymentId);
    if (payment.status !== "approved") {
      throw badRequest("invalid_payment_status", `payment ${paymentId} cannot be refunded`);
    }
    refund(paymentId, amount);
    const made = payment.refunds[payment.refunds.length - 1];
    if (!made) throw new Error("refund not recorded");
    refundKeys.set(idempotencyKey, { paymentId, refundId: made.id });
    return refundView(payment, made);
  }

  function sweepRefunds(): void {
    const t = now().getTime();
    for (const payment of refunding) {
      const due = payment.refunds.filter((r) => r.settleAt !== null && r.settleAt.getTime() <= t);
      for (const r of due) {
        r.settleAt = null;
        if (r.outcome === "processed") {
          give(payment, r, now());
        } else {
          // Not made: nothing goes back; the payment says so in its refunds.
          r.status = "rejected";
          payment.lastModified = now();
          emitPayment(payment, "payment.updated");
        }
      }
      if (payment.refunds.every((r) => r.settleAt === null)) refunding.delete(payment);
    }
  }

  return {
    refund,
    createRefund,
    listRefunds(paymentId) {
      sweep();
      const p = requirePayment(paymentId);
      return p.refunds.map((r) => refundView(p, r));
    },
    sweepRefunds,
  };
}
