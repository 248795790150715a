import type { Db } from "../db/database.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Connection, Merchant, MerchantStatus, SealedTokens } from "./merchant.ts";

interface MerchantRow {
  id: string;
  name: string;
  status: string;
  mercadopagoUserId: string | null;
  site: string | null;
  tokenExpiresAt: Date | null;
  connectedAt: Date | null;
  disconnectedReason: string | null;
  createdAt: Date;
}

const PUBLIC_FIELDS = {
  id: true,
  name: true,
  status: true,
  mercadopagoUserId: true,
  site: true,
  tokenExpiresAt: true,
  connectedAt: true,
  disconnectedReason: true,
  createdAt: true,
} as const;

/** The merchant's public fields only: a row read whole never carries its tokens further. */
const toMerchant = (r: MerchantRow): Merchant => ({
  id: r.id,
  name: r.name,
  // the column's CHECK allows only these
  status: r.status as MerchantStatus,
  mercadopagoUserId: r.mercadopagoUserId,
  site: r.site,
  tokenExpiresAt: r.tokenExpiresAt,
  connectedAt: r.connectedAt,
  disconnectedReason: r.disconnectedReason,
  createdAt: r.createdAt,
});

/** Another merchant is connected to this Mercado Pago account already. */
export class AccountTakenError extends Error {
  constructor(readonly merchantId: string) {
    super("the Mercado Pago account is connected to another merchant");
    this.name = "AccountTakenError";
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/** A connected merchant with its sealed tokens, for the credentials lookup and the refresh job. */
export interface MerchantWithTokens extends Omit<Merchant, "tokenExpiresAt">, SealedTokens {
  refreshFailures: number;
}

export function createMerchantsRepository(db: Db) {
  return {
    async create(name: string): Promise<Merchant> {
      return toMerchant(await db.merchant.create({ data: { name }, select: PUBLIC_FIELDS }));
    },
    async list(): Promise<Merchant[]> {
      const rows = await db.merchant.findMany({
        select: PUBLIC_FIELDS,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(toMerchant);
    },
    async find(id: string): Promise<Merchant | null> {
      const row = await db.merchant.findUnique({ where: { id }, select: PUBLIC_FIELDS });
      return row ? toMerchant(row) : null;
    },
    /** The connected merchant of a Mercado Pago account (notifications carry the user id). */
    async findConnectedByUserId(userId: string): Promise<Merchant | null> {
      const row = await db.merchant.findFirst({
        where: { mercadopagoUserId: userId, status: "connected" },
        select: PUBLIC_FIELDS,
      });
      return row ? toMerchant(row) : null;
    },
    /** A connected merchant and its sealed tokens; null when it is not connected. */
    async findWithTokens(id: string): Promise<MerchantWithTokens | null> {
      const row = await db.merchant.findFirst({ where: { id, status: "connected" } });
      return row && withTokens(row);
    },

    /** Notes an authorization in flight: the state's digest, its PKCE verifier, its expiry. */
    async createState(s: {
      stateHash: string;
      merchantId: string;
      codeVerifier: string;
      expiresAt: Date;
    }): Promise<void> {
      await db.oAuthState.create({ data: s });
    },
    /**
     * Uses a state up, once: the one statement that marks it used answers it only when it was
     * unused and unexpired, so a replay, even a concurrent one, finds nothing.
     */
    async consumeState(
      stateHash: string,
      now: Date,
    ): Promise<{ merchantId: string; codeVerifier: string } | null> {
      const rows = await db.$queryRaw<{ merchant_id: string; code_verifier: string }[]>`
        UPDATE oauth_states SET used_at = ${now}
        WHERE state_hash = ${stateHash} AND used_at IS NULL AND expires_at > ${now}
        RETURNING merchant_id::text, code_verifier`;
      const row = rows[0];
      return row ? { merchantId: row.merchant_id, codeVerifier: row.code_verifier } : null;
    },
    /** Forgets states that can no longer be used. */
    async pruneStates(now: Date): Promise<number> {
      const { count } = await db.oAuthState.deleteMany({
        where: { OR: [{ expiresAt: { lte: now } }, { usedAt: { not: null } }] },
      });
      return count;
    },

    /** Stores the account and its sealed tokens: the merchant is connected. */
    async connect(id: string, c: Connection, now: Date): Promise<Merchant> {
      try {
        const row = await db.merchant.update({
          where: { id },
          data: {
            ...c,
            status: "connected",
            connectedAt: now,
            disconnectedReason: null,
            refreshAfter: null,
            refreshFailures: 0,
          },
          select: PUBLIC_FIELDS,
        });
        return toMerchant(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const other = await db.merchant.findFirst({
          where: { mercadopagoUserId: c.mercadopagoUserId, status: "connected" },
          select: { id: true },
        });
        throw new AccountTakenError(other?.id ?? "");
      }
    },
    /**
     * Forgets the tokens; the account's user id and site stay, to show what it was connected to.
     * Answers null when there is no such merchant.
     */
    async disconnect(id: string, reason: string): Promise<Merchant | null> {
      const { count } = await db.merchant.updateMany({
        where: { id },
        data: {
          status: "disconnected",
          disconnectedReason: reason,
          accessTokenSealed: null,
          refreshTokenSealed: null,
          tokenKeyId: null,
          tokenExpiresAt: null,
          refreshAfter: null,
          refreshFailures: 0,
        },
      });
      return count === 0 ? null : this.find(id);
    },

    /** Connected merchants whose token expires before `before` and whose retry is due. */
    async dueForRefresh(before: Date, now: Date, limit = 50): Promise<MerchantWithTokens[]> {
      const rows = await db.merchant.findMany({
        where: {
          status: "connected",
          tokenExpiresAt: { lt: before },
          OR: [{ refreshAfter: null }, { refreshAfter: { lte: now } }],
        },
        orderBy: { tokenExpiresAt: "asc" },
        take: limit,
      });
      return rows.map(withTokens);
    },
    /** The refreshed tokens, only if the merchant is still connected with the ones refreshed. */
    async saveRefreshed(id: string, previousSealed: string, t: SealedTokens): Promise<boolean> {
      const { count } = await db.merchant.updateMany({
        where: { id, status: "connected", refreshTokenSealed: previousSealed },
        data: { ...t, refreshAfter: null, refreshFailures: 0 },
      });
      return count === 1;
    },
    /**
     * Takes a due merchant for one refresh until `leaseUntil`, so two replicas never spend the
     * same refresh token (the second would be refused and disconnect a healthy merchant).
     */
    async claimForRefresh(id: string, now: Date, leaseUntil: Date): Promise<boolean> {
      const { count } = await db.merchant.updateMany({
        where: {
          id,
          status: "connected",
          OR: [{ refreshAfter: null }, { refreshAfter: { lte: now } }],
        },
        data: { refreshAfter: leaseUntil },
      });
      return count === 1;
    },
    /** Marks a connected merchant disconnected because its grant is gone; tokens forgotten. */
    async markDisconnected(id: string, reason: string): Promise<boolean> {
      const { count } = await db.merchant.updateMany({
        where: { id, status: "connected" },
        data: {
          status: "disconnected",
          disconnectedReason: reason,
          accessTokenSealed: null,
          refreshTokenSealed: null,
          tokenKeyId: null,
          tokenExpiresAt: null,
          refreshAfter: null,
          refreshFailures: 0,
        },
      });
      return count === 1;
    },
    async noteRefreshFailure(id: string, retryAt: Date): Promise<void> {
      await db.merchant.updateMany({
        where: { id, status: "connected" },
        data: { refreshAfter: retryAt, refreshFailures: { increment: 1 } },
      });
    },
  };
}

function withTokens(
  row: MerchantRow & {
    accessTokenSealed: string | null;
    refreshTokenSealed: string | null;
    tokenKeyId: string | null;
    tokenExpiresAt: Date | null;
    refreshFailures: number;
  },
): MerchantWithTokens {
  // the table's CHECK: a connected merchant has all of them
  if (!row.accessTokenSealed || !row.refreshTokenSealed || !row.tokenKeyId || !row.tokenExpiresAt)
    throw new Error(`merchant ${row.id} is connected without its tokens`);
  return {
    ...toMerchant(row),
    accessTokenSealed: row.accessTokenSealed,
    refreshTokenSealed: row.refreshTokenSealed,
    tokenKeyId: row.tokenKeyId,
    tokenExpiresAt: row.tokenExpiresAt,
    refreshFailures: row.refreshFailures,
  };
}

export type MerchantsRepository = ReturnType<typeof createMerchantsRepository>;
