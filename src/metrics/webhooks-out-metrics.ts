import { Counter, Gauge, Registry } from "prom-client";

// Webhooks out and the signature-mismatch fallback: one set per process (as Mercado Pago's call
// metrics are), merged into /metrics by metrics.ts. The queue figures are read at scrape time
// through `setQueueSource`, given at boot.

export const webhooksOutRegistry = new Registry();

const deliveries = new Counter({
  name: "webhook_deliveries_total",
  help: "Webhook delivery attempts by outcome (succeeded, retrying, failed) and endpoint",
  labelNames: ["outcome", "endpoint"] as const,
  registers: [webhooksOutRegistry],
});

const mismatchRereads = new Counter({
  name: "order_signature_mismatch_rereads_total",
  help: "Orders API notifications whose x-signature did not verify but named a pending sale of ours, re-read",
  registers: [webhooksOutRegistry],
});

type QueueSource = () => Promise<{ endpointId: string; pending: number; oldestS: number }[]>;
let queueSource: QueueSource | null = null;

/** Where the scrape reads each endpoint's queue from (the webhooks-out repository). */
export function setQueueSource(source: QueueSource): void {
  queueSource = source;
}

let cached: Promise<{ endpointId: string; pending: number; oldestS: number }[]> | null = null;
function readQueue() {
  // one read per scrape for both gauges
  cached ??= (queueSource?.() ?? Promise.resolve([])).finally(() =>
    setTimeout(() => (cached = null), 100),
  );
  return cached;
}

new Gauge({
  name: "webhook_queue_depth",
  help: "Webhook deliveries not yet succeeded or failed, by endpoint",
  labelNames: ["endpoint"] as const,
  registers: [webhooksOutRegistry],
  async collect() {
    this.reset();
    for (const q of await readQueue().catch(() => []))
      this.set({ endpoint: q.endpointId }, q.pending);
  },
});

new Gauge({
  name: "webhook_queue_oldest_seconds",
  help: "Age of the oldest webhook delivery still pending, by endpoint (0: none)",
  labelNames: ["endpoint"] as const,
  registers: [webhooksOutRegistry],
  async collect() {
    this.reset();
    for (const q of await readQueue().catch(() => []))
      this.set({ endpoint: q.endpointId }, q.oldestS);
  },
});

export function observeWebhookDelivery(
  outcome: "succeeded" | "retrying" | "failed",
  endpoint: string,
) {
  deliveries.inc({ outcome, endpoint });
}

export function observeSignatureMismatchReread(): void {
  mismatchRereads.inc();
}
