import { afterEach, describe, expect, it } from "vitest";

import { validMercadoPagoSignature } from "../src/mercadopago/signature.ts";
import {
  DEFAULT_ORDERS_WEBHOOK_SECRET,
  type Simulator,
  type SimulatorOptions,
} from "mercadopago-simulator";
import type { ReceivedRequest } from "../packages/mercadopago-simulator/test/helpers.ts";
import {
  COLLECTOR,
  startReceiver,
  testSimulator,
} from "../packages/mercadopago-simulator/test/helpers.ts";

const SECRET = "a-signing-secret-of-the-application";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function receiver(statuses: number[] = []) {
  const r = await startReceiver(statuses);
  cleanups.push(r.close);
  return r;
}

function sim(extra: Partial<SimulatorOptions>): Simulator {
  const s = testSimulator({ deliver: undefined, ...extra });
  cleanups.push(() => s.stop());
  return s;
}

function create(s: Simulator, ref = "SALE-1", pos = "POS1"): string {
  const { body } = s.state.createApiOrder(
    {
      type: "qr",
      external_reference: ref,
      total_amount: "30.00",
      config: { qr: { external_pos_id: pos } },
      transactions: { payments: [{ amount: "30.00" }] },
    },
    `key-${ref}`,
  );
  return body.id;
}

function header(req: ReceivedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The service's own check, fed the way its webhook route feeds it (data.id from the query). */
function serviceAccepts(req: ReceivedRequest, secret: string): boolean {
  const url = new URL(req.url, "http://x");
  const signature = header(req, "x-signature");
  if (signature === undefined) return false;
  return validMercadoPagoSignature(
    {
      signature,
      requestId: header(req, "x-request-id"),
      dataId: url.searchParams.get("data.id") ?? undefined,
    },
    secret,
  );
}

describe("order Webhooks (Orders API)", () => {
  it("sends a signed order.processed to the configured URL, keeping its query", async () => {
    const r = await receiver();
    const s = sim({
      ordersNotificationUrl: `${r.url}/webhooks/mercadopago?secret=abc`,
      ordersWebhookSecret: SECRET,
    });
    const id = create(s);
    const paid = s.payOrder("POS1");
    await s.notifier.idle();

    expect(r.received).toHaveLength(1);
    const req = r.received[0] as ReceivedRequest;
    expect(req.method).toBe("POST");
    expect(req.url).toBe(`/webhooks/mercadopago?secret=abc&data.id=${id}&type=order`);
    expect(req.headers["content-type"]).toMatch(/application\/json/);
    expect(header(req, "x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(header(req, "x-signature")).toMatch(/^ts=\d{13},v1=[0-9a-f]{64}$/);
    expect(header(req, "x-retry")).toBe("0");
    expect(req.body).toEqual({
      action: "order.processed",
      api_version: "v1",
      application_id: expect.any(String),
      data: {
        id,
        external_reference: "SALE-1",
        type: "qr",
        status: "processed",
        status_detail: "accredited",
        total_amount: "30.00",
        total_paid_amount: "30.00",
        version: 2,
        transactions: { payments: paid.transactions.payments },
      },
      date_created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      live_mode: false,
      type: "order",
      user_id: String(COLLECTOR),
    });

    expect(serviceAccepts(req, SECRET)).toBe(true);
    expect(serviceAccepts(req, "another-secret-of-16-chars")).toBe(false);
    // The signature covers data.id: the same headers for another order do not validate.
    const forged = { ...req, url: req.url.replace(id, `${id.slice(0, -1)}X`) };
    expect(serviceAccepts(forged, SECRET)).toBe(false);
  });

  it("sends order.canceled, order.expired and order.refunded with growing versions", async () => {
    const r = await receiver();
    const s = sim({ ordersNotificationUrl: `${r.url}/wh`, ordersWebhookSecret: SECRET });
    const canceled = create(s, "C1");
    s.state.cancelApiOrder(canceled, "c");
    const expired = create(s, "E1");
    s.expireOrder(expired);
    const refunded = create(s, "R1");
    s.payOrder(refunded);
    s.state.refundApiOrder(refunded, undefined, "r");
    await s.notifier.idle();

    const seen = r.received.map((q) => {
      const b = q.body as { action: string; data: Record<string, unknown> };
      return [b.action, b.data["id"], b.data["status"], b.data["version"]];
    });
    expect(seen).toEqual([
      ["order.canceled", canceled, "canceled", 2],
      ["order.expired", expired, "expired", 2],
      ["order.processed", refunded, "processed", 2],
      ["order.refunded", refunded, "refunded", 3],
    ]);
    const refundBody = r.received[3]?.body as { data: Record<string, unknown> };
    expect(refundBody.data["total_paid_amount"]).toBe("30.00");
    expect(refundBody.data["transactions"]).toBeUndefined();
    expect(r.received.every((q) => serviceAccepts(q, SECRET))).toBe(true);
  });

  it("retries after a 500 from the receiver, each attempt with its own request id and signature", async () => {
    const r = await receiver([500, 503]);
    const s = sim({
      ordersNotificationUrl: `${r.url}/wh`,
      ordersWebhookSecret: SECRET,
      notifications: { retrySchedule: [20, 20, 20] },
    });
    create(s);
    s.payOrder("POS1");
    await s.notifier.idle();

    expect(r.received).toHaveLength(3);
    expect(r.received.map((q) => header(q, "x-retry"))).toEqual(["0", "1", "2"]);
    expect(new Set(r.received.map((q) => header(q, "x-request-id"))).size).toBe(3);
    expect(r.received.every((q) => serviceAccepts(q, SECRET))).toBe(true);
    expect(r.received.map((q) => q.body)).toEqual(Array(3).fill(r.received[0]?.body));
    const log = s.notifier.log();
    expect(log.map((e) => [e.topic, e.attempt, e.outcome, e.status])).toEqual([
      ["order", 1, "failed", 500],
      ["order", 2, "failed", 503],
      ["order", 3, "delivered", 200],
    ]);
  });

  it("the delivery controls apply: duplicate, drop, override URL", async () => {
    const r = await receiver();
    const s = sim({
      ordersNotificationUrl: `${r.url}/wh`,
      notifications: { duplicate: 3 },
    });
    create(s, "D1");
    s.payOrder("POS1");
    await s.notifier.idle();
    expect(r.received).toHaveLength(3);
    // No secret given: signed with the documented default.
    expect(r.received.every((q) => serviceAccepts(q, DEFAULT_ORDERS_WEBHOOK_SECRET))).toBe(true);

    s.notifier.setControls({ duplicate: 1, drop: true });
    create(s, "D2");
    s.payOrder("POS1");
    await s.notifier.idle();
    expect(r.received).toHaveLength(3);
    expect(s.notifier.log().at(-1)).toMatchObject({ topic: "order", outcome: "dropped" });

    const other = await receiver();
    s.notifier.setControls({ drop: false, overrideUrl: `${other.url}/elsewhere` });
    const id = create(s, "D3");
    s.payOrder("POS1");
    await s.notifier.idle();
    expect(other.received.map((q) => q.url)).toEqual([`/elsewhere?data.id=${id}&type=order`]);
  });

  it("signs the lower-cased data.id when asked (the notifications page's rule)", async () => {
    const r = await receiver();
    const s = sim({
      ordersNotificationUrl: `${r.url}/wh`,
      ordersWebhookSecret: SECRET,
      ordersSignatureIdCase: "lower",
    });
    const id = create(s);
    s.payOrder(id);
    await s.notifier.idle();
    const req = r.received[0] as ReceivedRequest;
    expect(serviceAccepts(req, SECRET)).toBe(false);
    const lowered = { ...req, url: req.url.replace(id, id.toLowerCase()) };
    expect(serviceAccepts(lowered, SECRET)).toBe(true);
  });

  it("without a configured URL no order Webhook is sent", async () => {
    const s = sim({});
    create(s);
    s.payOrder("POS1");
    await s.notifier.idle();
    expect(s.notifier.log()).toHaveLength(0);
  });
});
