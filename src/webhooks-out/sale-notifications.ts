import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { NotificationHistory, SaleNotifications } from "../sales/sale-notifications.ts";

/** Most rows of each side one history shows; a sale has a handful of each. */
const LIMIT = 200;

type Inbound = SaleNotifications["inbound"][number];
type Outbound = SaleNotifications["outbound"][number];

/**
 * A sale's notifications both ways: the inbox rows whose read led to it, and every attempt to
 * deliver its events (a delivery not attempted yet shows once, with no time), in event order.
 */
export function notificationHistoryOf(db: Db): NotificationHistory {
  return {
    async ofSale(sale, merchantId) {
      // a merchant's key is shown its own endpoints only, never the platform's
      const whose =
        merchantId === undefined
          ? Prisma.empty
          : Prisma.sql`AND e.merchant_id = ${merchantId}::uuid`;
      const [inbound, outbound] = await Promise.all([
        db.notification.findMany({
          where: { saleId: sale.id },
          orderBy: [{ firstReceivedAt: "asc" }, { id: "asc" }],
          take: LIMIT,
        }),
        db.$queryRaw<
          {
            delivery_id: string;
            endpoint_id: string;
            endpoint_url: string;
            event_id: string;
            event_type: string;
            delivery_status: Outbound["delivery_status"];
            at: Date | null;
            status_code: number | null;
            latency_ms: number | null;
            error: string | null;
          }[]
        >`
          SELECT d.id AS delivery_id, e.id AS endpoint_id, e.url AS endpoint_url,
                 o.id AS event_id, o.type AS event_type, d.status AS delivery_status,
                 a.at, a.status_code, a.latency_ms, a.error
            FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.id = d.endpoint_id
            JOIN outbound_events o ON o.seq = d.event_seq
            LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
           WHERE d.sale_id = ${sale.id}::uuid ${whose}
           ORDER BY o.seq, d.created_at, a.id
           LIMIT ${LIMIT}`,
      ]);
      return {
        inbound: inbound.map((n): Inbound => ({
          topic: n.topic as Inbound["topic"],
          resource_id: n.resourceId,
          first_received_at: n.firstReceivedAt.toISOString(),
          received_at: n.lastReceivedAt.toISOString(),
          deliveries: n.deliveries,
          signature_valid: n.signatureValid,
          outcome: n.readOutcome,
          processed_at: n.processedAt?.toISOString() ?? null,
          error: n.lastError,
        })),
        outbound: outbound.map((r): Outbound => ({ ...r, at: r.at?.toISOString() ?? null })),
      };
    },
  };
}
