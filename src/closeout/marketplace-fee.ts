import { marketplaceFeeCents } from "../mercadopago/orders/order.ts";
import { siteProfile, type SiteId } from "../sites.ts";
import type { CloseSaleRow } from "./close-of-day.ts";

/**
 * The platform's marketplace fee in a store's day (platform mode): MP_MARKETPLACE_FEE_PERCENT of
 * each paid sale, as it was sent with the sale's order — on the Orders API only (instore v2
 * documents no fee field, so none was sent) and only at a merchant's store (the default
 * merchant's orders carry none). Rounded per sale as the order's `marketplace_fee` is
 * (orders/order.ts), so the day's sum is the sum of what was sent. Null: the day takes no fee.
 */
export function marketplaceFeeOfDay(
  percent: number | undefined,
  merchantId: string | null,
  site: SiteId,
): { percent: number; ofSale: (sale: CloseSaleRow) => number } | null {
  if (percent === undefined || merchantId === null) return null;
  const { decimals } = siteProfile(site);
  return {
    percent,
    ofSale: (sale) =>
      sale.api === "orders" ? marketplaceFeeCents(sale.totalCents, percent, decimals) : 0,
  };
}
