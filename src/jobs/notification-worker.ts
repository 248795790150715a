import type { Logger } from "pino";
import { AppError, messageOf } from "../errors.ts";
import { MercadoPagoError, type MercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import {
  CHARGEBACK_PAYMENTS_READ,
  sameResource,
  withChargeback,
  withPaymentRead,
} from "../mercadopago/instore-v2/chargeback.ts";
import { observeMerchantOrder } from "../mercadopago/instore-v2/merchant-order.ts";
import type { MerchantOrder } from "../mercadopago/mercadopago.schemas.ts";
import { observeOrder } from "../mercadopago/orders/order.ts";
import type { UpstreamObservation } from "../mercadopago/upstream.ts";
import {
  NOTIFICATION_PRIORITY,
  type ClaimedNotification,
  type InboxRepository,
  type WorkedNotification,
} from "../notifications/inbox.repository.ts";
import type { RefundsRepository } from "../refunds/refunds.repository.ts";
import type { SalesService } from "../sales/sales.service.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface NotificationWorkerDeps {
  inbox: InboxRepository;
  /** the default merchant's client (MP_ACCESS_TOKEN) */
  mp: MercadoPagoClient;
  /**
   * Platform mode: a merchant's client, for the notifications routed to it; throws AppError
   * merchant_not_connected when it has no working token (its rows wait and retry), not_found
   * for no such merchant (a forged id: its rows are given up). Unset: one merchant.
   */
  clientFor?: (merchantId: string) => Promise<MercadoPagoClient>;
  /**
   * How long one tick waits for a merchant's reads before it claims again without them: a
   * merchant whose Mercado Pago calls are slow keeps working its batch apart, and its rows are
   * left out of claims until it is done, so other merchants' notifications go on.
   */
  slowMerchantMs?: number;
  sales: Pick<SalesService, "applyObservations">;
  /** refunds Mercado Pago is processing are read again after a notification about their sale */
  refunds?: Pick<RefundsRepository, "wakeProcessing">;
  logger: Logger;
  batchSize?: number;
  /** how long a claimed row stays ours before another process may take it over */
  leaseMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  /**
   * How long a worked resource waits before another delivery makes it read again: short while
   * its sale is pending (a cashier waits) or when the read found nothing (Mercado Pago may not
   * show a new resource yet), long once the sale is settled or the resource is another's (only a
   * refund or a late payment can follow; the reconciler also watches).
   */
  quietMs?: { pending: number; settled: number };
}

const QUIET_MS = { pending: 1_000, settled: 10_000 };

/** Retry delay after a failed attempt: 1 s doubling to 5 min, with jitter. */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

type MerchantOrderReads = Pick<
  MercadoPagoClient,
  "getMerchantOrder" | "getPayment" | "searchMerchantOrders" | "getOrder" | "getChargeback"
> & {
  /** a merchant order already read (in this batch) that lists the payment: no need to read it */
  merchantOrderOfPayment?(paymentId: string): MerchantOrder | undefined;
};

/** The merchant orders a notification points at, read by id from our own Mercado Pago base URL. */
export async function merchantOrdersFor(
  mp: MerchantOrderReads,
  n: Pick<ClaimedNotification, "topic" | "resourceId">,
): Promise<MerchantOrder[]> {
  if (n.topic === "merchant_order") {
    const mo = await mp.getMerchantOrder(n.resourceId);
    return mo ? [mo] : [];
  }
  // the merchant order listing the payment is what the payment would lead to (read just now)
  const known = mp.merchantOrderOfPayment?.(n.resourceId);
  if (known) return [known];
  const payment = await mp.getPayment(n.resourceId);
  if (!payment) return [];
  const orderId = payment.order?.id;
  if (orderId !== null && orderId !== undefined) {
    const mo = await mp.getMerchantOrder(String(orderId));
    return mo ? [withPaymentRead(mo, payment)] : [];
  }
  return payment.external_reference ? mp.searchMerchantOrders(payment.external_reference) : [];
}

/** What a notification points at, read by id and turned into neutral observations. */
export async function observationsFor(
  mp: MerchantOrderReads,
  n: Pick<ClaimedNotification, "topic" | "resourceId">,
): Promise<UpstreamObservation[]> {
  if (n.topic === "order") {
    // the Orders API's own resource, by id from our base URL (the body's copy is not trusted)
    const order = await mp.getOrder(n.resourceId);
    return order ? [observeOrder(order)] : [];
  }
  if (n.topic === "chargebacks") return chargebackObservations(mp, n.resourceId);
  return (await merchantOrdersFor(mp, n)).map(observeMerchantOrder);
}

/**
 * A chargeback, read by id from our own base URL: each payment it names (a few at most) leads
 * to its merchant order, as a payment notification would, and the chargeback rides on that
 * merchant order's observation. An Orders API sale shows its chargebacks on its order instead.
 */
async function chargebackObservations(
  mp: MerchantOrderReads,
  id: string,
): Promise<UpstreamObservation[]> {
  const cb = await mp.getChargeback(id);
  if (!cb) return [];
  const payments = cb.payments.slice(0, CHARGEBACK_PAYMENTS_READ).map(String);
  const orders = await Promise.all(
    payments.map((p) => merchantOrdersFor(mp, { topic: "payment", resourceId: p })),
  );
  const unique = new Map(orders.flat().map((mo) => [String(mo.id), mo]));
  return withChargeback([...unique.values()].map(observeMerchantOrder), cb);
}

/**
 * Reads shared by the notifications of one batch: the payment and merchant order notifications
 * of one sale usually arrive together, and the merchant order they point at is read once.
 */
function sharedReads(mp: MerchantOrderReads): MerchantOrderReads {
  const memo = new Map<string, Promise<unknown>>();
  function once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) memo.set(key, (p = read()));
    return p;
  }
  const byPayment = new Map<string, MerchantOrder>();
  async function readMerchantOrder(id: string): Promise<MerchantOrder | null> {
    const mo = await mp.getMerchantOrder(id);
    for (const p of mo?.payments ?? []) if (mo) byPayment.set(String(p.id), mo);
    return mo;
  }
  return {
    merchantOrderOfPayment: (paymentId) => byPayment.get(paymentId),
    getMerchantOrder: (id) => once(`mo:${id}`, () => readMerchantOrder(id)),
    getPayment: (id) => once(`payment:${id}`, () => mp.getPayment(id)),
    searchMerchantOrders: (ref) => once(`search:${ref}`, () => mp.searchMerchantOrders(ref)),
    getOrder: (id) => once(`order:${id}`, () => mp.getOrder(id)),
    getChargeback: (id) => once(`chargeback:${id}`, () => mp.getChargeback(id)),
  };
}

/**
 * Works the notification inbox: claims due rows (SKIP LOCKED, so any number of replicas can run
 * it), reads Mercado Pago, and hands the merchant orders to the one decision path. A batch is
 * applied together: each sale is looked up once, and the rows are closed by one statement.
 */
export function createNotificationWorker(deps: NotificationWorkerDeps): Loop {
  const batchSize = deps.batchSize ?? 100;
  const leaseMs = deps.leaseMs ?? 60_000;
  const maxAttempts = deps.maxAttempts ?? 20;
  const quiet = deps.quietMs ?? QUIET_MS;
  const log = deps.logger.child({ component: "notification-worker" });
  const slowMerchantMs = deps.slowMerchantMs ?? 500;
  /** the batches being worked, by merchant ("" the default merchant) */
  const working = new Map<string, Promise<void>>();
  /** merchants whose batch outlived its tick: their end wakes the loop */
  const settledLate = new Set<string>();

  async function failed(n: ClaimedNotification, err: unknown): Promise<void> {
    const message = messageOf(err);
    if (n.attempts >= maxAttempts) {
      log.error({ topic: n.topic, id: n.resourceId, err }, "notification abandoned");
      await deps.inbox.abandon(n, message);
      return;
    }
    log.warn(
      { topic: n.topic, id: n.resourceId, attempt: n.attempts, message },
      "notification failed; retrying",
    );
    // Mercado Pago's Retry-After (429) is honoured when it asks for longer than our backoff
    const asked = err instanceof MercadoPagoError ? (err.retryAfterMs ?? 0) : 0;
    const wait = Math.max(retryDelayMs(n.attempts), asked);
    await deps.inbox.retryLater(n, message, new Date(Date.now() + wait));
  }

  /**
   * One merchant's rows of a claim, read with its own client. No working token: only its own
   * rows wait and retry with backoff (an unknown merchant, a forged hint, has its rows given up).
   */
  async function workMerchant(merchantId: string | null, rows: ClaimedNotification[]) {
    let mp: MercadoPagoClient;
    try {
      mp = merchantId === null || !deps.clientFor ? deps.mp : await deps.clientFor(merchantId);
    } catch (err) {
      if (err instanceof AppError && err.code === "not_found") {
        log.warn(
          { merchantId, rows: rows.length },
          "notifications for no merchant of ours dropped",
        );
        for (const n of rows) await deps.inbox.abandon(n, err.message);
        return;
      }
      for (const n of rows) await failed(n, err);
      return;
    }
    await work(rows, mp, merchantId);
  }

  async function work(
    batch: ClaimedNotification[],
    mp: MercadoPagoClient,
    merchantId: string | null,
  ): Promise<void> {
    const reads = sharedReads(mp);
    const readAll = (notifications: ClaimedNotification[]) =>
      Promise.all(
        notifications.map((n) =>
          observationsFor(reads, n).then(
            (orders) => ({ n, orders, err: null }),
            (err: unknown) => ({ n, orders: [], err }),
          ),
        ),
      );
    // Merchant orders first: a payment they list is not read again (a payment notification
    // comes with its merchant order's, and would read the payment and then that merchant order).
    const outcomes = [
      ...(await readAll(batch.filter((n) => n.topic === "merchant_order"))),
      ...(await readAll(batch.filter((n) => n.topic !== "merchant_order"))),
    ];
    const read = outcomes.filter((o) => o.err === null);
    const unread: { n: ClaimedNotification; err: unknown }[] = outcomes.filter(
      (o) => o.err !== null,
    );
    if (read.length > 0) {
      const byId = new Map<string, UpstreamObservation>();
      for (const o of read.flatMap((r) => r.orders)) {
        const key = `${o.api}:${o.id}`;
        const earlier = byId.get(key);
        byId.set(key, earlier ? sameResource(o, earlier) : o);
      }
      try {
        // what this merchant's token read settles only this merchant's sales
        const sales = await deps.sales.applyObservations([...byId.values()], "webhook", {
          merchantId,
        });
        // only a paid (or refunded) sale can have a refund: a pending sale's payment costs no query
        await deps.refunds?.wakeProcessing(
          sales.filter((s) => s.status === "paid" || s.status === "refunded").map((s) => s.id),
          new Date(),
        );
        const byRef = new Map(sales.map((s) => [s.externalReference, s]));
        await deps.inbox.complete(
          read.map(({ n, orders }): WorkedNotification => {
            const base = { id: n.id, deliveries: n.deliveries };
            if (orders.length === 0) {
              return {
                ...base,
                quietMs: quiet.pending,
                priority: NOTIFICATION_PRIORITY.unknown,
                saleId: null,
                outcome: "not_found",
              };
            }
            // the sale's own history shows the notification behind it (and what the read found)
            const found = orders.map((o) => byRef.get(o.externalReference ?? ""));
            const sale = found.find((s) => s?.status === "pending") ?? found.find((s) => s);
            const link = { saleId: sale?.id ?? null, outcome: sale?.status ?? "not_ours" };
            return sale?.status === "pending"
              ? { ...base, ...link, quietMs: quiet.pending, priority: NOTIFICATION_PRIORITY.open }
              : {
                  ...base,
                  ...link,
                  quietMs: quiet.settled,
                  priority: NOTIFICATION_PRIORITY.settled,
                };
          }),
        );
      } catch (err) {
        unread.push(...read.map((o) => ({ n: o.n, err })));
      }
    }
    for (const o of unread) await failed(o.n, o.err);
  }

  /**
   * Claims due rows of the merchants not being worked here already (fairly across merchants,
   * see the inbox's claim) and works each merchant's rows apart. The tick waits for them, but
   * not past `slowMerchantMs`: a merchant still reading then goes on alone, its rows out of the
   * next claims until it ends, so its slow or failing Mercado Pago never holds up another's.
   */
  async function tick(): Promise<boolean> {
    const busy = [...working.keys()].map((k) => (k === "" ? null : k));
    const batch = await deps.inbox.claim(batchSize, leaseMs, busy);
    const byMerchant = new Map<string | null, ClaimedNotification[]>();
    for (const n of batch) {
      const rows = byMerchant.get(n.merchantId);
      if (rows) rows.push(n);
      else byMerchant.set(n.merchantId, [n]);
    }
    const started = [...byMerchant].map(([merchantId, rows]) => {
      const key = merchantId ?? "";
      const done = workMerchant(merchantId, rows)
        .catch((err: unknown) => log.error({ err, merchantId }, "notification batch failed"))
        .finally(() => {
          working.delete(key);
          if (settledLate.has(key)) {
            settledLate.delete(key);
            loop.wake(); // its rows may be claimed again
          }
        });
      working.set(key, done);
      return { key, done };
    });
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<void>((resolve) => (timer = setTimeout(resolve, slowMerchantMs)));
    await Promise.race([Promise.all(started.map((s) => s.done)), slow]);
    clearTimeout(timer);
    for (const s of started) if (working.has(s.key)) settledLate.add(s.key);
    return batch.length === batchSize; // a full batch: there may be more, go again at once
  }

  const loop = createLoop({
    name: "notification-worker",
    logger: log,
    intervalMs: deps.pollMs ?? 1000,
    tick,
  });
  const allWorked = () => Promise.all(working.values()).then(() => undefined);
  return {
    ...loop,
    async stop() {
      await loop.stop();
      await allWorked();
    },
    // by hand (tests): the claim's batches worked to their end, however slow
    async runOnce() {
      await loop.runOnce();
      await allWorked();
    },
  };
}
