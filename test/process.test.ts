import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import axios from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { COLLECTOR, TOKEN, createTestDb, saleBody, type TestDb } from "./helpers.ts";
import {
  freePort,
  simulatedServiceEnv,
  startService,
  waitFor,
  type ServiceProcess,
} from "./process-helpers.ts";

// The real process: zero-config start, restarts after SIGKILL, and several replicas on one
// database. Slow by nature (child processes), so kept to the scenarios only a process can show.

const KEY = "process-test-key-0123456789";
const http = axios.create({ validateStatus: () => true, timeout: 10_000 });
const authed = { headers: { Authorization: `Bearer ${KEY}` } };

// The zero-configuration start on each Mercado Pago API: the default (instore orders v2, no
// environment at all) and MP_API=orders as the only setting.
const ZERO_CONFIG: { api: string; env: Record<string, string> }[] = [
  { api: "instore_v2", env: {} },
  { api: "orders", env: { MP_API: "orders" } },
];
describe.each(ZERO_CONFIG)("zero configuration ($api)", ({ api, env }) => {
  let dir: string;
  let svc: ServiceProcess | undefined;
  afterAll(async () => {
    await svc?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts with no other environment and takes a sale to paid through the simulator", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "pos-zero-"));
    // only the folder for ./.data differs from a fresh checkout: the process runs with cwd = repo
    svc = await startService({ DATA_DIR: path.join(dir, ".data"), ...env }, 90_000);
    expect(svc.output()).toContain("SIMULATOR");
    const key = readFileSync(path.join(dir, ".data", "api-key"), "utf8").trim();
    expect(svc.output()).toContain(key); // shown once, at generation
    const auth = { headers: { Authorization: `Bearer ${key}` } };

    const body = saleBody();
    const created = await http.post(`${svc.url}/sales`, body, auth);
    expect(created.status).toBe(201);
    expect(created.data.mercadopago_api).toBe(api);
    if (api === "orders") expect(created.data.order_id).toMatch(/^ORD/);
    const paid = await http.post(`${svc.url}/simulator/api/pos/${body.pos_id}/pay`, {
      status: "approved",
    });
    expect(paid.status).toBe(201);

    const sale = await waitFor(
      async () => (await http.get(`${svc!.url}/orders/${body.external_reference}`, auth)).data,
      (s) => s.status === "paid",
    );
    expect(sale.status).toBe("paid");
    expect(sale.paid_amount).toBe(5);
    expect(svc.output()).not.toMatch(/APP_USR-simulator-[0-9a-f]{32}/);

    expect(await svc.stop()).toBe(0); // graceful shutdown on SIGTERM
  }, 120_000);
});

describe("with PostgreSQL and an external simulator", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    sim = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await sim.close();
    await db.drop();
  });

  async function service(port: number, extra: Record<string, string> = {}) {
    const svc = await startService({
      ...simulatedServiceEnv({
        port,
        databaseUrl: db.url,
        mp: { baseUrl: sim.baseUrl, accessToken: TOKEN, collectorId: COLLECTOR },
        apiKeys: KEY,
        nodeEnv: "production",
      }),
      ...extra,
    });
    services.push(svc);
    return svc;
  }

  async function saleStatus(ref: string) {
    return (await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: ref } })).status;
  }

  it("a process killed mid-notification resumes the work after restart, exactly once", async () => {
    const port = await freePort();
    const first = await service(port, { RECONCILE_AFTER_MS: "600000" });
    const body = saleBody();
    expect((await http.post(`${first.url}/sales`, body, authed)).status).toBe(201);

    // reads of the merchant order hang: the worker is stuck mid-job when the process dies
    sim.sim.faults.set({ endpoint: "get_merchant_order", kind: "hang" });
    sim.sim.faults.set({ endpoint: "get_payment", kind: "hang" });
    sim.sim.pay(body.pos_id, { status: "approved" });
    await sim.sim.notifier.idle();
    const claimed = await waitFor(
      () => db.prisma.notification.count({ where: { attempts: { gt: 0 }, processedAt: null } }),
      (n) => n > 0,
    );
    expect(claimed).toBeGreaterThan(0);
    await first.kill();
    expect(await saleStatus(body.external_reference)).toBe("pending");

    sim.sim.faults.clear();
    const second = await service(port, { RECONCILE_AFTER_MS: "600000" });
    // the lease of the dead process runs out (10 × MP_TIMEOUT_MS) and the job is worked again
    await waitFor(
      () => saleStatus(body.external_reference),
      (s) => s === "paid",
      30_000,
    );
    expect(await saleStatus(body.external_reference)).toBe("paid");
    const sale = await db.prisma.sale.findUniqueOrThrow({
      where: { externalReference: body.external_reference },
    });
    const paidEvents = await db.prisma.saleEvent.count({
      where: { saleId: sale.id, toStatus: "paid" },
    });
    expect(paidEvents).toBe(1);
    await second.stop();
  }, 90_000);

  it("a process killed while its order PUT hangs: after restart the sweeper publishes the order and the sale can be paid", async () => {
    const port = await freePort();
    const env = { CASHIER_DEADLINE_MS: "3000", RECONCILE_INTERVAL_MS: "300" };
    const first = await service(port, env);
    sim.sim.faults.set({ endpoint: "put_order", kind: "hang" });
    const body = saleBody();
    const posting = http.post(`${first.url}/sales`, body, authed).catch(() => null);
    await waitFor(
      () => db.prisma.sale.count({ where: { externalReference: body.external_reference } }),
      (n) => n > 0,
    );
    await first.kill();
    await posting;
    // a hanging request released by clear() would still be applied: wait until the simulator
    // has seen the killed process's connection go
    await waitFor(
      async () => sim.sim.faults.hanging(),
      (n) => n === 0,
    );
    sim.sim.faults.clear();
    const stored = await db.prisma.sale.findUniqueOrThrow({
      where: { externalReference: body.external_reference },
    });
    expect(stored.status).toBe("pending");
    expect(stored.orderState).toBe("publishing");
    expect(() => sim.sim.scan(body.pos_id)).toThrow(); // nothing on the QR

    const second = await service(port, env);
    // the dead request's publication lease (deadline + margin) runs out and the sweeper resumes
    const published = await waitFor(
      () => db.prisma.sale.findUniqueOrThrow({ where: { id: stored.id } }),
      (s) => s.orderState === "on_pos",
      30_000,
    );
    expect(published.orderState).toBe("on_pos");
    sim.sim.pay(body.pos_id, { status: "approved" });
    await waitFor(
      () => saleStatus(body.external_reference),
      (s) => s === "paid",
    );
    expect(await saleStatus(body.external_reference)).toBe("paid");
    await second.stop();
  }, 90_000);

  it("two processes on one database handle the same notifications concurrently: one transition each", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await service(portA);
    const b = await service(portB);
    sim.sim.notifier.setControls({ drop: true });

    const refs: string[] = [];
    const moIds: number[] = [];
    for (let i = 0; i < 12; i++) {
      const body = saleBody();
      const target = i % 2 === 0 ? a : b;
      expect((await http.post(`${target.url}/sales`, body, authed)).status).toBe(201);
      const { merchantOrder } = sim.sim.pay(body.pos_id, { status: "approved" });
      refs.push(body.external_reference);
      moIds.push(merchantOrder.id);
    }
    sim.sim.requests.length = 0;
    // WEBHOOK_SECRET unset: both processes use the one secret the first of them generated
    const [stored, ...more] = await db.prisma.serviceSecret.findMany();
    expect(more).toEqual([]);
    const secret = stored?.value ?? "";
    // every notification, three times, to both processes at once
    await Promise.all(
      moIds.flatMap((id) =>
        [a, b, a, b, a, b].map((svc) =>
          http.post(
            `${svc.url}/webhooks/mercadopago?secret=${secret}&topic=merchant_order&id=${id}`,
            {
              resource: `https://api.mercadolibre.com/merchant_orders/${id}`,
              topic: "merchant_order",
            },
          ),
        ),
      ),
    );
    for (const ref of refs) {
      await waitFor(
        () => saleStatus(ref),
        (s) => s === "paid",
      );
      expect(await saleStatus(ref)).toBe("paid");
    }
    const paidEvents = await db.prisma.saleEvent.groupBy({
      by: ["saleId"],
      where: { toStatus: "paid", sale: { externalReference: { in: refs } } },
      _count: true,
    });
    expect(paidEvents).toHaveLength(12);
    expect(paidEvents.every((e) => e._count === 1)).toBe(true);
    const reads = sim.sim.requests.filter((r) => r.path.startsWith("/merchant_orders/")).length;
    expect(reads).toBeLessThan(12 * 6); // coalesced: far fewer reads than deliveries
    sim.sim.notifier.resetControls();
  }, 90_000);
});
