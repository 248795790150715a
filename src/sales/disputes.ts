import type { ObservedChargeback, UpstreamObservation } from "../mercadopago/upstream.ts";
import type { Sale, SaleDispute } from "./sale.ts";

function disputeOf(c: ObservedChargeback): SaleDispute {
  return {
    status: c.status,
    amountCents: c.amountCents,
    openedAt: c.openedAt,
    paymentId: c.paymentId,
    chargebackId: c.id,
  };
}

/**
 * What a read says of a paid sale's chargeback (null: nothing to write). Only a `paid` sale is
 * disputed, once (`open`: the first chargeback seen); the dispute never moves its status: the
 * money was paid and may come back to the merchant. A later read of the chargeback itself (it
 * has an id: the chargeback resource, an Orders API order) brings its newer word (`update`):
 * status, amount, date; a payment's bare `charged_back` never overwrites what the chargeback
 * said. Only the sale's own resources speak (its reference, the API it was published on).
 */
export function disputeToOpen(
  sale: Pick<Sale, "status" | "dispute" | "externalReference" | "mercadopagoApi">,
  observations: readonly UpstreamObservation[],
): { dispute: SaleDispute; observation: UpstreamObservation; kind: "open" | "update" } | null {
  if (sale.status !== "paid" && !(sale.status === "refunded" && sale.dispute)) return null;
  for (const o of observations) {
    if (o.externalReference !== sale.externalReference || o.api !== sale.mercadopagoApi) continue;
    const stored = sale.dispute;
    if (!stored) {
      const first = o.chargebacks?.[0];
      if (first) return { observation: o, dispute: disputeOf(first), kind: "open" };
      continue;
    }
    const same = o.chargebacks?.find((c) => c.paymentId === stored.paymentId && c.id !== null);
    if (!same) continue;
    const fresh = disputeOf(same);
    const changed =
      fresh.status !== stored.status ||
      fresh.amountCents !== stored.amountCents ||
      fresh.chargebackId !== stored.chargebackId ||
      (fresh.openedAt !== null && fresh.openedAt !== stored.openedAt);
    if (!changed) continue;
    return {
      observation: o,
      dispute: { ...fresh, openedAt: fresh.openedAt ?? stored.openedAt },
      kind: "update",
    };
  }
  return null;
}
