// Refunds of legacy payments (`POST/GET /v1/payments/{id}/refunds`) and the customer side refund
// helper. Pure logic, no HTTP.

import type { MerchantOrder, Payment, PaymentRefund, SimulatorState } from "./simulator.state.ts";
import type { MerchantOrdersPayments } from "./simulator.state.merchant-orders.ts";
import { hasAtMostTwoDecimals, toCents } from "./simulator.util.ts";
import { REFUND_ID_BASE, badRequest, conflict } from "./simulator.state.core.ts";
import type { StateCore } from "./simulator.state.core.ts";

export type Refunds = Pick<SimulatorState, "refund" | "createRefund" | "listRefunds">;

export function createRefunds(core: StateCore, mos: MerchantOrdersPayments): Refunds {
  const { now, refundKeys, sweep } = core;
  const { emitMo, emitPayment, moView, paymentView, refundView, requireMo, requirePayment } = mos;

  function refund(
    paymentId: number,
    amount?: number,
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    const payment = requirePayment(paymentId);
    if (payment.status !== "approved") {
      throw conflict(`payment ${paymentId} is ${payment.status}; only approved can be refunded`);
    }
    const available = payment.amountCents - payment.refundedCents;
    let cents = available;
    if (amount !== undefined) {
      if (typeof amount !== "number" || amount <= 0 || !hasAtMostTwoDecimals(amount)) {
        throw badRequest("invalid_amount", "amount must be a positive number with 2 decimals max");
      }
      cents = toCents(amount);
      if (cents > available) throw badRequest("invalid_amount", "amount exceeds the refundable");
    }
    const at = now();
    payment.refunds.push({ id: REFUND_ID_BASE + core.next("refund"), amountCents: cents, at });
    payment.refundedCents += cents;
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

  return {
    refund,
    createRefund,
    listRefunds(paymentId) {
      sweep();
      const p = requirePayment(paymentId);
      return p.refunds.map((r) => refundView(p, r));
    },
  };
}
