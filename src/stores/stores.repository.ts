import type { Db } from "../db/database.ts";
import type { Locale } from "../sites.ts";
import type { Pos, Store, StoreLocation } from "./store.ts";

interface StoreRow {
  externalId: string;
  mercadopagoId: string;
  name: string;
  location: unknown;
  requestHash: string;
  timeZone: string | null;
  locale: string | null;
  merchantId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface PosRow {
  externalId: string;
  storeExternalId: string;
  mercadopagoId: bigint;
  name: string;
  category: number | null;
  qrImageUrl: string | null;
  qrTemplateDocumentUrl: string | null;
  qrTemplateImageUrl: string | null;
  qrContent: string | null;
  requestHash: string;
  createdAt: Date;
  updatedAt: Date;
}

const toStore = (r: StoreRow): Store => ({
  ...r,
  location: r.location as StoreLocation,
  // the column's CHECK allows only these
  locale: r.locale as Locale | null,
});
const toPos = (r: PosRow): Pos => ({ ...r, mercadopagoId: r.mercadopagoId.toString() });

export type NewStore = Omit<Store, "createdAt" | "updatedAt" | "timeZone" | "locale">;
export type NewPos = Omit<Pos, "createdAt" | "updatedAt">;

export function createStoresRepository(db: Db) {
  return {
    async findStore(externalId: string): Promise<Store | null> {
      const row = await db.store.findUnique({ where: { externalId } });
      return row ? toStore(row) : null;
    },
    /** The external ids of a merchant's stores (a merchant's key's scope). */
    async storeIdsOfMerchant(merchantId: string): Promise<string[]> {
      const rows = await db.store.findMany({
        where: { merchantId },
        select: { externalId: true },
      });
      return rows.map((r) => r.externalId);
    },
    async listStores(): Promise<Store[]> {
      const rows = await db.store.findMany({ orderBy: { externalId: "asc" } });
      return rows.map(toStore);
    },
    /**
     * Inserts the store unless one with its external id is there already (a concurrent create);
     * either way answers the row that stands.
     */
    async insertStore(store: NewStore): Promise<Store> {
      await db.store.createMany({
        data: [{ ...store, location: store.location as object }],
        skipDuplicates: true,
      });
      const row = await db.store.findUniqueOrThrow({ where: { externalId: store.externalId } });
      return toStore(row);
    },
    /** Sets the zone and language given (null: back to the site's default); null if unknown. */
    async updateStoreSettings(
      externalId: string,
      settings: { timeZone?: string | null; locale?: Locale | null },
    ): Promise<Store | null> {
      const rows = await db.store.updateManyAndReturn({ where: { externalId }, data: settings });
      return rows[0] ? toStore(rows[0]) : null;
    },
    /** The merchant of a registered POS's store (null: the default merchant, or no such POS). */
    async merchantOfPos(externalId: string): Promise<string | null> {
      const row = await db.pos.findUnique({
        where: { externalId },
        select: { store: { select: { merchantId: true } } },
      });
      return row?.store.merchantId ?? null;
    },
    async findPos(externalId: string): Promise<Pos | null> {
      const row = await db.pos.findUnique({ where: { externalId } });
      return row ? toPos(row) : null;
    },
    async listPos(storeExternalId?: string): Promise<Pos[]> {
      const rows = await db.pos.findMany({
        where: storeExternalId === undefined ? {} : { storeExternalId },
        orderBy: { externalId: "asc" },
      });
      return rows.map(toPos);
    },
    /** As insertStore: the row that stands after the insert. */
    async insertPos(pos: NewPos): Promise<Pos> {
      await db.pos.createMany({
        data: [{ ...pos, mercadopagoId: BigInt(pos.mercadopagoId) }],
        skipDuplicates: true,
      });
      const row = await db.pos.findUniqueOrThrow({ where: { externalId: pos.externalId } });
      return toPos(row);
    },
    /** Records what the POS's QR encodes, once known. */
    async setQrContent(externalId: string, content: string): Promise<void> {
      await db.pos.update({ where: { externalId }, data: { qrContent: content } });
    },
  };
}

export type StoresRepository = ReturnType<typeof createStoresRepository>;
