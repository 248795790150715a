// Chargebacks of the legacy QR flow's payments: the customer's bank takes an approved payment's
// money back. The payment turns `charged_back` (its merchant order `partially_reverted` or
// `reverted`), a chargeback resource is opened (`GET /v1/chargebacks/{id}`: API reference,
// "Chargebacks") and notified on the `chargebacks` topic with the payment's and the merchant
// order's own notifications. Pure logic, no HTTP.

import type { MerchantOrdersPayments } from "./merchant-orders.ts";
import type { Chargeback } from "./types.ts";
import { conflict, notFound } from "./core.ts";
import type { StateCore } from "./core.ts";

/** Chargeback ids: digits, as Mercado Pago's (a base far from payment and order ids). */
const CHARGEBACK_ID_BASE = 2_000_000_000_000;

interface ChargebackRecord {
  id: string;
  paymentId: number;
  amountCents: number;
  createdAt: Date;
  deadline: Date;
}

export interface Chargebacks {
  /** An approved payment is charged back now; 409 for any other payment. */
  chargeBack(paymentId: number): {
    chargeback: Chargeback;
    payment: ReturnType<MerchantOrdersPayments["paymentView"]>;
  };
  getChargeback(id: string): Chargeback;
  reset(): void;
}

/** Days the seller has to send documentation (Mercado Pago's is case by case). */
const DOCUMENTATION_DAYS = 10;

export function createChargebacks(core: StateCore, mos: MerchantOrdersPayments): Chargebacks {
  const records = new Map<string, ChargebackRecord>();
  const { fmt, now, currencyId, sweep, emit } = core;

  function view(r: ChargebackRecord): Chargeback {
    return {
      id: r.id,
      payments: [r.paymentId],
      currency: currencyId,
      amount: r.amountCents / 100,
      coverage_applied: false,
      coverage_elegible: true,
      documentation_required: true,
      documentation_status: "pending",
      documentation: [],
      date_documentation_deadline: fmt(r.deadline),
      date_created: fmt(r.createdAt),
      date_last_updated: fmt(r.createdAt),
      live_mode: false,
    };
  }

  function chargeBack(paymentId: number) {
    sweep();
    const payment = mos.requirePayment(paymentId);
    if (payment.status !== "approved") {
      throw conflict(
        `payment ${paymentId} is ${payment.status}, only an approved one is charged back`,
      );
    }
    const mo = mos.requireMo(payment.merchantOrderId);
    const at = now();
    payment.status = "charged_back";
    payment.statusDetail = "reimbursed";
    payment.lastModified = at;
    mo.lastUpdated = at;
    const record: ChargebackRecord = {
      id: String(CHARGEBACK_ID_BASE + core.next("chargeback")),
      paymentId,
      amountCents: payment.amountCents - payment.refundedCents,
      createdAt: at,
      deadline: new Date(at.getTime() + DOCUMENTATION_DAYS * 86_400_000),
    };
    records.set(record.id, record);
    mos.emitPayment(payment, "payment.updated");
    mos.emitMo(mo, "updated");
    emit({
      type: "chargeback",
      action: "created",
      chargeback: view(record),
      notificationUrl: mo.notificationUrl,
      collectorId: core.collectorId,
    });
    return { chargeback: view(record), payment: mos.paymentView(payment) };
  }

  function getChargeback(id: string): Chargeback {
    const r = records.get(id);
    if (!r) throw notFound("not_found", "chargeback not found");
    return view(r);
  }

  return { chargeBack, getChargeback, reset: () => records.clear() };
}
