// Mercado Pago Orders API for QR (`POST /v1/orders`, get, cancel, refund), after the reference
// doc §1–§4 and its §8 "simulator contract": one payment per order, money as strings, ISO-8601
// durations, X-Idempotency-Key on every write, the order/payment statuses of §3 and an `order`
// event on each change (processed, canceled, refunded, expired). Pure logic, no HTTP.

import type {
  ApiOrder,
  ApiOrderAction,
  ApiPayOutcome,
  OrdersApiOptions,
  Payment,
  SimulatorState,
} from "./types.ts";
import type { StoresPos } from "./stores.ts";
import { validateOrderCreate } from "../orders-validation.ts";
import { SimulatorError, ordersError, wholeUnitProblem } from "../util.ts";
import { PAYMENT_ID_BASE } from "./core.ts";
import type { PosRecord, StateCore } from "./core.ts";
import { canonical, createIdempotency } from "./idempotency.ts";
import { ORDER_ID, createUlid } from "./order-ids.ts";
import {
  orderPageView,
  orderSummary,
  orderView,
  qrData,
  requireOrderStatus,
} from "./order-record.ts";
import type { OrderRecord } from "./order-record.ts";
import { createOrderRefunds } from "./order-refunds.ts";
import { orderPaymentView } from "./order-payments-view.ts";

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
  /** Whether this account holds the order. */
  has(id: string): boolean;
  /** Expires `created` orders past their expiration time (a sweeper). */
  sweepOrders(): void;
  reset(): void;
  /** The payments of the paid orders, as `GET /v1/payments/search` lists them. */
  payments(): Payment[];
  /** Short views of every order, for the state summary. */
  summaries(): Record<string, unknown>[];
  /** The page's view of the order on a POS (amounts as numbers, like an Instore order). */
  pageView(pos: PosRecord): { order: Record<string, unknown>; expiresAt: Date } | null;
}

export function createOrdersApi(
  core: StateCore,
  storesPos: StoresPos,
  options: OrdersApiOptions = {},
): OrdersApi {
  const { now, currencyId, posByExternalId, sweep } = core;
  const orders = new Map<string, OrderRecord>();
  const byReference = new Map<string, OrderRecord[]>();
  const live = new Set<OrderRecord>();
  const { idempotent, clear: clearIdempotency } = createIdempotency(now);
  const autoCreatePos = options.ordersAutoCreatePos ?? true;
  const ulid = createUlid(now);

  function view(o: OrderRecord): ApiOrder {
    return orderView(o, core);
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

  /**
   * The order, or 404 `order_not_found`, also for another seller's order: Mercado Pago answers a
   * read of it as of a missing one (UNCONFIRMED: its code for an unknown id is not documented).
   * A refund of another seller's order is `400 invalid_order_owner`, as the refund's error list
   * documents ("order created by another user").
   */
  function requireOrder(id: string, purpose: "read" | "refund" = "read"): OrderRecord {
    if (!ORDER_ID.test(id)) {
      throw ordersError(
        400,
        "invalid_path_param",
        "order_id must start with ORD followed by 26 characters",
        ["order_id"],
      );
    }
    const o = orders.get(id);
    if (!o && purpose === "refund" && core.shared.orderOwners.has(id)) {
      throw ordersError(400, "invalid_order_owner", `Order ${id} was created by another user`);
    }
    if (!o) throw ordersError(404, "order_not_found", `Order ${id} not found`);
    return o;
  }

  const refunds = createOrderRefunds({
    core,
    requireOrder: (id) => requireOrder(id, "refund"),
    idempotent,
    change,
    view,
    ulid,
  });

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
        paidAt: null,
        refunds: [],
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      if (valid.mode !== "static") record.qrData = qrData(record);
      orders.set(id, record);
      core.shared.orderOwners.set(id, core.collectorId);
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
      requireOrderStatus(o, {
        only: "created",
        done: "canceled",
        already: "order_already_canceled",
        cannot: "cannot_cancel_order",
        verb: "canceled",
      });
      o.status = "canceled";
      o.statusDetail = "canceled";
      o.paymentStatus = "canceled";
      o.paymentStatusDetail = "canceled_by_api";
      change(o, "order.canceled");
      return { status: 200, body: view(o) };
    });
    return answer as { status: number; body: ApiOrder };
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
    o.paidAt = now();
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
    refunds.settleDue(t);
  }

  return {
    createApiOrder,
    getApiOrder(id) {
      sweep();
      return view(requireOrder(id));
    },
    cancelApiOrder,
    refundApiOrder: refunds.refundApiOrder,
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
    has: (id) => orders.has(id),
    sweepOrders,
    reset() {
      for (const id of orders.keys()) core.shared.orderOwners.delete(id);
      orders.clear();
      byReference.clear();
      live.clear();
      refunds.reset();
      clearIdempotency();
    },
    payments() {
      return [...orders.values()].flatMap((o) => orderPaymentView(o, core) ?? []);
    },
    summaries() {
      return [...orders.values()].map(orderSummary);
    },
    pageView(pos) {
      const o = pos.apiOrderId ? orders.get(pos.apiOrderId) : undefined;
      return o ? orderPageView(o) : null;
    },
  };
}
