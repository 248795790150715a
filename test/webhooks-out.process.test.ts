import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

// The real process killed (SIGKILL) while a sale's event is owed to a receiver: after a restart
// every event still arrives; nothing was kept only in the dead process's memory.

const KEY = "webhooks-process-key-0123456789";
const http = axios.create({ validateStatus: () => true, timeout: 10_000 });
const authed = { headers: { Authorization: `Bearer ${KEY}` } };

describe("webhooks out across a SIGKILL", () => {
  let db: TestDb;
  let sim: SimulatorServer;
  const services: ServiceProcess[] = [];
  let receiver: Server;
  let hang = true;
  const answered: string[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    sim = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
    });
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (hang) return; // holds the attempt open until the process dies
        answered.push((JSON.parse(body) as { type: string }).type);
        res.writeHead(200).end("ok");
      });
    });
    receiver.listen(0, "127.0.0.1");
    await new Promise((r) => receiver.once("listening", r));
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await sim.close();
    await db.drop();
  });

  async function service(port: number) {
    const svc = await startService({
      ...simulatedServiceEnv({
        port,
        databaseUrl: db.url,
        mp: { baseUrl: sim.baseUrl, accessToken: TOKEN, collectorId: COLLECTOR },
        apiKeys: KEY,
        nodeEnv: "development",
      }),
      WEBHOOK_OUT_TIMEOUT_MS: "2000",
      WEBHOOK_OUT_RETRY_BASE_MS: "200",
      WEBHOOK_OUT_POLL_MS: "100",
    });
    services.push(svc);
    return svc;
  }

  it("a process killed with an event owed delivers it after restart", async () => {
    const port = await freePort();
    const first = await service(port);
    const { port: rport } = receiver.address() as AddressInfo;
    const endpoint = await http.post(
      `${first.url}/webhook-endpoints`,
      { url: `http://127.0.0.1:${rport}/in`, events: ["sale.created", "sale.paid"] },
      authed,
    );
    expect(endpoint.status).toBe(201);
    const body = saleBody();
    expect((await http.post(`${first.url}/sales`, body, authed)).status).toBe(201);
    sim.sim.pay(body.pos_id, { status: "approved" });
    await waitFor(
      () =>
        db.prisma.sale.findUniqueOrThrow({ where: { externalReference: body.external_reference } }),
      (s) => s.status === "paid",
    );
    // an attempt is in flight (the receiver holds it) when the process dies
    await waitFor(
      () => db.prisma.webhookDelivery.count({ where: { attempts: { gt: 0 } } }),
      (n) => n > 0,
    );
    await first.kill();
    expect(answered).toEqual([]);

    hang = false;
    const second = await service(port);
    await waitFor(
      () => db.prisma.webhookDelivery.count({ where: { status: "succeeded" } }),
      (n) => n === 2,
      30_000,
    );
    expect(answered).toEqual(["sale.created", "sale.paid"]);
    await second.stop();
  }, 90_000);
});
