import { createServer } from "node:net";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import { COLLECTOR, TOKEN, createTestDb, type TestDb } from "./helpers.ts";
import { freePort, runUntilExit, startService, type ServiceProcess } from "./process-helpers.ts";

// The real process at boot in production: the credentials are checked against Mercado Pago
// (here the simulator) with GET /users/me, and a port in use is named as PORT.

const KEY = "boot-checks-test-key-0123456789";
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
  await sim?.close();
  await db?.drop();
});

const production = (extra: Record<string, string> = {}) => ({
  NODE_ENV: "production",
  DATABASE_URL: db.url,
  API_KEYS: KEY,
  MP_ACCESS_TOKEN: TOKEN,
  MP_COLLECTOR_ID: COLLECTOR,
  MP_BASE_URL: sim.baseUrl,
  MP_TIMEOUT_MS: "1000",
  LOG_LEVEL: "info",
  ...extra,
});

const usersMeCalls = () => sim.sim.requests.filter((r) => r.path.endsWith("/users/me")).length;

describe("MP_VERIFY_CREDENTIALS at boot", () => {
  it("a token of another seller than MP_COLLECTOR_ID stops the boot naming both ids", async () => {
    const before = usersMeCalls();
    const { code, output } = await runUntilExit(production({ MP_COLLECTOR_ID: "555" }));
    expect(code).toBe(1);
    expect(output).toContain(
      `MP_COLLECTOR_ID: is 555 but MP_ACCESS_TOKEN belongs to Mercado Pago user ${COLLECTOR}; set MP_COLLECTOR_ID=${COLLECTOR}`,
    );
    expect(usersMeCalls()).toBe(before + 1);
    expect(output).not.toContain("service listening");
  });

  it("a token Mercado Pago rejects stops the boot naming MP_ACCESS_TOKEN, without the token", async () => {
    const wrong = "APP_USR-revoked-token-0000000000";
    const { code, output } = await runUntilExit(production({ MP_ACCESS_TOKEN: wrong }));
    expect(code).toBe(1);
    expect(output).toContain("MP_ACCESS_TOKEN: Mercado Pago rejected the token (HTTP 401)");
    expect(output).not.toContain(wrong);
  });

  it("Mercado Pago unreachable is a warning: the service starts and serves", async () => {
    const closed = await freePort();
    const svc = await startService(production({ MP_BASE_URL: `http://127.0.0.1:${closed}` }));
    services.push(svc);
    expect((await fetch(`${svc.url}/ready`)).status).toBe(200);
    expect(svc.output()).toContain("could not check MP_ACCESS_TOKEN with Mercado Pago");
    expect(await svc.stop()).toBe(0);
  });

  it("the right token and collector start the service after one GET /users/me; false skips it", async () => {
    const before = usersMeCalls();
    const svc = await startService(production());
    services.push(svc);
    expect(svc.output()).toContain("Mercado Pago credentials verified");
    expect(usersMeCalls()).toBe(before + 1);
    expect(await svc.stop()).toBe(0);

    const unchecked = await startService(
      production({ MP_COLLECTOR_ID: "555", MP_VERIFY_CREDENTIALS: "false" }),
    );
    services.push(unchecked);
    expect(usersMeCalls()).toBe(before + 1);
    expect(await unchecked.stop()).toBe(0);
  });
});

describe("the site at boot (MP_SITE and the token's site_id)", () => {
  it("MP_SITE other than the token's site stops the boot naming both", async () => {
    const before = usersMeCalls();
    const { code, output } = await runUntilExit(production({ MP_SITE: "MLB" }));
    expect(code).toBe(1);
    expect(output).toContain(
      "MP_SITE: is MLB but MP_ACCESS_TOKEN belongs to a seller of site MLA; set MP_SITE=MLA",
    );
    expect(usersMeCalls()).toBe(before + 1);
    expect(output).not.toContain("service listening");
  });

  it("MP_API=orders with a token of Mexico (MLM) stops the boot naming the site", async () => {
    const mexico = await startSimulatorServer({
      accessToken: TOKEN,
      collectorId: Number(COLLECTOR),
      sweepIntervalMs: 0,
      siteId: "MLM",
    });
    try {
      const { code, output } = await runUntilExit(
        production({
          MP_BASE_URL: mexico.baseUrl,
          MP_API: "orders",
          MP_WEBHOOK_SIGNING_SECRET: "orders-signing-secret-0123456789",
        }),
      );
      expect(code).toBe(1);
      expect(output).toContain("MP_API: orders is not offered for QR payments on site MLM");
      expect(output).toContain("set MP_API=instore_v2");
      expect(output).not.toContain("service listening");
    } finally {
      await mexico.close();
    }
  });

  it("an invalid MP_SITE stops the boot before anything is asked", async () => {
    const before = usersMeCalls();
    const { code, output } = await runUntilExit(production({ MP_SITE: "ARG" }));
    expect(code).toBe(1);
    expect(output).toContain("MP_SITE: must be one of MLA, MLB, MLM, MLC, MCO, MPE, MLU (got ARG)");
    expect(usersMeCalls()).toBe(before);
  });

  it("without MP_SITE the token's site is taken, and logged", async () => {
    const svc = await startService(production());
    services.push(svc);
    expect(svc.output()).toMatch(/"site":"MLA","defaultLocale":"es"/);
    expect(await svc.stop()).toBe(0);
  });
});

describe("PORT at boot", () => {
  it("a port in use stops the boot naming PORT and the port", async () => {
    const taken = createServer().listen(0, "0.0.0.0");
    await once(taken, "listening");
    const { port } = taken.address() as { port: number };
    try {
      const { code, output } = await runUntilExit(production({ PORT: String(port) }));
      expect(code).toBe(1);
      expect(output).toContain(
        `PORT: port ${port} is already in use by another process; stop that process or set PORT to a free port`,
      );
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
