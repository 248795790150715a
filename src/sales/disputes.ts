import type { UpstreamObservation } from "../mercadopago/upstream.ts";
import type { Sale, SaleDispute } from "./sale.ts";

/**
 * A chargeback Mercado Pago shows on a paid sale's payment, to be recorded as the sale's dispute
 * (null: none to record). Only a `paid` sale is disputed, once (the first chargeback seen); the
 * dispute never moves its status: the money was paid and may come back to the merchant. Only
 * the sale's own resources speak (its reference, the API it was published on).
 */
export function disputeToOpen(
  sale: Pick<Sale, "status" | "dispute" | "externalReference" | "mercadopagoApi">,
  observations: readonly UpstreamObservation[],
): { dispute: SaleDispute; observation: UpstreamObservation } | null {
  if (sale.status !== "paid" || sale.dispute !== null) return null;
  for (const o of observations) {
    if (o.externalReference !== sale.externalReference || o.api !== sale.mercadopagoApi) continue;
    const c = o.chargebacks?.[0];
    if (!c) continue;
    return {
      observation: o,
      dispute: {
        status: c.status,
        amountCents: c.amountCents,
        openedAt: c.openedAt,
        paymentId: c.paymentId,
        chargebackId: c.id,
      },
    };
  }
  return null;
}
