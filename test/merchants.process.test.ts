import { randomBytes } from "node:crypto";
import axios from "axios";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import nock from "nock";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers.ts";
import {
  freePort,
  simulatedServiceEnv,
  startService,
  type ServiceProcess,
} from "./process-helpers.ts";

// The real process in platform mode: boot wires the merchants routes, the OAuth client at
// MP_BASE_URL and the authorization URL; a seller connects through the simulator's page.

const TOKEN = "APP_USR-platform-own-token-000000";
const COLLECTOR = "100000001";
const KEY = "full-key-0123456789abcdef";
const CLIENT_ID = "5550001112223334";
const CLIENT_SECRET = "sim-client-secret-0123456789";
const authed = { headers: { authorization: `Bearer ${KEY}` }, validateStatus: () => true };
const http = axios.create({ validateStatus: () => true, maxRedirects: 0 });

let db: TestDb;
let sim: SimulatorServer;
let svc: ServiceProcess;

beforeAll(async () => {
  nock.enableNetConnect(/127\.0\.0\.1/);
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
    oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  const port = await freePort();
  svc = await startService(
    {
      ...simulatedServiceEnv({
        port,
        databaseUrl: db.url,
        mp: { baseUrl: sim.baseUrl, accessToken: TOKEN, collectorId: COLLECTOR },
        apiKeys: KEY,
        nodeEnv: "production",
      }),
      MP_CLIENT_ID: CLIENT_ID,
      MP_CLIENT_SECRET: CLIENT_SECRET,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      MP_AUTH_URL: `${sim.url}/authorization`,
    },
    90_000,
  );
}, 120_000);
afterAll(async () => {
  await svc?.kill();
  await sim?.close();
  await db?.drop();
});

describe("platform mode in the running service", () => {
  it("a seller connects through the authorization page; its tokens are unreadable in the database", async () => {
    const created = await http.post(`${svc.url}/merchants`, { name: "Café" }, authed);
    expect(created.status).toBe(201);
    const connect = new URL(created.data.connect_url as string);
    expect(connect.origin + connect.pathname).toBe(`${sim.url}/authorization`);
    expect(connect.searchParams.get("redirect_uri")).toBe(`${svc.url}/oauth/callback`);
    // the seller approves as 700000002 (the page's form, as a browser would post it)
    const q = Object.fromEntries(connect.searchParams);
    const approve = await http.post(
      `${sim.url}/authorization`,
      new URLSearchParams({ ...q, user_id: "700000002", decision: "approve" }).toString(),
      { headers: { "content-type": "application/x-www-form-urlencoded" } },
    );
    expect(approve.status).toBe(302);
    const back = await http.get(approve.headers.location as string);
    expect(back.status).toBe(200);
    expect(back.data).toMatchObject({
      status: "connected",
      mercadopago_user_id: "700000002",
      site: "MLA",
    });
    // the same callback again is refused and changes nothing
    const again = await http.get(approve.headers.location as string);
    expect(again.status).toBe(400);

    const client = new pg.Client({ connectionString: db.directUrl });
    await client.connect();
    const { rows } = await client.query("SELECT * FROM merchants");
    await client.end();
    expect(JSON.stringify(rows)).not.toMatch(/APP_USR-700000002|TG-[0-9a-f]{48}-700000002/);
    const listed = await http.get(`${svc.url}/merchants`, authed);
    expect(listed.data.data).toHaveLength(1);
    expect(JSON.stringify(listed.data)).not.toContain("APP_USR");
  });
});
