import { randomBytes } from "node:crypto";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import nock from "nock";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchantTokenRefresher } from "../src/jobs/merchant-token-refresher.ts";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { DAY_MS, retryDelayMs } from "../src/merchants/token-refresh.ts";
import { MercadoPagoError } from "../src/mercadopago/mercadopago.client.ts";
import { createOAuthClient, type OAuthCalls } from "../src/mercadopago/oauth.calls.ts";
import { keyIdOf } from "../src/token-crypto.ts";
import { createTestDb, type TestDb } from "./helpers.ts";

const CLIENT_ID = "5550001112223334";
const CLIENT_SECRET = "sim-client-secret-0123456789";
const REDIRECT = "https://pos.example.com/oauth/callback";
const OLD_KEY = randomBytes(32);
const NEW_KEY = randomBytes(32);
const logger = pino({ level: "silent" });

let db: TestDb;
let sim: SimulatorServer;
let repo: ReturnType<typeof createMerchantsRepository>;
let oauth: OAuthCalls;
/** the service's clock: tests move it ahead of the simulator's */
let ahead = 0;
const now = () => new Date(Date.now() + ahead);

beforeAll(async () => {
  nock.enableNetConnect(/127\.0\.0\.1/);
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: "APP_USR-platform-own-token",
    collectorId: 100000001,
    sweepIntervalMs: 0,
    oauth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  repo = createMerchantsRepository(db.prisma);
  oauth = createOAuthClient({
    baseUrl: sim.baseUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 2000,
    logger,
  });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

/** A merchant connected to `userId` at the simulator, its tokens sealed with `key`. */
async function connected(userId: number, key = NEW_KEY) {
  const code = sim.sim.oauth!.approve({
    userId,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT,
    codeChallenge: null,
    codeChallengeMethod: null,
  }) as string;
  const t = await oauth.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: "" });
  const m = await repo.create(`seller ${userId}`);
  const sealed = createMerchantTokenBox({ current: key }).seal(m.id, {
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    expiresAt: new Date(Date.now() + t.expiresIn * 1000),
  });
  await repo.connect(m.id, { ...sealed, mercadopagoUserId: t.userId, site: "MLA" }, new Date());
  return m;
}

function refresher(
  o: Partial<{
    oauth: Pick<OAuthCalls, "refresh">;
    keys: { current: Buffer; previous?: Buffer };
  }> = {},
) {
  return createMerchantTokenRefresher({
    repo,
    box: createMerchantTokenBox(o.keys ?? { current: NEW_KEY }),
    oauth: o.oauth ?? oauth,
    logger,
    now,
  });
}

describe("the merchant token refresher", () => {
  it("leaves a token with more than 30 days left, and refreshes it once less remain", async () => {
    const m = await connected(700000001);
    const before = (await repo.findWithTokens(m.id))!;
    const job = refresher();
    ahead = 149 * DAY_MS; // 31 days left
    await job.runOnce();
    expect((await repo.findWithTokens(m.id))!.refreshTokenSealed).toBe(before.refreshTokenSealed);
    const refreshes = sim.sim.oauth!.issued.refresh_token;
    ahead = 151 * DAY_MS; // 29 days left
    await job.runOnce();
    const after = (await repo.findWithTokens(m.id))!;
    expect(sim.sim.oauth!.issued.refresh_token).toBe(refreshes + 1);
    expect(after.refreshTokenSealed).not.toBe(before.refreshTokenSealed);
    expect(after.tokenExpiresAt.getTime()).toBeGreaterThan(before.tokenExpiresAt.getTime());
    // the new token works at Mercado Pago
    const { accessToken } = createMerchantTokenBox({ current: NEW_KEY }).open(m.id, after);
    expect(sim.sim.oauth!.sellerOf(accessToken)?.userId).toBe(700000001);
    ahead = 0;
    await repo.disconnect(m.id, "test done");
  });

  it("a revoked grant marks the merchant disconnected; another merchant is untouched", async () => {
    const revoked = await connected(700000002);
    const other = await connected(700000003);
    sim.sim.oauth!.revoke(700000002);
    ahead = 160 * DAY_MS;
    await refresher().runOnce();
    ahead = 0;
    const gone = await repo.find(revoked.id);
    expect(gone).toMatchObject({ status: "disconnected", tokenExpiresAt: null });
    expect(gone!.disconnectedReason).toMatch(/revoked/);
    expect((await repo.find(other.id))!.status).toBe("connected");
    await repo.disconnect(other.id, "test done");
  });

  it("a failure that says nothing of the grant waits with backoff and keeps the merchant", async () => {
    const m = await connected(700000001);
    let calls = 0;
    const down: Pick<OAuthCalls, "refresh"> = {
      refresh: async () => {
        calls += 1;
        throw new MercadoPagoError("unavailable", "Mercado Pago answered 503", 503);
      },
    };
    ahead = 160 * DAY_MS;
    const job = refresher({ oauth: down });
    await job.runOnce();
    expect(calls).toBe(1);
    const after = await db.prisma.merchant.findUniqueOrThrow({ where: { id: m.id } });
    expect(after).toMatchObject({ status: "connected", refreshFailures: 1 });
    expect(after.refreshAfter!.getTime() - now().getTime()).toBeGreaterThan(40_000);
    // not again before the retry is due
    await job.runOnce();
    expect(calls).toBe(1);
    ahead += 5 * 60_000;
    await job.runOnce();
    expect(calls).toBe(2);
    // our own client being refused is no reason to drop a seller
    const refused: Pick<OAuthCalls, "refresh"> = {
      refresh: async () => {
        throw new MercadoPagoError(
          "rejected",
          "Mercado Pago answered 401 invalid_client",
          401,
          "invalid_client",
        );
      },
    };
    ahead += 60 * 60_000;
    await refresher({ oauth: refused }).runOnce();
    expect((await repo.find(m.id))!.status).toBe("connected");
    ahead = 0;
    await repo.disconnect(m.id, "test done");
  });

  it("after a key rotation the refresh reseals with the new key", async () => {
    const m = await connected(700000001, OLD_KEY);
    ahead = 160 * DAY_MS;
    await refresher({ keys: { current: NEW_KEY, previous: OLD_KEY } }).runOnce();
    ahead = 0;
    const after = (await repo.findWithTokens(m.id))!;
    expect(after.tokenKeyId).toBe(keyIdOf(NEW_KEY));
    expect(() => createMerchantTokenBox({ current: NEW_KEY }).open(m.id, after)).not.toThrow();
    await repo.disconnect(m.id, "test done");
  });

  it("backoff doubles from a minute, at most 6 hours", () => {
    const mid = () => 0.5;
    expect(retryDelayMs(0, mid)).toBe(60_000);
    expect(retryDelayMs(3, mid)).toBe(480_000);
    expect(retryDelayMs(30, mid)).toBe(6 * 3_600_000);
  });
});
