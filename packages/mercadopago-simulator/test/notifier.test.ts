import express from "express";
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";

import type { Simulator } from "../src/simulator.ts";
import type { DeliverFn } from "../src/notifier.ts";
import { appendQuery, createNotifier } from "../src/notifier.ts";
import { COLLECTOR, fakeClock, orderBody, startReceiver, testSimulator } from "./helpers.ts";
import type { SimulatorOptions } from "../src/simulator.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function sim(extra: Partial<SimulatorOptions> = {}): Simulator {
  const s = testSimulator(extra);
  cleanups.push(() => s.stop());
  return s;
}

async function receiver(statuses: number[] = []) {
  const r = await startReceiver(statuses);
  cleanups.push(r.close);
  return r;
}

/** A deliver function that records calls in order and answers with `status`. */
function recorder(status: (url: string) => number = () => 200) {
  const calls: { url: string; body: unknown; attempt: number }[] = [];
  const deliver: DeliverFn = async (url, body, info) => {
    calls.push({ url, body, attempt: info.attempt });
    return status(url);
  };
  return { calls, deliver };
}

function put(s: Simulator, notificationUrl: string, overrides: Record<string, unknown> = {}) {
  s.state.putOrder(
    String(COLLECTOR),
    "STORE1",
    "POS1",
    orderBody({ notification_url: notificationUrl, ...overrides }),
  );
}

describe("notification delivery", () => {
  it("sends IPN and Webhooks formats over HTTP, keeping the URL's own query (secret)", async () => {
    const r = await receiver();
    const s = sim({ deliver: undefined });
    put(s, `${r.url}/mp/notifications?secret=abc%20def&x=1`);
    const { payment, merchantOrder } = s.pay("POS1", { status: "approved" });
    await s.notifier.idle();

    // scan (MO created) + payment created + MO updated, each in both formats.
    expect(r.received).toHaveLength(6);
    for (const req of r.received) {
      expect(req.method).toBe("POST");
      expect(req.url.startsWith("/mp/notifications?secret=abc%20def&x=1&")).toBe(true);
      expect(req.headers["content-type"]).toMatch(/application\/json/);
    }
    const byUrl = (suffix: string) => r.received.filter((q) => q.url.endsWith(suffix));

    const ipnMo = byUrl(`&topic=merchant_order&id=${merchantOrder.id}`);
    expect(ipnMo).toHaveLength(2);
    expect(ipnMo[0]?.body).toEqual({
      resource: `https://api.mercadolibre.com/merchant_orders/${merchantOrder.id}`,
      topic: "merchant_order",
    });

    const ipnPayment = byUrl(`&topic=payment&id=${payment.id}`);
    expect(ipnPayment).toHaveLength(1);
    expect(ipnPayment[0]?.body).toEqual({ resource: String(payment.id), topic: "payment" });

    const whPayment = byUrl(`&data.id=${payment.id}&type=payment`);
    expect(whPayment).toHaveLength(1);
    expect(whPayment[0]?.body).toEqual({
      id: expect.any(Number),
      live_mode: false,
      type: "payment",
      date_created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      user_id: COLLECTOR,
      api_version: "v1",
      action: "payment.created",
      data: { id: String(payment.id) },
    });

    const whMo = byUrl(`&data.id=${merchantOrder.id}&type=topic_merchant_order_wh`);
    expect(whMo).toHaveLength(2);
    const last = whMo.at(-1)?.body as Record<string, unknown>;
    expect(last).toMatchObject({
      id: String(merchantOrder.id),
      type: "topic_merchant_order_wh",
      status: "closed",
      user_id: COLLECTOR,
      live_mode: false,
    });
    expect((last["data"] as Record<string, unknown>)["id"]).toBeUndefined();

    const log = s.notifier.log();
    expect(log).toHaveLength(6);
    expect(log.every((e) => e.outcome === "delivered" && e.status === 200 && e.attempt === 1)).toBe(
      true,
    );
  });

  it("honours source_news=ipn and source_news=webhooks in the notification_url", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver });
    put(s, "https://pos.example.com/n?source_news=ipn");
    s.scan("POS1");
    put(s, "https://pos.example.com/n?source_news=webhooks", { external_reference: "b" });
    s.scan("POS1");
    await s.notifier.idle();
    expect(calls.map((c) => c.url.replace(/\d+/g, "N"))).toEqual([
      "https://pos.example.com/n?source_news=ipn&topic=merchant_order&id=N",
      "https://pos.example.com/n?source_news=webhooks&data.id=N&type=topic_merchant_order_wh",
    ]);
  });

  it("formats control restricts the formats", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver, notifications: { formats: ["webhooks"] } });
    put(s, "https://pos.example.com/n");
    s.pay("POS1", { status: "rejected" });
    await s.notifier.idle();
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.url.includes("data.id="))).toBe(true);
  });

  it("duplicates every message N times", async () => {
    const r = await receiver();
    const s = sim({ deliver: undefined, notifications: { duplicate: 3, formats: ["ipn"] } });
    put(s, `${r.url}/n`);
    const mo = s.scan("POS1");
    await s.notifier.idle();
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((q) => q.url))).toEqual(
      new Set([`/n?topic=merchant_order&id=${mo.id}`]),
    );
    expect(s.notifier.log().map((e) => e.copy)).toEqual([1, 2, 3]);
  });

  it("drop loses everything; dropRate is reproducible with a seed", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver, notifications: { drop: true } });
    put(s, "https://pos.example.com/n");
    s.pay("POS1", { status: "approved" });
    await s.notifier.idle();
    expect(calls).toHaveLength(0);
    expect(s.notifier.stats().dropped).toBe(6);

    const pattern = async (seed: number) => {
      const rec = recorder();
      const t = sim({ deliver: rec.deliver, seed, notifications: { dropRate: 0.5 } });
      put(t, "https://pos.example.com/n");
      for (let i = 0; i < 10; i += 1) t.scan("POS1");
      await t.notifier.idle();
      return t.notifier.log().map((e) => e.outcome);
    };
    const a = await pattern(42);
    expect(await pattern(42)).toEqual(a);
    expect(a.filter((o) => o === "dropped").length).toBeGreaterThan(0);
    expect(a.filter((o) => o === "delivered").length).toBeGreaterThan(0);
  });

  it("reorder holds a batch and releases it in reverse order", async () => {
    const { calls, deliver } = recorder();
    const s = sim({
      deliver,
      notifications: { formats: ["ipn"], reorder: { mode: "reverse", batch: 0 } },
    });
    put(s, "https://pos.example.com/n");
    const { payment, merchantOrder } = s.pay("POS1", { status: "approved" });
    await s.notifier.idle();
    expect(calls).toHaveLength(0);
    expect(s.notifier.stats().held).toBe(3);
    expect(s.notifier.release()).toBe(3);
    await s.notifier.idle();
    // Sent as: MO created, payment created, MO updated (closed) → received reversed.
    expect(calls.map((c) => c.url.split("?")[1])).toEqual([
      `topic=merchant_order&id=${merchantOrder.id}`,
      `topic=payment&id=${payment.id}`,
      `topic=merchant_order&id=${merchantOrder.id}`,
    ]);
  });

  it("reorder with a batch size releases automatically; random mode is seeded", async () => {
    const run = async () => {
      const { calls, deliver } = recorder();
      const s = sim({
        deliver,
        seed: 7,
        notifications: { formats: ["ipn"], reorder: { mode: "random", batch: 5 } },
      });
      put(s, "https://pos.example.com/n");
      for (let i = 0; i < 5; i += 1) s.scan("POS1");
      await s.notifier.idle();
      return calls.map((c) => c.url);
    };
    const first = await run();
    expect(first).toHaveLength(5);
    expect(await run()).toEqual(first);
  });

  it("delays delivery (fixed and random range)", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver, notifications: { delayMs: 40, formats: ["ipn"] } });
    put(s, "https://pos.example.com/n");
    s.scan("POS1");
    expect(calls).toHaveLength(0);
    expect(s.notifier.stats().scheduled).toBe(1);
    const started = Date.now();
    await s.notifier.idle();
    expect(calls).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);

    s.notifier.setControls({ delayMs: { min: 5, max: 15 } });
    s.scan("POS1");
    expect(calls).toHaveLength(1);
    await s.notifier.idle();
    expect(calls).toHaveLength(2);
  });

  it("retries after our endpoint answered 500, on the configured schedule", async () => {
    const r = await receiver([500, 503]);
    const s = sim({
      deliver: undefined,
      notifications: { formats: ["ipn"], retrySchedule: [10, 20, 30] },
    });
    put(s, `${r.url}/n?secret=xyz`);
    const mo = s.scan("POS1");
    await s.notifier.idle();
    expect(r.received).toHaveLength(3);
    expect(
      r.received.every((q) => q.url === `/n?secret=xyz&topic=merchant_order&id=${mo.id}`),
    ).toBe(true);
    expect(s.notifier.log().map((e) => [e.attempt, e.status, e.outcome, e.willRetry])).toEqual([
      [1, 500, "failed", true],
      [2, 503, "failed", true],
      [3, 200, "delivered", false],
    ]);
  });

  it("retries when delivery fails and gives up after the schedule", async () => {
    const r = await receiver();
    await r.close();
    const s = sim({
      deliver: undefined,
      notifications: { formats: ["ipn"], retrySchedule: [5, 5] },
    });
    put(s, `${r.url}/gone`);
    s.scan("POS1");
    await s.notifier.idle();
    const log = s.notifier.log();
    expect(log.map((e) => [e.attempt, e.status, e.willRetry])).toEqual([
      [1, null, true],
      [2, null, true],
      [3, null, false],
    ]);
    expect(log[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it("notifies on expiry and refund", async () => {
    const clock = fakeClock();
    const { calls, deliver } = recorder();
    const s = sim({ deliver, now: clock.now, notifications: { formats: ["ipn"] } });
    put(s, "https://pos.example.com/n", { expiration_date: clock.iso(60_000) });
    s.scan("POS1");
    clock.advance(60_000);
    s.state.sweep();
    put(s, "https://pos.example.com/n", { external_reference: "r2" });
    const { payment } = s.pay("POS1", { status: "approved" });
    calls.length = 0;
    s.refund(payment.id);
    await s.notifier.idle();
    expect(calls.map((c) => (c.body as { topic: string }).topic)).toEqual([
      "payment",
      "merchant_order",
    ]);
    const expiredEvents = s.notifier
      .log()
      .filter((e) => e.topic === "merchant_order" && e.outcome === "delivered");
    expect(expiredEvents.length).toBeGreaterThanOrEqual(4);
  });

  it("skips a notification_url that is not an absolute http(s) URL", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver });
    put(s, "www.yourserver.com");
    s.scan("POS1");
    await s.notifier.idle();
    expect(calls).toHaveLength(0);
    expect(s.notifier.log().map((e) => e.outcome)).toEqual(["skipped", "skipped"]);
  });

  it("overrideUrl redirects deliveries and keeps our query", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver, notifications: { formats: ["ipn"] } });
    s.notifier.setControls({ overrideUrl: "http://127.0.0.1:9/hook?k=v" });
    put(s, "https://pos.example.com/n");
    const mo = s.scan("POS1");
    await s.notifier.idle();
    expect(calls[0]?.url).toBe(`http://127.0.0.1:9/hook?k=v&topic=merchant_order&id=${mo.id}`);
  });

  it("stop() cancels scheduled deliveries and idle() resolves", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver, notifications: { delayMs: 60_000 } });
    put(s, "https://pos.example.com/n");
    s.scan("POS1");
    expect(s.notifier.stats().scheduled).toBe(2);
    const idle = s.notifier.idle();
    s.stop();
    await idle;
    expect(s.notifier.stats().scheduled).toBe(0);
    expect(calls).toHaveLength(0);
  });

  it("controls over HTTP: PUT validates, GET shows log, DELETE resets, release", async () => {
    const { calls, deliver } = recorder();
    const s = sim({ deliver });
    const app = express().use("/simulator", s.router);
    const agent = request(app);
    const bad = await agent.put("/simulator/api/notifications").send({ duplicate: 0 });
    expect(bad.status).toBe(400);
    expect((await agent.put("/simulator/api/notifications").send({ nope: 1 })).status).toBe(400);
    const ok = await agent
      .put("/simulator/api/notifications")
      .send({ duplicate: 2, formats: "ipn", reorder: { mode: "reverse", batch: 0 } })
      .expect(200);
    expect(ok.body.controls).toMatchObject({
      duplicate: 2,
      formats: ["ipn"],
      reorder: { mode: "reverse", batch: 0 },
      delayMs: 0,
      retrySchedule: [30_000, 300_000, 1_800_000],
    });
    put(s, "https://pos.example.com/n");
    s.scan("POS1");
    const released = await agent.post("/simulator/api/notifications/release").expect(200);
    expect(released.body.released).toBe(2);
    await s.notifier.idle();
    expect(calls).toHaveLength(2);
    const shown = await agent.get("/simulator/api/notifications").expect(200);
    expect(shown.body.log).toHaveLength(2);
    expect(shown.body.stats).toMatchObject({ delivered: 2, inFlight: 0, scheduled: 0 });
    const reset = await agent.delete("/simulator/api/notifications").expect(200);
    expect(reset.body.controls).toMatchObject({ duplicate: 1, reorder: null });
  });
});

describe("notifier helpers", () => {
  it("appendQuery keeps the existing query byte for byte and drops fragments", () => {
    expect(appendQuery("https://a.b/n", [["topic", "payment"]])).toBe(
      "https://a.b/n?topic=payment",
    );
    expect(appendQuery("https://a.b/n?secret=a%2Bb+c&z", [["id", "1"]])).toBe(
      "https://a.b/n?secret=a%2Bb+c&z&id=1",
    );
    expect(appendQuery("https://a.b/n?#frag", [["data.id", "9"]])).toBe("https://a.b/n?data.id=9");
  });

  it("a notifier can be used on its own", async () => {
    const { calls, deliver } = recorder();
    const notifier = createNotifier({ collectorId: 1, deliver, controls: { formats: ["ipn"] } });
    const s = sim();
    put(s, "https://pos.example.com/n");
    s.state.subscribe((e) => notifier.notify(e));
    s.scan("POS1");
    await notifier.idle();
    expect(calls).toHaveLength(1);
    notifier.stop();
  });
});
