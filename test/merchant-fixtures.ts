import { randomBytes } from "node:crypto";
import type { MerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import type { MerchantsRepository } from "../src/merchants/merchants.repository.ts";
import { uniquePos, type TestDb } from "./helpers.ts";

/**
 * A merchant connected straight in the database (no OAuth round trip), with a token of its own
 * sealed by `box`, and one store (`<prefix><user id>`) and POS of its own.
 */
export async function merchantWithPos(
  db: TestDb,
  repo: MerchantsRepository,
  box: MerchantTokenBox,
  userId: string,
  storePrefix = "M",
) {
  const token = `APP_USR-${userId}-${randomBytes(12).toString("hex")}`;
  const merchant = await repo.create(`merchant ${userId}`);
  const sealed = box.seal(merchant.id, {
    accessToken: token,
    refreshToken: `TG-${userId}`,
    expiresAt: new Date(Date.now() + 100 * 86_400_000),
  });
  await repo.connect(
    merchant.id,
    { ...sealed, mercadopagoUserId: userId, site: "MLA" },
    new Date(),
  );
  const storeId = `${storePrefix}${userId}`;
  const posId = uniquePos();
  await db.prisma.store.create({
    data: {
      externalId: storeId,
      mercadopagoId: "1",
      name: "s",
      location: {},
      requestHash: "x",
      merchantId: merchant.id,
    },
  });
  await db.prisma.pos.create({
    data: {
      externalId: posId,
      storeExternalId: storeId,
      mercadopagoId: 1n,
      name: "p",
      requestHash: "x",
    },
  });
  return { merchant, token, userId, storeId, posId };
}
