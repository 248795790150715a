import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MercadoPagoApi } from "../src/mercadopago/upstream.ts";
import type { SiteId } from "../src/sites.ts";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import {
  COLLECTOR,
  TOKEN,
  buildHarness,
  createTestDb,
  type Harness,
  type TestDb,
} from "./helpers.ts";

/**
 * The service on one API and the built-in simulator as Mercado Pago, over real HTTP both ways
 * (the simulator delivers notifications to the service's webhook on a loopback port), for the
 * flow tests of either API. Orders API webhooks are signed and checked as in production.
 */
export interface SimulatorFlows {
  db: TestDb;
  sim: SimulatorServer;
  h: Harness;
  server: Server;
}

/** Serves `app` on a loopback port, where the simulator can reach the service's webhook. */
export async function listenOnLoopback(app: RequestListener): Promise<Server> {
  const server = createServer(app).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

/** The simulator's notifications go to the service's webhook on `server`, retried quickly. */
export function notifyService(sim: SimulatorServer, server: Server): void {
  const { port } = server.address() as AddressInfo;
  sim.sim.notifier.setControls({
    overrideUrl: `http://127.0.0.1:${port}/webhooks/mercadopago`,
    retrySchedule: [20, 40],
  });
}

export async function startSimulatorFlows(
  api: MercadoPagoApi,
  signingSecret: string,
  /** the site both run as (the simulator's currency and the service's), MLA by default */
  site?: SiteId,
): Promise<SimulatorFlows> {
  const db = await createTestDb();
  const sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
    ordersWebhookSecret: signingSecret,
    ...(site ? { siteId: site } : {}),
  });
  const h = buildHarness(db, {
    mpBaseUrl: sim.baseUrl,
    timeoutMs: 400,
    mpApi: api,
    ...(site ? { site } : {}),
    ...(api === "orders" ? { signingSecret } : {}),
  });
  const server = await listenOnLoopback(h.app);
  return { db, sim, h, server };
}

export async function stopSimulatorFlows(f: SimulatorFlows): Promise<void> {
  await f.sim.close();
  await new Promise((resolve) => f.server.close(resolve));
  await f.db.drop();
}

/** Before each test: notifications to this service, quick retries, no faults, no calls seen. */
export function resetSimulatorFlows(f: SimulatorFlows): void {
  f.sim.sim.notifier.resetControls();
  notifyService(f.sim, f.server);
  f.sim.sim.faults.clear();
  f.sim.sim.state.setRefunds({ mode: "sync", settleMs: 1000, outcome: "processed" });
  f.sim.sim.requests.length = 0;
}

/** Delivers every pending notification and works the inbox until it is empty. */
export async function drainInbox(f: SimulatorFlows): Promise<void> {
  await f.sim.sim.notifier.idle();
  for (let i = 0; i < 20; i++) {
    const due = await f.db.prisma.notification.count({
      where: { processedAt: null, dueAt: { lte: new Date() } },
    });
    if (due === 0) return;
    await f.h.worker.runOnce();
  }
}
