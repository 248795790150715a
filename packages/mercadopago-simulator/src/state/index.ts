// In-memory state of the Mercado Pago simulator: stores, POS with their single order slot,
// merchant orders and payments. Pure logic, no HTTP. Time is read from `now()` and every
// time-dependent rule (order expiry) is evaluated lazily, so tests can drive a fake clock.

//
// Each resource lives in its own module (`<resource>.ts`) over a shared core (`core.ts`); the
// public types are in `types.ts`. This file puts the modules together; nothing imports it back.

import { timingSafeEqual } from "node:crypto";

import { createStateCore, initialRefundSettings } from "./core.ts";
import type { SharedCore } from "./core.ts";
import { createOrdersApi } from "./orders.ts";
import { createInstoreOrders } from "./instore.ts";
import { createMerchantOrdersPayments } from "./merchant-orders.ts";
import { createChargebacks } from "./chargebacks.ts";
import { createRefunds } from "./refunds.ts";
import { createStoresPos } from "./stores.ts";
import { fromCents, toCents } from "../util.ts";
import type {
  PosOverview,
  ReferenceTruth,
  SimulatorState,
  SimulatorStateOptions,
} from "./types.ts";

export type * from "./types.ts";
export { createSharedCore, type SharedCore } from "./core.ts";

/**
 * One seller's account. `shared` (createSharedCore) makes it one of several accounts of a
 * simulator: their ids never collide, and their events reach the same listeners.
 */
export function createSimulatorState(
  opts: SimulatorStateOptions,
  shared?: SharedCore,
): SimulatorState {
  const core = createStateCore(opts, shared);
  const { fmt, now, collectorId, siteId, currencyId, sweep } = core;
  const { stores, posByExternalId, merchantOrders, payments, moByPos } = core;
  const tokenBuffer = Buffer.from(opts.accessToken, "utf8");

  const storesPos = createStoresPos(core);
  const mos = createMerchantOrdersPayments(core, storesPos);
  const refunds = createRefunds(core, mos);
  const instore = createInstoreOrders(core, storesPos, mos);
  const ordersApi = createOrdersApi(core, storesPos, opts);
  const chargebacks = createChargebacks(core, mos);
  // Slots first: a merchant order's expiry does not depend on its slot, but this is the order
  // the rules always ran in.
  core.sweepers.push(
    instore.sweepSlots,
    mos.sweepMerchantOrders,
    ordersApi.sweepOrders,
    refunds.sweepRefunds,
  );
  const { posView, ensurePosRecord } = storesPos;
  const { moView } = mos;

  function listPos(): PosOverview[] {
    sweep();
    return [...posByExternalId.values()].map((pos) => {
      const api = ordersApi.pageView(pos);
      const expiresAt = pos.slot?.expiresAt ?? api?.expiresAt;
      return {
        pos: posView(pos),
        auto_created: pos.autoCreated,
        order: pos.slot ? structuredClone(pos.slot.order) : (api?.order ?? null),
        order_put_at: pos.slot ? fmt(pos.slot.putAt) : null,
        order_expires_at: expiresAt ? fmt(expiresAt) : null,
        api_order: ordersApi.apiOrderOnPos(pos.externalId),
        merchant_orders: [...(moByPos.get(pos.externalId) ?? [])]
          .sort((a, b) => b.id - a.id)
          .slice(0, 20)
          .map(moView),
      };
    });
  }

  function truth(externalReference: string): ReferenceTruth {
    const instoreTruth = mos.truth(externalReference);
    const orders = ordersApi.apiOrdersByReference(externalReference);
    // processed (partially refunded included) with the paid money covering the order's total,
    // as a closed merchant order counts; a fully refunded order is not paid, as for instore
    const paidOrders = orders.filter(
      (o) =>
        o.status === "processed" &&
        toCents(Number(o.total_paid_amount ?? "0")) >= toCents(Number(o.total_amount)),
    );
    const ordersPaidCents = paidOrders.reduce(
      (sum, o) => sum + toCents(Number(o.total_paid_amount ?? "0")),
      0,
    );
    const paidOrderId = paidOrders[0]?.id ?? null;
    return {
      ...instoreTruth,
      paid: instoreTruth.paid || paidOrderId !== null,
      paid_order_id: paidOrderId,
      order_ids: orders.map((o) => o.id),
      approved_amount: fromCents(toCents(instoreTruth.approved_amount) + ordersPaidCents),
    };
  }

  function summary(): Record<string, unknown> {
    sweep();
    return {
      collector_id: collectorId,
      site_id: siteId,
      currency_id: currencyId,
      now: fmt(now()),
      stores: [...stores.values()].map((s) => ({
        id: String(s.id),
        external_id: s.externalId,
        auto_created: s.autoCreated,
      })),
      pos: [...posByExternalId.values()].map((p) => ({
        id: p.id,
        external_id: p.externalId,
        external_store_id: p.externalStoreId,
        auto_created: p.autoCreated,
        current_order: p.slot
          ? {
              external_reference: p.slot.externalReference,
              total_amount: fromCents(p.slot.totalCents),
            }
          : null,
      })),
      merchant_orders: [...merchantOrders.values()].map((mo) => {
        const view = moView(mo);
        return {
          id: view.id,
          external_reference: view.external_reference,
          status: view.status,
          order_status: view.order_status,
          total_amount: view.total_amount,
          paid_amount: view.paid_amount,
          payments: view.payments.map((p) => ({ id: p.id, status: p.status })),
        };
      }),
      payments: payments.size,
      orders: ordersApi.summaries(),
    };
  }

  return {
    collectorId,
    siteId,
    currencyId,
    isValidAccessToken(token: string): boolean {
      const candidate = Buffer.from(token, "utf8");
      // a seller's account made without a token of its own accepts none (OAuth checks those)
      if (tokenBuffer.length === 0) return false;
      return candidate.length === tokenBuffer.length && timingSafeEqual(candidate, tokenBuffer);
    },
    subscribe(listener) {
      core.listeners.add(listener);
      return () => {
        core.listeners.delete(listener);
      };
    },
    sweep,
    holds(kind, id) {
      if (kind === "merchant_order") return merchantOrders.has(Number(id));
      if (kind === "payment") return payments.has(Number(id));
      return ordersApi.has(String(id));
    },
    reset() {
      stores.clear();
      posByExternalId.clear();
      merchantOrders.clear();
      payments.clear();
      core.moByReference.clear();
      moByPos.clear();
      core.liveMerchantOrders.clear();
      core.posWithExpiringSlot.clear();
      ordersApi.reset();
      chargebacks.reset();
      Object.assign(core.refundSettings, initialRefundSettings(opts));
    },
    putOrder: instore.putOrder,
    getOrder: instore.getOrder,
    deleteOrder: instore.deleteOrder,
    createStore: storesPos.createStore,
    searchStores: storesPos.searchStores,
    createPos: storesPos.createPos,
    getPos: storesPos.getPos,
    searchPos: storesPos.searchPos,
    findPosByExternalId: storesPos.findPosByExternalId,
    getMerchantOrder(id) {
      sweep();
      return moView(mos.requireMo(id));
    },
    searchMerchantOrders: mos.searchMerchantOrders,
    getPayment(id) {
      sweep();
      return mos.paymentView(mos.requirePayment(id));
    },
    getChargeback: chargebacks.getChargeback,
    chargeBack: chargebacks.chargeBack,
    listPayments() {
      sweep();
      return [...payments.values()].map((p) => mos.paymentView(p)).concat(ordersApi.payments());
    },
    ensurePos(externalId, storeExternalId) {
      return posView(ensurePosRecord(externalId, storeExternalId));
    },
    scan: mos.scan,
    pay: mos.pay,
    settlePayment: mos.settlePayment,
    expire: mos.expire,
    refund: refunds.refund,
    createRefund: refunds.createRefund,
    listRefunds: refunds.listRefunds,
    listPos,
    merchantOrdersByReference: mos.merchantOrdersByReference,
    truth,
    summary,
    createApiOrder: ordersApi.createApiOrder,
    getApiOrder: ordersApi.getApiOrder,
    cancelApiOrder: ordersApi.cancelApiOrder,
    refundApiOrder: ordersApi.refundApiOrder,
    payApiOrder: ordersApi.payApiOrder,
    expireApiOrder: ordersApi.expireApiOrder,
    cancelApiOrderElsewhere: ordersApi.cancelApiOrderElsewhere,
    setRefunds(change) {
      Object.assign(core.refundSettings, change);
      return { ...core.refundSettings };
    },
    refundSettings: () => ({ ...core.refundSettings }),
    apiOrderOnPos: ordersApi.apiOrderOnPos,
    apiOrdersByReference: ordersApi.apiOrdersByReference,
  };
}
