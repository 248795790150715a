import { randomBytes } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createMerchantsService } from "../src/merchants/merchants.service.ts";
import { codeChallenge } from "../src/merchants/oauth-flow.ts";
import { createOAuthClient } from "../src/mercadopago/oauth.calls.ts";
import { MP_BASE, auth, buildHarness, createTestDb, type Harness, type TestDb } from "./helpers.ts";

const CLIENT_ID = "1234567890";
const CLIENT_SECRET = "client-secret-0123456789";
const REDIRECT = "https://pos.example.com/oauth/callback";
const SELLER_TOKEN = "APP_USR-7000000011112222-120812-aaaabbbbccccddddeeeeffff00001111-700000001";
const SELLER_REFRESH = "TG-aaaabbbbccccddddeeeeffff-700000001";
const key = randomBytes(32);

let db: TestDb;
let h: Harness;
let clock = 0;
beforeAll(async () => {
  db = await createTestDb();
  const logger = pino({ level: "silent" });
  const merchants = createMerchantsService({
    repo: createMerchantsRepository(db.prisma),
    box: createMerchantTokenBox({ current: key }),
    oauth: createOAuthClient({
      baseUrl: MP_BASE,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 1000,
      logger,
    }),
    logger,
    now: () => new Date(Date.now() + clock),
    config: {
      clientId: CLIENT_ID,
      authUrl: "https://auth.mercadopago.com/authorization",
      redirectUri: REDIRECT,
      site: "MLA",
    },
  });
  h = buildHarness(db, { merchants, staffApiKeys: ["staff-key-0123456789abcdef"] });
});
afterAll(async () => db?.drop());
afterEach(() => {
  clock = 0;
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

/** A merchant and the state and challenge its connect_url carries. */
async function newMerchant(name = "Café Central") {
  const res = await request(h.app).post("/merchants").set(auth).send({ name });
  expect(res.status).toBe(201);
  const url = new URL(res.body.connect_url as string);
  return { id: res.body.id as string, url, state: url.searchParams.get("state")! };
}

/** Mercado Pago's side of a successful exchange, checking what we send. */
function expectExchange(
  opts: { userId?: number; site?: string; sent?: { body?: Record<string, string> } } = {},
) {
  const userId = opts.userId ?? 700000001;
  nock(MP_BASE)
    .post("/oauth/token", (body: Record<string, string>) => {
      if (opts.sent) opts.sent.body = body;
      return body.grant_type === "authorization_code";
    })
    .reply(200, {
      access_token: SELLER_TOKEN,
      refresh_token: SELLER_REFRESH,
      user_id: userId,
      expires_in: 15_552_000,
      public_key: "APP_USR-pk",
      scope: "offline_access read write",
      token_type: "bearer",
      live_mode: true,
    });
  nock(MP_BASE, { reqheaders: { authorization: `Bearer ${SELLER_TOKEN}` } })
    .get("/users/me")
    .reply(200, { id: userId, site_id: opts.site ?? "MLA" });
}

describe("merchants and the OAuth connection", () => {
  it("POST /merchants answers a merchant not connected with Mercado Pago's authorization URL (PKCE)", async () => {
    const res = await request(h.app).post("/merchants").set(auth).send({ name: "Kiosco" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Kiosco",
      status: "not_connected",
      mercadopago_user_id: null,
    });
    const url = new URL(res.body.connect_url);
    expect(url.origin + url.pathname).toBe("https://auth.mercadopago.com/authorization");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: "code",
      platform_id: "mp",
      redirect_uri: REDIRECT,
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("the callback exchanges the code with the verifier of the challenge and connects the merchant", async () => {
    const m = await newMerchant();
    const sent: { body?: Record<string, string> } = {};
    expectExchange({ sent });
    const res = await request(h.app)
      .get("/oauth/callback")
      .query({ code: "TG-code-1", state: m.state });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: m.id,
      status: "connected",
      mercadopago_user_id: "700000001",
      site: "MLA",
    });
    expect(JSON.stringify(res.body)).not.toContain(SELLER_TOKEN);
    expect(sent.body).toMatchObject({
      grant_type: "authorization_code",
      code: "TG-code-1",
      redirect_uri: REDIRECT,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(codeChallenge(sent.body!.code_verifier!)).toBe(m.url.searchParams.get("code_challenge"));
    const expires = Date.parse(res.body.token_expires_at);
    expect(expires - Date.now()).toBeGreaterThan(179 * 86_400_000);

    const shown = await request(h.app).get(`/merchants/${m.id}`).set(auth);
    expect(shown.body).toMatchObject({
      status: "connected",
      token_expires_at: res.body.token_expires_at,
    });
    expect(JSON.stringify(shown.body)).not.toMatch(/APP_USR|TG-|sealed/);
    const list = await request(h.app).get("/merchants").set(auth);
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(m.id);
  });

  it("a replayed state changes nothing", async () => {
    const m = await newMerchant("Replay");
    expectExchange({ userId: 700000002 });
    expect(
      (await request(h.app).get("/oauth/callback").query({ code: "c1", state: m.state })).status,
    ).toBe(200);
    await request(h.app).delete(`/merchants/${m.id}/connection`).set(auth).expect(200);
    // no call to Mercado Pago is expected: nock would fail the test on one
    const again = await request(h.app).get("/oauth/callback").query({ code: "c2", state: m.state });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(
      /unknown, expired or already used; nothing was changed/,
    );
    expect((await request(h.app).get(`/merchants/${m.id}`).set(auth)).body.status).toBe(
      "disconnected",
    );
  });

  it("a forged or expired state changes nothing", async () => {
    const m = await newMerchant("Forged");
    const forged = await request(h.app)
      .get("/oauth/callback")
      .query({ code: "c", state: randomBytes(32).toString("base64url") });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("validation_failed");
    clock = 16 * 60_000; // past the state's 15 minutes
    const late = await request(h.app).get("/oauth/callback").query({ code: "c", state: m.state });
    expect(late.status).toBe(400);
    expect((await request(h.app).get(`/merchants/${m.id}`).set(auth)).body.status).toBe(
      "not_connected",
    );
  });

  it("an account of another site is refused as unsupported_site, and nothing is stored", async () => {
    const m = await newMerchant("Brasil");
    expectExchange({ userId: 700000003, site: "MLB" });
    const res = await request(h.app).get("/oauth/callback").query({ code: "c", state: m.state });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "unsupported_site" });
    expect(res.body.error.message).toMatch(/site MLB, but this service sells in MLA/);
    expect((await request(h.app).get(`/merchants/${m.id}`).set(auth)).body.status).toBe(
      "not_connected",
    );
  });

  it("a code Mercado Pago refuses is mercadopago_rejected, without our secret in the words", async () => {
    const m = await newMerchant("Refused");
    nock(MP_BASE)
      .post("/oauth/token")
      .reply(400, { error: "invalid_grant", message: `bad ${CLIENT_SECRET}` });
    const res = await request(h.app).get("/oauth/callback").query({ code: "c", state: m.state });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_rejected");
    expect(JSON.stringify(res.body)).not.toContain(CLIENT_SECRET);
  });

  it("the seller declining, or a missing code, is told in words", async () => {
    const denied = await request(h.app)
      .get("/oauth/callback")
      .query({ error: "access_denied", state: "x" });
    expect(denied.status).toBe(400);
    expect(denied.body.error.message).toMatch(/did not authorize/);
    const bare = await request(h.app).get("/oauth/callback");
    expect(bare.status).toBe(400);
  });

  it("a connected merchant is disconnected; a new connect_url is then given, not before", async () => {
    const m = await newMerchant("Again");
    expectExchange({ userId: 700000004 });
    await request(h.app).get("/oauth/callback").query({ code: "c", state: m.state }).expect(200);
    expect((await request(h.app).post(`/merchants/${m.id}/connect`).set(auth)).status).toBe(409);
    const gone = await request(h.app).delete(`/merchants/${m.id}/connection`).set(auth);
    expect(gone.body).toMatchObject({ status: "disconnected", token_expires_at: null });
    const fresh = await request(h.app).post(`/merchants/${m.id}/connect`).set(auth);
    expect(fresh.status).toBe(200);
    expect(new URL(fresh.body.connect_url).searchParams.get("state")).not.toBe(m.state);
  });

  it("roles: staff read, only full keys write; unknown ids are 404", async () => {
    const staff = { Authorization: "Bearer staff-key-0123456789abcdef" };
    expect((await request(h.app).get("/merchants").set(staff)).status).toBe(200);
    expect((await request(h.app).post("/merchants").set(staff).send({ name: "x" })).status).toBe(
      403,
    );
    expect((await request(h.app).post("/merchants").send({ name: "x" })).status).toBe(401);
    expect((await request(h.app).get("/merchants/not-a-uuid").set(auth)).status).toBe(404);
    expect((await request(h.app).get(`/merchants/${crypto.randomUUID()}`).set(auth)).status).toBe(
      404,
    );
    expect(
      (await request(h.app).delete(`/merchants/${crypto.randomUUID()}/connection`).set(auth))
        .status,
    ).toBe(404);
    expect((await request(h.app).post("/merchants").set(auth).send({ name: "" })).status).toBe(400);
  });
});
