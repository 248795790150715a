// Mercado Pago Orders API for QR (`POST /v1/orders`, get, cancel, refund), after the reference
// doc §1–§4 and its §8 "simulator contract": one payment per order, money as strings, ISO-8601
// durations, X-Idempotency-Key on every write, the order/payment statuses of §3 and an `order`
// event on each change (processed, canceled, refunded, expired). Pure logic, no HTTP.

import { randomBytes } from "node:crypto";

import type {
  ApiOrder,
  ApiOrderAction,
  ApiOrderPayment,
  ApiOrderStatus,
  ApiPaymentStatus,
  ApiPayOutcome,
  OrdersApiOptions,
  RefundOutcome,
  SimulatorState,
} from "./types.ts";
import type { StoresPos } from "./stores.ts";
import { validateOrderCreate, validateRefundBody } from "../orders-validation.ts";
import type { QrMode, ValidOrderItem } from "../orders-validation.ts";
import { SimulatorError, isRecord, ordersError, wholeUnitProblem } from "../util.ts";
import { PAYMENT_ID_BASE } from "./core.ts";
import type { PosRecord, StateCore } from "./core.ts";

// ---------------------------------------------------------------------------------------------
// Internal records

interface RefundRecord {
  id: string;
  referenceId: string;
  amountCents: number;
  /** When an asynchronous refund ends; null once it has. */
  settleAt: Date | null;
  /** How it ends (`processed` at once for a synchronous refund). */
  outcome: RefundOutcome;
}

/** A refund item's status as the order shows it. */
function refundStatus(r: RefundRecord): "processing" | "processed" | "failed" {
  return r.settleAt !== null ? "processing" : r.outcome;
}

/** Money a refund holds: given back, or on its way (a failed one holds nothing). */
function heldCents(r: RefundRecord): number {
  return refundStatus(r) === "failed" ? 0 : r.amountCents;
}

interface OrderRecord {
  id: string;
  paymentId: string;
  body: Record<string, unknown>;
  externalReference: string;
  description: string | null;
  totalCents: number;
  expirationTime: string;
  expiresAt: Date;
  posExternalId: string;
  mode: QrMode;
  items: ValidOrderItem[];
  sponsorId: string | null;
  qrData: string | null;
  status: ApiOrderStatus;
  statusDetail: string;
  paymentStatus: ApiPaymentStatus;
  paymentStatusDetail: string;
  paidCents: number;
  referenceId: string | null;
  refunds: RefundRecord[];
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

interface IdempotentAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
  at: number;
}

export interface OrdersApi extends Pick<
  SimulatorState,
  | "createApiOrder"
  | "getApiOrder"
  | "cancelApiOrder"
  | "refundApiOrder"
  | "payApiOrder"
  | "expireApiOrder"
  | "cancelApiOrderElsewhere"
  | "apiOrderOnPos"
  | "apiOrdersByReference"
> {
  /** Expires `created` orders past their expiration time (a sweeper). */
  sweepOrders(): void;
  reset(): void;
  /** Short views of every order, for the state summary. */
  summaries(): Record<string, unknown>[];
  /** The page's view of the order on a POS (amounts as numbers, like an Instore order). */
  pageView(pos: PosRecord): { order: Record<string, unknown>; expiresAt: Date } | null;
}

const COUNTRY_BY_SITE: Record<string, string> = {
  MLA: "ARG",
  MLB: "BRA",
  MLC: "CHL",
  MCO: "COL",
  MLM: "MEX",
  MPE: "PER",
  MLU: "URY",
};
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Path ids: `ORD` (or `ORDTST`) followed by 26 characters. */
export const ORDER_ID = /^ORD(?:TST)?[0-9A-Z]{26}$/;
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
const APPLICATION_ID = "1234567890123456";

function amount(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** Stable JSON (sorted keys), so two equal bodies give the same idempotency fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function createOrdersApi(
  core: StateCore,
  storesPos: StoresPos,
  options: OrdersApiOptions = {},
): OrdersApi {
  const { now, collectorId, siteId, currencyId, posByExternalId, sweep } = core;
  const orders = new Map<string, OrderRecord>();
  const byReference = new Map<string, OrderRecord[]>();
  const live = new Set<OrderRecord>();
  // Orders with a refund still `processing` (async refund mode).
  const refunding = new Set<OrderRecord>();
  const idempotency = new Map<string, IdempotentAnswer>();
  const autoCreatePos = options.ordersAutoCreatePos ?? true;
  let lastUlidMs = 0;
  let ulidSeq = 0;

  /** A ULID-like id: 10 characters of time and 16 of randomness (Crockford base 32). */
  function ulid(): string {
    let t = now().getTime();
    // Keeps ids unique (and sorted) when the clock does not move, as with a fake clock.
    if (t <= lastUlidMs) {
      ulidSeq += 1;
      t = lastUlidMs;
    } else {
      lastUlidMs = t;
      ulidSeq = 0;
    }
    let time = "";
    for (let i = 0; i < 10; i += 1) {
      time = (CROCKFORD[t % 32] ?? "0") + time;
      t = Math.floor(t / 32);
    }
    const bytes = randomBytes(16);
    let rand = "";
    for (const b of bytes) rand += CROCKFORD[b % 32] ?? "0";
    let seq = "";
    for (let i = 0, n = ulidSeq; i < 4; i += 1, n = Math.floor(n / 32)) {
      seq = (CROCKFORD[n % 32] ?? "0") + seq;
    }
    return `${time}${rand.slice(0, 12)}${seq}`;
  }

  function iso(d: Date): string {
    return d.toISOString();
  }

  function view(o: OrderRecord): ApiOrder {
    const payment: ApiOrderPayment = {
      id: o.paymentId,
      amount: amount(o.totalCents),
      status: o.paymentStatus,
      status_detail: o.paymentStatusDetail,
    };
    if (o.referenceId !== null) {
      payment.paid_amount = amount(o.paidCents);
      payment.payment_method = { id: "account_money", type: "account_money", installments: 1 };
      payment.reference = { id: o.referenceId };
    }
    const integration: Record<string, unknown> = { application_id: APPLICATION_ID };
    const sent = o.body["integration_data"];
    if (isRecord(sent)) Object.assign(integration, structuredClone(sent));
    const order: ApiOrder = {
      id: o.id,
      type: "qr",
      user_id: String(collectorId),
      external_reference: o.externalReference,
      total_amount: amount(o.totalCents),
      expiration_time: o.expirationTime,
      processing_mode: "automatic",
      country_code: COUNTRY_BY_SITE[siteId] ?? "ARG",
      status: o.status,
      status_detail: o.statusDetail,
      currency: currencyId,
      created_date: iso(o.createdAt),
      last_updated_date: iso(o.updatedAt),
      integration_data: integration,
      config: { qr: { external_pos_id: o.posExternalId, mode: o.mode } },
      transactions: { payments: [payment] },
    };
    if (o.description !== null) order.description = o.description;
    if (o.referenceId !== null) order.total_paid_amount = amount(o.paidCents);
    if (o.refunds.length > 0) {
      order.transactions.refunds = o.refunds.map((r) => ({
        id: r.id,
        transaction_id: o.paymentId,
        reference_id: r.referenceId,
        amount: amount(r.amountCents),
        status: refundStatus(r),
      }));
    }
    if (o.body["items"] !== undefined) order.items = structuredClone(o.body["items"] as unknown[]);
    if (o.body["discounts"] !== undefined) order.discounts = structuredClone(o.body["discounts"]);
    if (o.qrData !== null) order.type_response = { qr_data: o.qrData };
    return order;
  }

  function change(o: OrderRecord, action: ApiOrderAction): void {
    o.updatedAt = now();
    o.version += 1;
    if (o.status !== "created") {
      live.delete(o);
      const pos = posByExternalId.get(o.posExternalId);
      if (pos?.apiOrderId === o.id) pos.apiOrderId = null;
    }
    core.emit({ type: "order", action, order: view(o), version: o.version });
  }

  function requireOrder(id: string): OrderRecord {
    if (!ORDER_ID.test(id)) {
      throw ordersError(
        400,
        "invalid_path_param",
        "order_id must start with ORD followed by 26 characters",
        ["order_id"],
      );
    }
    const o = orders.get(id);
    if (!o) throw ordersError(404, "order_not_found", `Order ${id} not found`);
    return o;
  }

  /**
   * X-Idempotency-Key: required; the same key with the same request within 24 h answers what the
   * first call answered (without doing it again); with another request, 409
   * `idempotency_key_already_used`. Failed calls are not remembered, so they can be retried.
   */
  function idempotent(
    key: string | undefined,
    fingerprint: string,
    run: () => { status: number; body: unknown },
  ): { status: number; body: unknown } {
    if (key === undefined || key === "") {
      throw ordersError(400, "empty_required_header", "The header X-Idempotency-Key is required", [
        "X-Idempotency-Key",
      ]);
    }
    // Documented for the Orders API (online); assumed to hold for QR.
    if (key.length > 128) {
      throw ordersError(
        400,
        "invalid_idempotency_key_length",
        "X-Idempotency-Key must have at most 128 characters",
        ["X-Idempotency-Key"],
      );
    }
    const t = now().getTime();
    const seen = idempotency.get(key);
    if (seen && t - seen.at < IDEMPOTENCY_WINDOW_MS) {
      if (seen.fingerprint !== fingerprint) {
        throw ordersError(
          409,
          "idempotency_key_already_used",
          "The X-Idempotency-Key was already used with a different request",
        );
      }
      return { status: seen.status, body: structuredClone(seen.body) };
    }
    const answer = run();
    idempotency.set(key, { fingerprint, ...answer, body: structuredClone(answer.body), at: t });
    return answer;
  }

  function requirePosForOrder(externalId: string): PosRecord {
    const pos = posByExternalId.get(externalId);
    if (pos) return pos;
    if (autoCreatePos && /^[A-Za-z0-9]{1,40}$/.test(externalId)) {
      return storesPos.ensurePosRecord(externalId);
    }
    throw ordersError(404, "pos_not_found", `No POS with external_id ${externalId}`, [
      "config.qr.external_pos_id",
    ]);
  }

  function qrData(o: { id: string; totalCents: number; posExternalId: string }): string {
    // EMVCo-looking (payload format, merchant account, currency, amount, country, CRC); it only
    // identifies the order for the simulator, it is not a payable Mercado Pago code.
    const value = amount(o.totalCents);
    const mai = `0014br.gov.mpsim01${String(o.id.length).padStart(2, "0")}${o.id}`;
    return (
      `000201010212` +
      `26${String(mai.length).padStart(2, "0")}${mai}` +
      `5303032` +
      `54${String(value.length).padStart(2, "0")}${value}` +
      `5802AR` +
      `62${String(o.posExternalId.length + 4).padStart(2, "0")}05${String(o.posExternalId.length).padStart(2, "0")}${o.posExternalId}` +
      `6304SIM0`
    );
  }

  function createApiOrder(
    raw: unknown,
    key: string | undefined,
  ): { status: number; body: ApiOrder } {
    sweep();
    const answer = idempotent(key, `create:${canonical(raw)}`, () => {
      const valid = validateOrderCreate(raw);
      // whole pesos in Chile and Colombia, as Mercado Pago words the refusal
      const fraction = [
        { cents: valid.totalCents, path: "total_amount" },
        ...valid.items.map((it, i) => ({
          cents: it.unitPriceCents,
          path: `items[${i}].unit_price`,
        })),
      ].find((a) => wholeUnitProblem(a.cents, currencyId) !== null);
      if (fraction) {
        throw ordersError(
          400,
          "property_value",
          wholeUnitProblem(fraction.cents, currencyId) ?? "",
          [fraction.path],
        );
      }
      const pos = requirePosForOrder(valid.posExternalId);
      const current = pos.apiOrderId ? orders.get(pos.apiOrderId) : undefined;
      if (current?.status === "created") {
        // Choice: what Mercado Pago does with a second order on a POS that has one `created`
        // is not documented; refusing it keeps "one order per POS" visible to the caller.
        throw ordersError(
          409,
          "pos_already_has_an_order",
          `POS ${valid.posExternalId} already has the created order ${current.id}`,
        );
      }
      const at = now();
      const prefix = options.ordersTestIds ? "ORDTST" : "ORD";
      const id = `${prefix}${ulid()}`;
      const record: OrderRecord = {
        id,
        paymentId: `PAY${ulid()}`,
        body: valid.body,
        externalReference: valid.externalReference,
        description: valid.description,
        totalCents: valid.totalCents,
        expirationTime: valid.expirationTime,
        expiresAt: new Date(at.getTime() + valid.expirationMs),
        posExternalId: pos.externalId,
        mode: valid.mode,
        items: valid.items,
        sponsorId: valid.sponsorId,
        qrData: null,
        status: "created",
        statusDetail: "created",
        paymentStatus: "created",
        paymentStatusDetail: "ready_to_process",
        paidCents: 0,
        referenceId: null,
        refunds: [],
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      if (valid.mode !== "static") record.qrData = qrData(record);
      orders.set(id, record);
      core.indexed(byReference, record.externalReference).push(record);
      live.add(record);
      // The order takes the POS, also from an Instore v2 order (as a new PUT would).
      pos.apiOrderId = id;
      pos.slot = null;
      return { status: 201, body: view(record) };
    });
    return answer as { status: number; body: ApiOrder };
  }

  function cancelApiOrder(id: string, key: string | undefined): { status: number; body: ApiOrder } {
    sweep();
    const answer = idempotent(key, `cancel:${id}`, () => {
      const o = requireOrder(id);
      if (o.status !== "created") {
        throw ordersError(
          409,
          o.status === "canceled" ? "order_already_canceled" : "cannot_cancel_order",
          `Order ${id} is ${o.status}; only a created order can be canceled`,
        );
      }
      o.status = "canceled";
      o.statusDetail = "canceled";
      o.paymentStatus = "canceled";
      o.paymentStatusDetail = "canceled_by_api";
      change(o, "order.canceled");
      return { status: 200, body: view(o) };
    });
    return answer as { status: number; body: ApiOrder };
  }

  function refundApiOrder(
    id: string,
    raw: unknown,
    key: string | undefined,
  ): { status: number; body: ApiOrder } {
    sweep();
    const answer = idempotent(key, `refund:${id}:${canonical(raw ?? null)}`, () => {
      const o = requireOrder(id);
      const partial = validateRefundBody(raw);
      if (o.status !== "processed") {
        throw ordersError(
          409,
          o.status === "refunded" ? "order_already_refunded" : "cannot_refund_order",
          `Order ${id} is ${o.status}; only a processed order can be refunded`,
        );
      }
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

  function resolve(target: string): OrderRecord {
    if (ORDER_ID.test(target)) return requireOrder(target);
    const pos = posByExternalId.get(target);
    if (!pos) throw new SimulatorError(404, "not_found", `POS ${target} not found`);
    const o = pos.apiOrderId ? orders.get(pos.apiOrderId) : undefined;
    if (!o) throw new SimulatorError(409, "conflict", `POS ${target} has no Orders API order`);
    return o;
  }

  function payApiOrder(
    target: string,
    outcome: ApiPayOutcome,
    amountCents?: number,
    late = false,
  ): ApiOrder {
    sweep();
    const o = resolve(target);
    // `late`: a payment in flight when the order expired lands after it (not documented for
    // QR; on request only, to show that a paid order wins over an expiry)
    if (o.status !== "created" && !(late && o.status === "expired")) {
      throw new SimulatorError(409, "conflict", `order ${o.id} is ${o.status}, not created`);
    }
    if (outcome !== "approved" && outcome !== "rejected") {
      throw new SimulatorError(
        400,
        "invalid_status",
        "an Orders API order is paid (approved) or the attempt is rejected",
      );
    }
    // The POS is fixed_amount: the buyer pays the order's amount, nothing else.
    if (amountCents !== undefined && amountCents !== o.totalCents) {
      throw new SimulatorError(400, "invalid_amount", "an Orders API order is paid in full");
    }
    // A rejected attempt leaves the order `created` so the buyer can try again (not documented
    // for QR); nothing is notified.
    if (outcome === "rejected") return view(o);
    o.status = "processed";
    o.statusDetail = "accredited";
    o.paymentStatus = "processed";
    o.paymentStatusDetail = "accredited";
    o.paidCents = o.totalCents;
    o.referenceId = String(PAYMENT_ID_BASE + core.next("payment"));
    change(o, "order.processed");
    return view(o);
  }

  /**
   * The order is cancelled outside this integration (the seller's panel, another integration):
   * as the cancel endpoint does, without its idempotency key.
   */
  function cancelApiOrderElsewhere(target: string): ApiOrder {
    sweep();
    const o = resolve(target);
    if (o.status !== "created") {
      throw new SimulatorError(409, "conflict", `order ${o.id} is ${o.status}, not created`);
    }
    o.status = "canceled";
    o.statusDetail = "canceled";
    o.paymentStatus = "canceled";
    o.paymentStatusDetail = "canceled_by_api";
    change(o, "order.canceled");
    return view(o);
  }

  function expireApiOrder(target: string): ApiOrder {
    sweep();
    const o = resolve(target);
    if (o.status === "created") {
      o.expiresAt = now();
      sweep();
    }
    return view(o);
  }

  function sweepOrders(): void {
    const t = now().getTime();
    for (const o of live) {
      if (o.status !== "created") {
        live.delete(o);
        continue;
      }
      if (o.expiresAt.getTime() > t) continue;
      o.status = "expired";
      o.statusDetail = "expired";
      o.paymentStatus = "expired";
      o.paymentStatusDetail = "expired";
      change(o, "order.expired");
    }
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
    createApiOrder,
    getApiOrder(id) {
      sweep();
      return view(requireOrder(id));
    },
    cancelApiOrder,
    refundApiOrder,
    payApiOrder,
    expireApiOrder,
    cancelApiOrderElsewhere,
    apiOrderOnPos(posExternalId) {
      sweep();
      const id = posByExternalId.get(posExternalId)?.apiOrderId ?? null;
      const o = id ? orders.get(id) : undefined;
      return o ? view(o) : null;
    },
    apiOrdersByReference(externalReference) {
      sweep();
      return (byReference.get(externalReference) ?? []).map(view);
    },
    sweepOrders,
    reset() {
      orders.clear();
      byReference.clear();
      live.clear();
      refunding.clear();
      idempotency.clear();
    },
    summaries() {
      return [...orders.values()].map((o) => ({
        id: o.id,
        external_reference: o.externalReference,
        external_pos_id: o.posExternalId,
        mode: o.mode,
        status: o.status,
        status_detail: o.statusDetail,
        total_amount: amount(o.totalCents),
      }));
    },
    pageView(pos) {
      const o = pos.apiOrderId ? orders.get(pos.apiOrderId) : undefined;
      if (!o) return null;
      return {
        order: {
          id: o.id,
          api: "orders",
          title: o.description ?? "",
          external_reference: o.externalReference,
          total_amount: o.totalCents / 100,
          items: o.items.map((it) => ({
            title: it.title,
            quantity: it.quantity,
            unit_price: it.unitPriceCents / 100,
            total_amount: (it.unitPriceCents * it.quantity) / 100,
          })),
        },
        expiresAt: o.expiresAt,
      };
    },
  };
}
