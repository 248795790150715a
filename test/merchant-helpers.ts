import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { createMerchantCredentials } from "../src/merchants/merchant-credentials.ts";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import { createMerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { createMercadoPagoClient } from "../src/mercadopago/mercadopago.client.ts";
import { createSellerClients } from "../src/mercadopago/seller-credentials.ts";
import { COLLECTOR, MP_BASE, TOKEN, type TestDb } from "./helpers.ts";

/**
 * Platform mode's pieces over a test database, as boot wires them: the merchants' repository,
 * the box that seals their tokens, and each merchant's Mercado Pago client (at MP_BASE, for
 * nock; the default merchant's with TOKEN).
 */
export function platformOf(db: TestDb, opts: { retries?: number } = {}) {
  const logger = pino({ level: "silent" });
  const box = createMerchantTokenBox({ current: randomBytes(32) });
  const repo = createMerchantsRepository(db.prisma);
  const clients = createSellerClients(
    createMerchantCredentials({
      repo,
      box,
      defaultSeller: { accessToken: TOKEN, collectorId: COLLECTOR },
    }),
    (c) =>
      createMercadoPagoClient({
        baseUrl: MP_BASE,
        ...c,
        timeoutMs: 1000,
        logger,
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
      }),
  );
  return { box, repo, clients };
}

export type Platform = ReturnType<typeof platformOf>;

/** A merchant connected as Mercado Pago seller `userId`, its token sealed as the callback does. */
export async function connectedMerchant(
  p: Pick<Platform, "box" | "repo">,
  userId: string,
  opts: { token?: string; name?: string } = {},
) {
  const token = opts.token ?? `APP_USR-${userId}-${randomBytes(12).toString("hex")}`;
  const m = await p.repo.create(opts.name ?? `merchant ${userId}`);
  const sealed = p.box.seal(m.id, {
    accessToken: token,
    refreshToken: `TG-${userId}`,
    expiresAt: new Date(Date.now() + 100 * 86_400_000),
  });
  await p.repo.connect(m.id, { ...sealed, mercadopagoUserId: userId, site: "MLA" }, new Date());
  return { merchant: m, token, userId };
}
