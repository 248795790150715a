// Merchant orders and payments of the legacy QR flow (Instore Orders v2): the merchant order a
// scan creates, the payments the customer side makes, their notifications, expiry, and the
// merchant order search; how they read is in merchant-order-views.ts. Pure logic, no HTTP.

import type {
  MerchantOrder,
  MerchantOrderSearchResult,
  PayOptions,
  PayOutcome,
  Payment,
  PaymentRefund,
  ReferenceTruth,
  SimulatorState,
} from "./types.ts";
import type { StoresPos } from "./stores.ts";
import { fromCents, hasAtMostTwoDecimals, toCents } from "../util.ts";
import { MERCHANT_ORDER_ID_BASE, PAYMENT_ID_BASE, badRequest, conflict, notFound } from "./core.ts";
import type { MerchantOrderRecord, PaymentRecord, StateCore } from "./core.ts";
import { createMerchantOrderViews } from "./merchant-order-views.ts";

/** What the merchant orders alone say of a reference (`ReferenceTruth` without the Orders API). */
export type InstoreTruth = Omit<ReferenceTruth, "paid_order_id" | "order_ids">;
export const STATUS_DETAIL: Record<PayOutcome, string> = {
  approved: "accredited",
  rejected: "cc_rejected_other_reason",
  pending: "pending_waiting_payment",
  in_process: "pending_contingency",
};

export interface MerchantOrdersPayments extends Pick<
  SimulatorState,
  "scan" | "pay" | "settlePayment" | "expire" | "searchMerchantOrders"
> {
  approvedCents(mo: MerchantOrderRecord): number;
  moView(mo: MerchantOrderRecord): MerchantOrder;
  paymentView(p: PaymentRecord): Payment;
  refundView(p: PaymentRecord, r: PaymentRecord["refunds"][number]): PaymentRefund;
  emitMo(mo: MerchantOrderRecord, action: "created" | "updated"): void;
  emitPayment(p: PaymentRecord, action: "payment.created" | "payment.updated"): void;
  requireMo(id: number): MerchantOrderRecord;
  requirePayment(id: number): PaymentRecord;
  merchantOrdersByReference(externalReference: string): MerchantOrder[];
  /** The merchant orders' side of the truth; the state adds the Orders API's. */
  truth(externalReference: string): InstoreTruth;
  /** Expires merchant orders past their time (a sweeper). */
  sweepMerchantOrders(): void;
}

export function createMerchantOrdersPayments(
  core: StateCore,
  storesPos: StoresPos,
): MerchantOrdersPayments {
  const {
    now,
    posByExternalId,
    merchantOrders,
    payments,
    moByReference,
    moByPos,
    liveMerchantOrders,
    posWithExpiringSlot,
    indexed,
    emit,
    sweep,
  } = core;
  const { requirePos } = storesPos;
  const { approvedCents, hasApprovedOrPending, moView, paymentView, refundView } =
    createMerchantOrderViews(core);

  function emitMo(mo: MerchantOrderRecord, action: "created" | "updated"): void {
    emit({ type: "merchant_order", action, merchantOrder: moView(mo) });
  }

  function emitPayment(p: PaymentRecord, action: "payment.created" | "payment.updated"): void {
    const mo = merchantOrders.get(p.merchantOrderId);
    emit({
      type: "payment",
      action,
      payment: paymentView(p),
      notificationUrl: mo ? mo.notificationUrl : null,
    });
  }

  function sweepMerchantOrders(): void {
    const t = now().getTime();
    for (const mo of liveMerchantOrders) {
      if (mo.closed || mo.expired) {
        liveMerchantOrders.delete(mo);
        continue;
      }
      if (!mo.expiresAt) continue;
      if (mo.expiresAt.getTime() > t) continue;
      // Expired = cancelled order with no approved or pending payment (API reference §4.2).
      if (hasApprovedOrPending(mo)) continue;
      mo.expired = true;
      liveMerchantOrders.delete(mo);
      mo.lastUpdated = new Date(Math.max(mo.expiresAt.getTime(), mo.lastUpdated.getTime()));
      emitMo(mo, "updated");
    }
  }

  // ----- merchant orders and payments ----------------------------------------------------------

  function scan(posExternalId: string): MerchantOrder {
    sweep();
    const pos = requirePos(posExternalId);
    const slot = pos.slot;
    if (!slot) throw conflict(`POS ${posExternalId} has no order (waiting screen)`);
    const at = now();
    const mo: MerchantOrderRecord = {
      id: MERCHANT_ORDER_ID_BASE + core.next("mo"),
      posExternalId,
      slotSeq: slot.seq,
      order: structuredClone(slot.order),
      externalReference: slot.externalReference,
      totalCents: slot.totalCents,
      notificationUrl: slot.notificationUrl,
      expiresAt: slot.expiresAt,
      dateCreated: at,
      lastUpdated: at,
      closed: false,
      expired: false,
      paymentIds: [],
    };
    merchantOrders.set(mo.id, mo);
    indexed(moByReference, mo.externalReference).push(mo);
    indexed(moByPos, posExternalId).push(mo);
    liveMerchantOrders.add(mo);
    emitMo(mo, "created");
    return moView(mo);
  }

  function requireMo(id: number): MerchantOrderRecord {
    const mo = merchantOrders.get(id);
    if (!mo) throw notFound("not_found", `Merchant Order ${id} not found`);
    return mo;
  }

  function requirePayment(id: number): PaymentRecord {
    const p = payments.get(id);
    if (!p) throw notFound("not_found", `Payment not found`);
    return p;
  }

  /** Re-evaluates closure after a payment change and frees the POS when paid in full. */
  function afterPaymentChange(mo: MerchantOrderRecord): void {
    if (!mo.closed && !mo.expired && approvedCents(mo) >= mo.totalCents) {
      mo.closed = true;
      // The customer paid: the QR goes back to the waiting screen.
      const pos = posByExternalId.get(mo.posExternalId);
      if (pos?.slot && pos.slot.seq === mo.slotSeq) pos.slot = null;
    }
  }

  function pay(
    target: string | number,
    options: PayOptions,
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    if (!Object.hasOwn(STATUS_DETAIL, options.status)) {
      throw badRequest(
        "invalid_status",
        "status must be approved, rejected, pending or in_process",
      );
    }
    let mo: MerchantOrderRecord;
    if (typeof target === "number") {
      mo = requireMo(target);
    } else {
      const pos = requirePos(target);
      const slot = pos.slot;
      if (!slot) throw conflict(`POS ${target} has no order (waiting screen)`);
      let latest: MerchantOrderRecord | undefined;
      for (const candidate of moByPos.get(target) ?? []) {
        if (candidate.slotSeq !== slot.seq) continue;
        if (candidate.closed || candidate.expired) continue;
        if (!latest || candidate.id > latest.id) latest = candidate;
      }
      // Paying without a merchant order means the customer scans first.
      mo = latest ?? requireMo(scan(target).id);
    }
    if (mo.expired && !(options.late && options.status === "approved")) {
      throw conflict(`merchant order ${mo.id} is expired`);
    }
    if (mo.expired) {
      mo.expired = false;
      liveMerchantOrders.delete(mo);
    }
    if (mo.closed) throw conflict(`merchant order ${mo.id} is already closed`);

    let amountCents: number;
    if (options.amount === undefined) {
      const remaining = mo.totalCents - approvedCents(mo);
      amountCents = remaining > 0 ? remaining : mo.totalCents;
    } else {
      if (
        typeof options.amount !== "number" ||
        !Number.isFinite(options.amount) ||
        options.amount <= 0 ||
        !hasAtMostTwoDecimals(options.amount)
      ) {
        throw badRequest("invalid_amount", "amount must be a positive number with 2 decimals max");
      }
      amountCents = toCents(options.amount);
    }

    const at = now();
    const payment: PaymentRecord = {
      id: PAYMENT_ID_BASE + core.next("payment"),
      merchantOrderId: mo.id,
      status: options.status,
      statusDetail: STATUS_DETAIL[options.status],
      amountCents,
      refundedCents: 0,
      refunds: [],
      dateCreated: at,
      dateApproved: options.status === "approved" ? at : null,
      lastModified: at,
    };
    payments.set(payment.id, payment);
    mo.paymentIds.push(payment.id);
    mo.lastUpdated = at;
    afterPaymentChange(mo);
    emitPayment(payment, "payment.created");
    emitMo(mo, "updated");
    return { payment: paymentView(payment), merchantOrder: moView(mo) };
  }

  function settlePayment(
    paymentId: number,
    status: "approved" | "rejected",
  ): { payment: Payment; merchantOrder: MerchantOrder } {
    sweep();
    const payment = requirePayment(paymentId);
    if (payment.status !== "pending" && payment.status !== "in_process") {
      throw conflict(`payment ${paymentId} is ${payment.status}, not pending`);
    }
    const mo = requireMo(payment.merchantOrderId);
    if (status === "approved" && (mo.closed || mo.expired)) {
      throw conflict(`merchant order ${mo.id} is ${mo.closed ? "closed" : "expired"}`);
    }
    const at = now();
    payment.status = status;
    payment.statusDetail = STATUS_DETAIL[status];
    payment.lastModified = at;
    if (status === "approved") payment.dateApproved = at;
    mo.lastUpdated = at;
    afterPaymentChange(mo);
    emitPayment(payment, "payment.updated");
    emitMo(mo, "updated");
    // A rejected settlement can leave an order past its expiry without live payments.
    sweep();
    return { payment: paymentView(payment), merchantOrder: moView(mo) };
  }

  function expire(posExternalId: string): MerchantOrder[] {
    sweep();
    const pos = requirePos(posExternalId);
    const at = now();
    if (pos.slot) {
      pos.slot.expiresAt = at;
      posWithExpiringSlot.add(pos);
    }
    const affected: MerchantOrderRecord[] = [];
    for (const mo of moByPos.get(posExternalId) ?? []) {
      if (mo.closed || mo.expired) continue;
      if (hasApprovedOrPending(mo)) continue;
      mo.expiresAt = at;
      affected.push(mo);
    }
    sweep();
    return affected.map(moView);
  }

  function searchMerchantOrders(query: {
    external_reference?: string;
    status?: string;
    limit?: number;
    offset?: number;
  }): MerchantOrderSearchResult {
    sweep();
    const records =
      query.external_reference === undefined
        ? [...merchantOrders.values()]
        : (moByReference.get(query.external_reference) ?? []);
    let list = records.map(moView);
    if (query.status !== undefined) list = list.filter((mo) => mo.status === query.status);
    const total = list.length;
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.max(1, Math.min(query.limit ?? 30, 100));
    const page = list.slice(offset, offset + limit);
    // Mercado Pago answers `elements: null` (not an empty list) when nothing matches.
    return {
      elements: page.length > 0 ? page : null,
      next_offset: page.length > 0 ? offset + page.length : 0,
      total,
    };
  }

  function merchantOrdersByReference(externalReference: string): MerchantOrder[] {
    sweep();
    return (moByReference.get(externalReference) ?? []).map(moView);
  }

  function truth(externalReference: string): InstoreTruth {
    sweep();
    const list = moByReference.get(externalReference) ?? [];
    let paidId: number | null = null;
    let approved = 0;
    for (const mo of list) {
      const cents = approvedCents(mo);
      approved += cents;
      if (paidId === null && mo.closed && cents >= mo.totalCents) paidId = mo.id;
    }
    return {
      external_reference: externalReference,
      paid: paidId !== null,
      paid_merchant_order_id: paidId,
      merchant_order_ids: list.map((mo) => mo.id),
      approved_amount: fromCents(approved),
    };
  }

  return {
    approvedCents,
    moView,
    paymentView,
    refundView,
    emitMo,
    emitPayment,
    requireMo,
    requirePayment,
    scan,
    pay,
    settlePayment,
    expire,
    searchMerchantOrders,
    merchantOrdersByReference,
    truth,
    sweepMerchantOrders,
  };
}
