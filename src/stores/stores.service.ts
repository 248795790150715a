import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { AppError, messageOf } from "../errors.ts";
import { MercadoPagoError, type MercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import type { MpPos, MpStore } from "../mercadopago/mercadopago.schemas.ts";
import { readQrContent } from "./pos-qr.ts";
import type { QrImageFetcher } from "./qr-image-fetch.ts";
import type { Pos, Store, StoreDefaults } from "./store.ts";
import type { CreatePosInput, CreateStoreInput, UpdateStoreInput } from "./stores.schemas.ts";
import type { StoresRepository } from "./stores.repository.ts";

export interface StoresServiceDeps {
  repo: StoresRepository;
  mp: MercadoPagoClient;
  /**
   * Platform mode: the client of a store's merchant (null: the default merchant, `mp`); throws
   * merchant_not_connected when the merchant has no working token. Unset: one merchant, `mp`.
   */
  mpFor?: (merchantId: string | null) => Promise<MercadoPagoClient>;
  fetchQrImage: QrImageFetcher;
  logger: Logger;
  /** a store's zone and language when it sets none: from the site the service runs as */
  defaults: StoreDefaults;
}

/** What a create answered: `replay` when the same request had already done the work. */
export interface Created<T> {
  value: T;
  replay: boolean;
}

const sha256 = (value: unknown) =>
  createHash("sha256").update(JSON.stringify(value), "utf8").digest("hex");

/** The request as it counts for idempotency: every field, in a fixed order. */
export function storeRequestHash(input: CreateStoreInput): string {
  const l = input.location;
  return sha256([
    input.external_id,
    input.name,
    l.street_number,
    l.street_name,
    l.city_name,
    l.state_name,
    l.latitude,
    l.longitude,
    l.reference ?? null,
    // only when given, so the hashes of stores from before platform mode stay what they were
    ...(input.merchant_id !== undefined ? [input.merchant_id] : []),
  ]);
}

export function posRequestHash(storeId: string, input: CreatePosInput): string {
  return sha256([storeId, input.external_id, input.name, input.category ?? null]);
}

/** Whether a POS found at Mercado Pago is one of this store's. */
export function posBelongsTo(mpPos: MpPos, store: Pick<Store, "externalId" | "mercadopagoId">) {
  if (mpPos.external_store_id !== null) return mpPos.external_store_id === store.externalId;
  return mpPos.store_id !== null && mpPos.store_id === store.mercadopagoId;
}

function upstreamError(err: MercadoPagoError, what: string): AppError {
  if (err.kind === "rejected") {
    return new AppError("mercadopago_rejected", `Mercado Pago refused ${what}: ${err.message}`, [
      { status: err.status, code: err.code },
    ]);
  }
  return new AppError(
    "mercadopago_unavailable",
    `Mercado Pago is unavailable (${what}); try again, the same request is safe to repeat`,
    [{ reason: err.kind, status: err.status }],
    err.kind === "timeout" ? 504 : 502,
  );
}

const conflict = (message: string) => new AppError("conflict", message);

/**
 * Stores and POS at Mercado Pago, idempotent by external id. A create first looks for the id at
 * Mercado Pago and adopts what is there (an earlier attempt whose answer was lost, or one made in
 * Mercado Pago's panel); after a failed or uncertain create it looks again before answering, so
 * a retry never makes a second store or POS.
 */
export function createStoresService(deps: StoresServiceDeps) {
  const { repo } = deps;
  const clientOf = (merchantId: string | null) =>
    deps.mpFor ? deps.mpFor(merchantId) : Promise.resolve(deps.mp);
  const log = deps.logger.child({ component: "stores" });

  /** Mercado Pago's store with this external id: found, else created, else found after all. */
  async function findOrCreateStore(
    input: CreateStoreInput,
    mp: MercadoPagoClient,
  ): Promise<MpStore> {
    const what = `the store ${input.external_id}`;
    const [found] = await mp.searchStores(input.external_id).catch((err: unknown) => {
      throw err instanceof MercadoPagoError ? upstreamError(err, `looking up ${what}`) : err;
    });
    if (found) {
      log.info({ store: input.external_id, id: found.id }, "store exists at Mercado Pago: adopted");
      return found;
    }
    try {
      return await mp.createStore({
        external_id: input.external_id,
        name: input.name,
        location: input.location,
      });
    } catch (err) {
      if (!(err instanceof MercadoPagoError)) throw err;
      // "already used" (a concurrent create), or a timeout that may have created it: look again
      const [after] = await mp.searchStores(input.external_id).catch(() => []);
      if (after) {
        log.info({ store: input.external_id, id: after.id }, "store created meanwhile: adopted");
        return after;
      }
      throw upstreamError(err, `creating ${what}`);
    }
  }

  /** As findOrCreateStore, for a POS of `store`; a POS of another store is a conflict. */
  async function findOrCreatePos(
    store: Store,
    input: CreatePosInput,
    mp: MercadoPagoClient,
  ): Promise<MpPos> {
    const what = `the POS ${input.external_id}`;
    const adopt = (mpPos: MpPos, how: string): MpPos => {
      if (!posBelongsTo(mpPos, store)) {
        throw conflict(
          `POS ${input.external_id} already exists at Mercado Pago in another store` +
            (mpPos.external_store_id ? ` (${mpPos.external_store_id})` : ""),
        );
      }
      log.info({ pos: input.external_id, id: mpPos.id }, how);
      return mpPos;
    };
    const [found] = await mp.searchPos(input.external_id).catch((err: unknown) => {
      throw err instanceof MercadoPagoError ? upstreamError(err, `looking up ${what}`) : err;
    });
    if (found) return adopt(found, "POS exists at Mercado Pago: adopted");
    try {
      return await mp.createPos({
        external_id: input.external_id,
        external_store_id: store.externalId,
        ...(/^\d{1,15}$/.test(store.mercadopagoId)
          ? { store_id: Number(store.mercadopagoId) }
          : {}),
        name: input.name,
        fixed_amount: true,
        ...(input.category !== undefined ? { category: input.category } : {}),
      });
    } catch (err) {
      if (!(err instanceof MercadoPagoError)) throw err;
      // 409 "same EXTERNAL_ID" (a concurrent create), or an uncertain create: look again
      const [after] = await mp.searchPos(input.external_id).catch(() => []);
      if (after) return adopt(after, "POS created meanwhile: adopted");
      throw upstreamError(err, `creating ${what}`);
    }
  }

  /** What Mercado Pago's QR image encodes, or null when it cannot be read now. */
  async function readMercadoPagoQr(posId: string, imageUrl: string | null) {
    if (!imageUrl) return null;
    try {
      const content = readQrContent(await deps.fetchQrImage(imageUrl));
      if (content === null)
        log.warn({ pos: posId }, "no QR could be read from Mercado Pago's image");
      return content;
    } catch (err) {
      log.warn(
        { pos: posId, error: messageOf(err) },
        "Mercado Pago's QR image could not be fetched",
      );
      return null;
    }
  }

  return {
    async createStore(input: CreateStoreInput): Promise<Created<Store>> {
      const hash = storeRequestHash(input);
      const existing = await repo.findStore(input.external_id);
      if (existing) {
        if (existing.requestHash !== hash) {
          throw conflict(`store ${input.external_id} already exists with other details`);
        }
        return { value: existing, replay: true };
      }
      if (input.merchant_id !== undefined && !deps.mpFor) {
        throw new AppError(
          "validation_failed",
          "merchant_id: is only taken in platform mode (MP_CLIENT_ID, MP_CLIENT_SECRET, TOKEN_ENCRYPTION_KEY)",
          [{ path: "merchant_id", message: "is only taken in platform mode" }],
        );
      }
      const merchantId = input.merchant_id ?? null;
      const mpStore = await findOrCreateStore(input, await clientOf(merchantId));
      const row = await repo.insertStore({
        merchantId,
        externalId: input.external_id,
        mercadopagoId: mpStore.id,
        name: input.name,
        location: input.location,
        requestHash: hash,
      });
      // a concurrent create with another body won the insert
      if (row.requestHash !== hash) {
        throw conflict(`store ${input.external_id} already exists with other details`);
      }
      return { value: row, replay: false };
    },

    listStores: () => repo.listStores(),

    /** The external ids of a merchant's stores: what a key bound to it may see. */
    storeIdsOfMerchant: (merchantId: string) => repo.storeIdsOfMerchant(merchantId),

    /** The zone and language a store gets when it sets none of its own. */
    defaults: deps.defaults,

    /** Sets the store's zone and language (PATCH /stores/:store_id); only the fields given. */
    async updateStore(externalId: string, input: UpdateStoreInput): Promise<Store> {
      const store = await repo.updateStoreSettings(externalId, {
        ...(input.time_zone !== undefined ? { timeZone: input.time_zone } : {}),
        ...(input.locale !== undefined ? { locale: input.locale } : {}),
      });
      if (!store) throw new AppError("not_found", `no store ${externalId} here`);
      return store;
    },

    /**
     * The zone of a store's day: its own, else the site's. A store id no store here has (sales
     * name their store freely) has the site's day too.
     */
    async timeZoneOf(externalId: string): Promise<string> {
      const store = await repo.findStore(externalId);
      return store?.timeZone ?? deps.defaults.timeZone;
    },

    /** The store registered here, or null (sales may name a store that is not). */
    findStore: (externalId: string) => repo.findStore(externalId),

    async getStore(externalId: string): Promise<Store> {
      const store = await repo.findStore(externalId);
      if (!store) throw new AppError("not_found", `no store ${externalId} here`);
      return store;
    },

    async createPos(storeId: string, input: CreatePosInput): Promise<Created<Pos>> {
      const store = await repo.findStore(storeId);
      if (!store) {
        throw new AppError(
          "not_found",
          `no store ${storeId} here; create it first with POST /stores (an existing Mercado Pago store is adopted)`,
        );
      }
      const hash = posRequestHash(storeId, input);
      const taken = (other: string) =>
        conflict(`POS ${input.external_id} already belongs to store ${other}`);
      const existing = await repo.findPos(input.external_id);
      if (existing) {
        if (existing.storeExternalId !== storeId) throw taken(existing.storeExternalId);
        if (existing.requestHash !== hash) {
          throw conflict(`POS ${input.external_id} already exists with other details`);
        }
        return { value: existing, replay: true };
      }
      const mpPos = await findOrCreatePos(store, input, await clientOf(store.merchantId));
      const qrContent = await readMercadoPagoQr(input.external_id, mpPos.qr.image);
      const row = await repo.insertPos({
        externalId: input.external_id,
        storeExternalId: storeId,
        mercadopagoId: String(mpPos.id),
        name: input.name,
        category: input.category ?? null,
        qrImageUrl: mpPos.qr.image,
        qrTemplateDocumentUrl: mpPos.qr.template_document,
        qrTemplateImageUrl: mpPos.qr.template_image,
        qrContent,
        requestHash: hash,
      });
      if (row.storeExternalId !== storeId) throw taken(row.storeExternalId);
      if (row.requestHash !== hash) {
        throw conflict(`POS ${input.external_id} already exists with other details`);
      }
      return { value: row, replay: false };
    },

    listPos: (storeId?: string) => repo.listPos(storeId),

    /** The POS registered here, or null. */
    findPos: (externalId: string) => repo.findPos(externalId),

    async getPos(externalId: string): Promise<Pos> {
      const pos = await repo.findPos(externalId);
      if (!pos) throw new AppError("not_found", `no POS ${externalId} here`);
      return pos;
    },

    /**
     * What the POS's QR encodes. Read from Mercado Pago's image at registration; when that
     * failed it is read now and kept.
     */
    async qrContent(pos: Pos): Promise<string> {
      if (pos.qrContent !== null) return pos.qrContent;
      const content = await readMercadoPagoQr(pos.externalId, pos.qrImageUrl);
      if (content === null) {
        throw new AppError(
          "mercadopago_unavailable",
          `the QR of POS ${pos.externalId} could not be read from Mercado Pago's image; try again` +
            (pos.qrTemplateDocumentUrl
              ? `, or print Mercado Pago's own sheet: ${pos.qrTemplateDocumentUrl}`
              : ""),
        );
      }
      await repo.setQrContent(pos.externalId, content);
      return content;
    },
  };
}

export type StoresService = ReturnType<typeof createStoresService>;
