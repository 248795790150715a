import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import axios from "axios";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createMerchantsService } from "../src/merchants/merchants.service.ts";
import { createOAuthClient } from "../src/mercadopago/oauth.calls.ts";
import { auth, buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";

// The OAuth flow end to end: the service, the simulator's authorization page and token endpoint,
// all over loopback HTTP; the seller's browser is played by fetch following the page's form.

const CLIENT_ID = "5550001112223334";
const CLIENT_SECRET = "sim-client-secret-0123456789";
/** A browser-like request: no redirect followed, every status answered (fetch is nock's here). */
async function fetch(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    redirect?: "manual";
  } = {},
) {
  const res = await axios.request({
    url,
    method: init.method ?? "GET",
    headers: init.headers ?? {},
    data: init.body,
    maxRedirects: 0,
    validateStatus: () => true,
    responseType: "text",
    transformResponse: (x: unknown) => x,
  });
  const text = String(res.data);
  return {
    status: res.status,
    headers: { get: (name: string) => (res.headers[name] as string | undefined) ?? null },
    text: async () => text,
    json: async () =>
      JSON.parse(text) as Record<string, unknown> & { error?: { code?: string; message?: string } },
  };
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const box = createMerchantTokenBox({ current: randomBytes(32) });

let db: TestDb;
let h: Harness;
let sim: SimulatorServer;
let service: Server;
let serviceUrl: string;
let repo: ReturnType<typeof createMerchantsRepository>;

beforeAll(async () => {
  nock.enableNetConnect(/127\.0\.0\.1/);
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: "APP_USR-platform-own-token",
    collectorId: 100000001,
    sweepIntervalMs: 0,
    oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  const logger = pino({ level: "silent" });
  repo = createMerchantsRepository(db.prisma);
  // the redirect URI needs the service's port: listen first, then build the app behind it
  const behind: { app?: Harness["app"] } = {};
  service = createServer((req, res) => behind.app!(req, res));
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  const merchants = createMerchantsService({
    repo,
    box,
    oauth: createOAuthClient({
      baseUrl: sim.baseUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 2000,
      logger,
    }),
    logger,
    config: {
      clientId: CLIENT_ID,
      authUrl: `${sim.url}/authorization`,
      redirectUri: `${serviceUrl}/oauth/callback`,
      site: "MLA",
    },
  });
  h = buildHarness(db, { merchants });
  behind.app = h.app;
});
afterAll(async () => {
  await new Promise((resolve) => service?.close(resolve));
  await sim?.close();
  await db?.drop();
});

/** The seller opens connect_url, approves as `userId` (or denies), and is sent back. */
async function authorize(
  connectUrl: string,
  userId: number | "deny",
): Promise<Awaited<ReturnType<typeof fetch>>> {
  const page = await fetch(connectUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const forms = [...html.matchAll(/<form method="post" action="authorization">(.*?)<\/form>/g)];
  const chosen = forms.find((f) =>
    userId === "deny" ? f[1]!.includes('value="deny"') : f[1]!.includes(`value="${userId}"`),
  );
  expect(chosen).toBeDefined();
  const fields = new URLSearchParams();
  for (const m of chosen![1]!.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) {
    fields.set(
      m[1]!,
      m[2]!.replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c))),
    );
  }
  fields.set("decision", userId === "deny" ? "deny" : "approve");
  const back = await fetch(`${sim.url}/authorization`, {
    method: "POST",
    headers: FORM,
    body: fields.toString(),
    redirect: "manual",
  });
  expect(back.status).toBe(302);
  const location = back.headers.get("location")!;
  expect(location.startsWith(`${serviceUrl}/oauth/callback?`)).toBe(true);
  return fetch(location);
}

async function newMerchant(name: string) {
  const res = await request(h.app).post("/merchants").set(auth).send({ name });
  expect(res.status).toBe(201);
  return res.body as { id: string; connect_url: string };
}

describe("connecting merchants through the simulator's OAuth", () => {
  it("a seller approves, the merchant is connected with its own user id, site and a working token", async () => {
    const m = await newMerchant("A");
    const back = await authorize(m.connect_url, 700000001);
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({
      id: m.id,
      status: "connected",
      mercadopago_user_id: "700000001",
      site: "MLA",
    });
    // the stored token opens with the key and is the seller's at Mercado Pago
    const stored = await repo.findWithTokens(m.id);
    const { accessToken } = box.open(m.id, stored!);
    const me = await fetch(`${sim.baseUrl}/users/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(await me.json()).toMatchObject({ id: 700000001, site_id: "MLA" });
  });

  it("two sellers, two merchants, each with its own account", async () => {
    const b = await newMerchant("B");
    expect((await authorize(b.connect_url, 700000002)).status).toBe(200);
    const shown = await request(h.app).get(`/merchants/${b.id}`).set(auth);
    expect(shown.body.mercadopago_user_id).toBe("700000002");
  });

  it("the same callback twice (the browser's back button) changes nothing the second time", async () => {
    const m = await newMerchant("Replay");
    const page = await fetch(m.connect_url);
    expect(page.status).toBe(200);
    const state = new URL(m.connect_url).searchParams.get("state")!;
    const replay = await fetch(`${serviceUrl}/oauth/callback?code=TG-made-up&state=${state}`);
    // the made-up code uses the state up at Mercado Pago's refusal; the real approval is then refused too
    expect(replay.status).toBe(502);
    const back = await authorize(m.connect_url, 700000003);
    expect(back.status).toBe(400);
    expect((await back.json()).error?.message).toMatch(/already used/);
  });

  it("a seller of another site is refused as unsupported_site", async () => {
    const m = await newMerchant("Brasil");
    const back = await authorize(m.connect_url, 700000003);
    expect(back.status).toBe(400);
    expect((await back.json()).error?.code).toBe("unsupported_site");
  });

  it("a seller who denies is told so, and the merchant stays not connected", async () => {
    const m = await newMerchant("Denied");
    const back = await authorize(m.connect_url, "deny");
    expect(back.status).toBe(400);
    expect((await back.json()).error?.message).toMatch(/did not authorize/);
    expect((await request(h.app).get(`/merchants/${m.id}`).set(auth)).body.status).toBe(
      "not_connected",
    );
  });

  it("a code exchanged without the right PKCE verifier is refused by the simulator", async () => {
    const approve = await fetch(`${sim.url}/authorization`, {
      method: "POST",
      redirect: "manual",
      headers: FORM,
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        redirect_uri: "https://pos.example.com/oauth/callback",
        state: "s",
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method: "S256",
        user_id: "700000001",
        decision: "approve",
      }).toString(),
    });
    const code = new URL(approve.headers.get("location")!).searchParams.get("code")!;
    const res = await fetch(`${sim.baseUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "authorization_code",
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code,
        redirect_uri: "https://pos.example.com/oauth/callback",
        code_verifier: "not-the-verifier-of-that-challenge-0000000000",
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("revoking a seller's grant makes its token answer 401", async () => {
    const m = await newMerchant("Revoked");
    // seller A's account is merchant A's: let it go there, then connect it here
    await request(h.app)
      .delete(`/merchants/${(await repo.findConnectedByUserId("700000001"))!.id}/connection`)
      .set(auth);
    expect((await authorize(m.connect_url, 700000001)).status).toBe(200);
    const { accessToken } = box.open(m.id, (await repo.findWithTokens(m.id))!);
    const revoked = await fetch(`${sim.url}/api/oauth/sellers/700000001/revoke`, {
      method: "POST",
    });
    expect((await revoked.json()).revoked_tokens).toBeGreaterThan(0);
    const me = await fetch(`${sim.baseUrl}/users/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(me.status).toBe(401);
  });
});
