import {
  MerchantOrderSchema,
  MerchantOrderSearchSchema,
  PosOrderSchema,
  type InstoreOrderBody,
  type MerchantOrder,
  type PosOrder,
} from "../mercadopago.schemas.ts";
import { MercadoPagoError } from "../mercadopago.errors.ts";
import { parse, type CallOptions, type Transport } from "../mercadopago.transport.ts";

/** Instore orders v2: the order on a POS's slot, and the merchant orders a scan makes. */
export interface InstoreCalls {
  putOrder(storeId: string, posId: string, body: InstoreOrderBody, o?: CallOptions): Promise<void>;
  /** The order currently on the POS, or null when the POS has none. */
  getPosOrder(posId: string, o?: CallOptions): Promise<PosOrder | null>;
  /** Removes whatever order is on the POS; a POS with none counts as done. */
  deletePosOrder(posId: string, o?: CallOptions): Promise<void>;
  getMerchantOrder(id: string, o?: CallOptions): Promise<MerchantOrder | null>;
  searchMerchantOrders(externalReference: string, o?: CallOptions): Promise<MerchantOrder[]>;
}

/** `collector`: the seller's user id, as it stands in a path. */
export function createInstoreCalls(
  { send, find, withRetry }: Transport,
  collector: string,
): InstoreCalls {
  const posOrders = (posId: string) =>
    `/instore/qr/seller/collectors/${collector}/pos/${encodeURIComponent(posId)}/orders`;

  return {
    async putOrder(storeId, posId, body, o) {
      // Not retried: a failed PUT is indeterminate and the caller looks at the POS instead.
      await send({
        method: "PUT",
        url: `/instore/qr/seller/collectors/${collector}/stores/${encodeURIComponent(storeId)}/pos/${encodeURIComponent(posId)}/orders`,
        data: body,
        ok: [200, 201, 204],
        deadline: o?.deadline,
      });
    },
    getPosOrder: (posId, o) => find(posOrders(posId), PosOrderSchema, "POS order", o?.deadline),
    async deletePosOrder(posId, o) {
      await withRetry(o?.deadline, async () => {
        try {
          await send({
            method: "DELETE",
            url: posOrders(posId),
            ok: [200, 204],
            deadline: o?.deadline,
          });
        } catch (err) {
          if (err instanceof MercadoPagoError && err.status === 404) return;
          throw err;
        }
      });
    },
    getMerchantOrder: (id, o) =>
      find(
        `/merchant_orders/${encodeURIComponent(id)}`,
        MerchantOrderSchema,
        "merchant order",
        o?.deadline,
      ),
    searchMerchantOrders: (externalReference, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: "/merchant_orders/search",
          params: { external_reference: externalReference },
          deadline: o?.deadline,
        });
        return parse(MerchantOrderSearchSchema, res, "merchant order search").elements;
      }),
  };
}
