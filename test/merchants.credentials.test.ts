import { randomBytes } from "node:crypto";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import nock from "nock";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../src/errors.ts";
import { createMerchantTokenRefresher } from "../src/jobs/merchant-token-refresher.ts";
import { createMerchantCredentials } from "../src/merchants/merchant-credentials.ts";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { DAY_MS } from "../src/merchants/token-refresh.ts";
import {
  MercadoPagoError,
  createMercadoPagoClient,
} from "../src/mercadopago/mercadopago.client.ts";
import { createOAuthClient } from "../src/mercadopago/oauth.calls.ts";
import { createSellerClients } from "../src/mercadopago/seller-credentials.ts";
import { createTestDb, type TestDb } from "./helpers.ts";

// Each merchant's Mercado Pago calls carry its own token and user id, through the credentials
// port; a grant revoked mid-day stops that merchant only.

const CLIENT_ID = "5550001112223334";
const CLIENT_SECRET = "sim-client-secret-0123456789";
const REDIRECT = "https://pos.example.com/oauth/callback";
const PLATFORM_TOKEN = "APP_USR-platform-own-token";
const box = createMerchantTokenBox({ current: randomBytes(32) });
const logger = pino({ level: "silent" });

let db: TestDb;
let sim: SimulatorServer;
let repo: ReturnType<typeof createMerchantsRepository>;
let oauth: ReturnType<typeof createOAuthClient>;

beforeAll(async () => {
  nock.enableNetConnect(/127\.0\.0\.1/);
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: PLATFORM_TOKEN,
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

async function connected(userId: number) {
  const code = sim.sim.oauth!.approve({
    userId,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT,
    codeChallenge: null,
    codeChallengeMethod: null,
  }) as string;
  const t = await oauth.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: "" });
  const m = await repo.create(`seller ${userId}`);
  const sealed = box.seal(m.id, {
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    expiresAt: new Date(Date.now() + t.expiresIn * 1000),
  });
  await repo.connect(m.id, { ...sealed, mercadopagoUserId: t.userId, site: "MLA" }, new Date());
  return m;
}

describe("each merchant's credentials", () => {
  it("calls carry the merchant's own token and user id; a revoked grant stops that merchant only", async () => {
    const a = await connected(700000001);
    const b = await connected(700000002);
    const built: string[] = [];
    const clients = createSellerClients(
      createMerchantCredentials({
        repo,
        box,
        defaultSeller: { accessToken: PLATFORM_TOKEN, collectorId: "100000001" },
      }),
      (c) => {
        built.push(c.collectorId);
        return createMercadoPagoClient({
          baseUrl: sim.baseUrl,
          ...c,
          timeoutMs: 2000,
          logger,
          retries: 0,
        });
      },
    );
    expect(String((await (await clients.clientFor(a.id)).getCurrentUser()).id)).toBe("700000001");
    expect(String((await (await clients.clientFor(b.id)).getCurrentUser()).id)).toBe("700000002");
    expect(String((await (await clients.clientFor(null)).getCurrentUser()).id)).toBe("100000001");
    // one client per merchant and token
    await clients.clientFor(a.id);
    expect(built).toEqual(["700000001", "700000002", "100000001"]);

    // mid-day the seller of A withdraws the application's access at Mercado Pago
    sim.sim.oauth!.revoke(700000001);
    const refused = await (await clients.clientFor(a.id)).getCurrentUser().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MercadoPagoError);
    expect((refused as MercadoPagoError).status).toBe(401);
    // the refresh job learns it and marks A disconnected; from then on A's work is refused in words
    const job = createMerchantTokenRefresher({
      repo,
      box,
      oauth,
      logger,
      now: () => new Date(Date.now() + 170 * DAY_MS),
    });
    await job.runOnce();
    const err = await clients.clientFor(a.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "merchant_not_connected", status: 409 });
    expect((err as AppError).message).toMatch(
      /is disconnected from Mercado Pago \(Mercado Pago refused the refresh/,
    );
    // B's sales are untouched (its token was refreshed by the same run, and works)
    expect(String((await (await clients.clientFor(b.id)).getCurrentUser()).id)).toBe("700000002");
  });

  it("a merchant never connected, and a platform without its own token, are refused in words", async () => {
    const m = await repo.create("new");
    const port = createMerchantCredentials({ repo, box, defaultSeller: null });
    await expect(port.credentialsOf(m.id)).rejects.toMatchObject({
      code: "merchant_not_connected",
      message: expect.stringMatching(/has not connected its Mercado Pago account yet/),
    });
    await expect(port.credentialsOf(null)).rejects.toMatchObject({
      code: "merchant_not_connected",
    });
  });
});
