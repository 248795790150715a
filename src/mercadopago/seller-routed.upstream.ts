import type { MercadoPagoClient } from "./mercadopago.client.ts";
import type { InstoreUpstream, OrdersUpstream } from "./upstream.ts";

/**
 * Platform mode: whose account each sale's order is at. A sale's POS names its merchant (a POS
 * registered with POST /stores/:id/pos belongs to its store's merchant; any other POS to the
 * default merchant), and every call for the sale goes out with that merchant's client.
 */
export interface SellerRouting {
  merchantOfPos(posId: string): Promise<string | null>;
  /** the merchant of the sale an Orders API order id belongs to (refunds name only the order) */
  merchantOfOrder(orderId: string): Promise<string | null>;
  /** the merchant's client; throws AppError merchant_not_connected when it has no working token */
  clientFor(merchantId: string | null): Promise<MercadoPagoClient>;
}

/** Makes a seller's adapter; `merchantId` null for the default merchant (no marketplace fee). */
export type AdapterMaker<T> = (mp: MercadoPagoClient, merchantId: string | null) => T;

/** One adapter per client, made on first use and dropped with its client. */
function adapters<T extends object>(make: AdapterMaker<T>) {
  const made = new WeakMap<MercadoPagoClient, T>();
  return (mp: MercadoPagoClient, merchantId: string | null): T => {
    let adapter = made.get(mp);
    if (!adapter) {
      adapter = make(mp, merchantId);
      made.set(mp, adapter);
    }
    return adapter;
  };
}

export function routedInstoreUpstream(
  routing: SellerRouting,
  make: AdapterMaker<InstoreUpstream>,
): InstoreUpstream {
  const of = adapters(make);
  const forMerchant = async (merchantId: string | null) =>
    of(await routing.clientFor(merchantId), merchantId);
  const forPos = async (posId: string) => forMerchant(await routing.merchantOfPos(posId));
  return {
    api: "instore_v2",
    publish: async (req, o) => (await forPos(req.posId)).publish(req, o),
    withdraw: async (sale, o) => (await forPos(sale.posId)).withdraw(sale, o),
    read: async (sale, o) => (await forPos(sale.posId)).read(sale, o),
    holds: async (sale, o) => (await forPos(sale.posId)).holds(sale, o),
    clearPos: async (posId, o) => (await forPos(posId)).clearPos(posId, o),
    // the payments' details are read at the sale's merchant's account; never fails (see the port)
    async completeDetails(sale, payments, o) {
      const adapter = await forPos(sale.posId).catch(() => null);
      return adapter?.completeDetails ? adapter.completeDetails(sale, payments, o) : payments;
    },
  };
}

export function routedOrdersUpstream(
  routing: SellerRouting,
  make: AdapterMaker<OrdersUpstream>,
  /** the default merchant's adapter: its checks of a request are the same for every seller */
  base: OrdersUpstream,
): OrdersUpstream {
  const of = adapters(make);
  const forMerchant = async (merchantId: string | null) =>
    of(await routing.clientFor(merchantId), merchantId);
  const forPos = async (posId: string) => forMerchant(await routing.merchantOfPos(posId));
  return {
    api: "orders",
    problems: (sale) => base.problems(sale),
    publish: async (req, o) => (await forPos(req.posId)).publish(req, o),
    withdraw: async (sale, o) => (await forPos(sale.posId)).withdraw(sale, o),
    read: async (sale, o) => (await forPos(sale.posId)).read(sale, o),
    refund: async (orderId, paymentId, amountCents, key, o) =>
      (await forMerchant(await routing.merchantOfOrder(orderId))).refund(
        orderId,
        paymentId,
        amountCents,
        key,
        o,
      ),
  };
}
