// Stores and POS of the simulated seller (`POST /users/{id}/stores`, `POST /pos`, searches) and
// the POS lookups the order modules share. Pure logic, no HTTP.

import { randomUUID } from "node:crypto";

import type { PosInfo, SimulatorState, Store } from "./types.ts";
import { POS_EXTERNAL_ID, STORE_EXTERNAL_ID, validatePosExternalId } from "../validation.ts";
import { SimulatorError, isRecord } from "../util.ts";
import { POS_ID_BASE, STORE_ID_BASE, badRequest, notFound } from "./core.ts";
import type { PosRecord, StateCore, StoreRecord } from "./core.ts";

export interface StoresPos extends Pick<
  SimulatorState,
  "createStore" | "searchStores" | "createPos" | "getPos" | "searchPos" | "findPosByExternalId"
> {
  storeView(s: StoreRecord): Store;
  posView(p: PosRecord): PosInfo;
  /** The POS, created with its store when unknown (the PUT convenience). */
  ensurePosRecord(externalId: string, storeExternalId?: string): PosRecord;
  /** The POS, or 404 `not_found`. */
  requirePos(externalId: string): PosRecord;
}

export function createStoresPos(core: StateCore): StoresPos {
  const { now, fmt, collectorId, stores, posByExternalId } = core;

  function storeView(s: StoreRecord): Store {
    return {
      id: String(s.id),
      name: s.name,
      external_id: s.externalId,
      date_created: fmt(s.dateCreated),
      business_hours: structuredClone(s.businessHours),
      location: { ...s.location },
    };
  }

  function posView(p: PosRecord): PosInfo {
    return {
      id: p.id,
      name: p.name,
      fixed_amount: true,
      category: p.category,
      store_id: String(p.storeId),
      external_store_id: p.externalStoreId,
      external_id: p.externalId,
      status: "active",
      uuid: p.uuid,
      user_id: collectorId,
      date_created: fmt(p.dateCreated),
      date_last_updated: fmt(p.dateCreated),
    };
  }

  // ----- stores and POS ------------------------------------------------------------------------

  function storeByExternalId(externalId: string): StoreRecord | undefined {
    for (const s of stores.values()) if (s.externalId === externalId) return s;
    return undefined;
  }

  function addStore(
    name: string,
    externalId: string,
    location: Store["location"],
    businessHours: Record<string, unknown>,
    autoCreated: boolean,
  ): StoreRecord {
    const record: StoreRecord = {
      id: STORE_ID_BASE + core.next("store"),
      name,
      externalId,
      businessHours,
      location,
      dateCreated: now(),
      autoCreated,
    };
    stores.set(record.id, record);
    return record;
  }

  function addPos(
    name: string,
    externalId: string,
    store: StoreRecord,
    category: number | null,
    autoCreated: boolean,
  ): PosRecord {
    const record: PosRecord = {
      id: POS_ID_BASE + core.next("pos"),
      name,
      externalId,
      storeId: store.id,
      externalStoreId: store.externalId,
      category,
      uuid: randomUUID().replaceAll("-", ""),
      dateCreated: now(),
      autoCreated,
      slot: null,
      apiOrderId: null,
    };
    posByExternalId.set(externalId, record);
    return record;
  }

  function ensurePosRecord(externalId: string, storeExternalId?: string): PosRecord {
    const existing = posByExternalId.get(externalId);
    if (existing) return existing;
    validatePosExternalId(externalId);
    const storeExt = storeExternalId ?? "SIMSTORE";
    let store = storeByExternalId(storeExt);
    if (!store) {
      const emptyLocation = { address_line: "", latitude: null, longitude: null, reference: null };
      store = addStore(`Store ${storeExt}`, storeExt, emptyLocation, {}, true);
    }
    return addPos(`POS ${externalId}`, externalId, store, null, true);
  }

  function requirePos(externalId: string): PosRecord {
    const pos = posByExternalId.get(externalId);
    if (!pos) throw notFound("not_found", `POS ${externalId} not found`);
    return pos;
  }

  function createStore(userId: string, raw: unknown): Store {
    if (!/^\d+$/.test(userId) || Number(userId) !== collectorId) {
      throw badRequest("INVALID_USER_ID", "user_id is not valid for this access token");
    }
    if (!isRecord(raw)) throw badRequest("MISSING_BODY", "body is required");
    const allowed = new Set(["name", "location", "business_hours", "external_id"]);
    for (const key of Object.keys(raw)) {
      if (!allowed.has(key)) throw badRequest("UNKNOWN_FIELD", `unknown field: ${key}`);
    }
    const name = raw["name"];
    if (typeof name !== "string" || name.trim() === "") {
      throw badRequest("INVALID_NAME", "name is required");
    }
    const loc = raw["location"];
    if (!isRecord(loc)) throw badRequest("INVALID_LOCATION", "location is required");
    const locString = (key: string, code: string): string => {
      const v = loc[key];
      if (typeof v !== "string" || v.trim() === "") throw badRequest(code, `${key} is required`);
      return v;
    };
    const streetNumber = locString("street_number", "INVALID_STREET_NUMBER");
    const streetName = locString("street_name", "INVALID_STREET_NAME");
    const cityName = locString("city_name", "INVALID_CITY_NAME");
    const stateName = locString("state_name", "INVALID_STATE_NAME");
    const latitude = loc["latitude"];
    if (typeof latitude !== "number" || latitude < -90 || latitude > 90) {
      throw badRequest("INVALID_LATITUDE", "latitude must be a number between -90 and 90");
    }
    const longitude = loc["longitude"];
    if (typeof longitude !== "number" || longitude < -180 || longitude > 180) {
      throw badRequest("INVALID_LONGITUDE", "longitude must be a number between -180 and 180");
    }
    const reference = loc["reference"];
    if (reference !== undefined && typeof reference !== "string") {
      throw badRequest("INVALID_REFERENCE", "reference must be a string");
    }
    const hours = raw["business_hours"];
    if (hours !== undefined && !isRecord(hours)) {
      throw badRequest("INVALID_BUSINESS_HOURS", "business_hours must be an object");
    }
    const externalId = raw["external_id"];
    if (typeof externalId !== "string" || !STORE_EXTERNAL_ID.test(externalId)) {
      throw badRequest("INVALID_EXTERNAL_ID", "external_id must be alphanumeric (max 60)");
    }
    if (storeByExternalId(externalId)) {
      throw badRequest("VALIDATION_ERROR", "External_id-already-used");
    }
    const record = addStore(
      name,
      externalId,
      {
        address_line: `${streetName} ${streetNumber}, ${cityName}, ${stateName}`,
        latitude,
        longitude,
        reference: typeof reference === "string" ? reference : null,
      },
      isRecord(hours) ? structuredClone(hours) : {},
      false,
    );
    return storeView(record);
  }

  function createPos(raw: unknown): PosInfo {
    if (!isRecord(raw)) throw badRequest("MISSING_BODY", "body is required");
    const allowed = new Set([
      "name",
      "fixed_amount",
      "category",
      "store_id",
      "external_store_id",
      "external_id",
      "url",
    ]);
    for (const key of Object.keys(raw)) {
      if (!allowed.has(key)) {
        throw badRequest("UNKNOWN_FIELD_EXCEPTION", `unknown field: ${key}`);
      }
    }
    const name = raw["name"];
    if (typeof name !== "string" || name.trim() === "") {
      throw badRequest("INVALID_NAME", "name is required");
    }
    if (name.length >= 45) throw badRequest("NAME_TOO_LONG", "name must have less than 45 chars");
    const fixed = raw["fixed_amount"];
    if (typeof fixed !== "boolean") {
      throw badRequest("INVALID_FIXED_AMOUNT", "fixed_amount must be boolean");
    }
    if (!fixed) {
      throw badRequest("FIXED_AMOUNT_FALSE", "fixed_amount must be true for the attended model");
    }
    const category = raw["category"];
    if (category !== undefined && (typeof category !== "number" || !Number.isInteger(category))) {
      throw badRequest("INVALID_CATEGORY", "category must be a number");
    }
    const storeIdRaw = raw["store_id"];
    const externalStoreId = raw["external_store_id"];
    let store: StoreRecord | undefined;
    if (storeIdRaw !== undefined) {
      const storeId = Number(storeIdRaw);
      if (!Number.isInteger(storeId)) throw badRequest("INVALID_STORE_ID", "store_id is invalid");
      store = stores.get(storeId);
      if (!store) throw badRequest("INVALID_STORE_ID", "store_id does not exist");
    }
    if (externalStoreId !== undefined) {
      if (typeof externalStoreId !== "string" || !STORE_EXTERNAL_ID.test(externalStoreId)) {
        throw badRequest("INVALID_EXTERNAL_STORE_ID", "external_store_id is invalid");
      }
      const byExternal = storeByExternalId(externalStoreId);
      if (!byExternal) {
        throw badRequest("INEXISTENT_EXTERNAL_STORE_ID", "external_store_id does not exist");
      }
      if (store && store.id !== byExternal.id) {
        throw badRequest(
          "POS_EXTERNAL_STORE_ID_NOT_MATCH",
          "store_id and external_store_id do not match",
        );
      }
      store = byExternal;
    }
    if (!store) throw badRequest("INVALID_STORE_ID", "store_id or external_store_id is required");
    const externalId = raw["external_id"];
    if (typeof externalId !== "string" || !/^[A-Za-z0-9]+$/.test(externalId)) {
      throw badRequest("INVALID_EXTERNAL_ID", "external_id must be alphanumeric");
    }
    if (!POS_EXTERNAL_ID.test(externalId)) {
      throw badRequest("EXTERNAL_ID_TOO_LONG", "external_id must have less than 40 chars");
    }
    const url = raw["url"];
    if (url !== undefined) {
      if (typeof url !== "string") throw badRequest("INVALID_URL", "url must be a string");
      if (url.length >= 300) throw badRequest("URL_TOO_LONG", "url must have less than 300 chars");
    }
    if (posByExternalId.has(externalId)) {
      throw new SimulatorError(409, "conflict", "A pos with the same EXTERNAL_ID already exists");
    }
    const record = addPos(
      name,
      externalId,
      store,
      typeof category === "number" ? category : null,
      false,
    );
    return posView(record);
  }

  return {
    storeView,
    posView,
    ensurePosRecord,
    requirePos,
    createStore,
    searchStores(userId, externalId) {
      if (!/^\d+$/.test(userId) || Number(userId) !== collectorId) {
        throw badRequest("INVALID_USER_ID", "user_id is not valid for this access token");
      }
      if (externalId !== undefined && !STORE_EXTERNAL_ID.test(externalId)) {
        throw badRequest("INVALID_EXTERNAL_ID", "external_id must be alphanumeric");
      }
      return [...stores.values()]
        .filter((s) => externalId === undefined || s.externalId === externalId)
        .map(storeView);
    },
    createPos,
    getPos(id) {
      for (const pos of posByExternalId.values()) if (pos.id === id) return posView(pos);
      throw notFound("not_found", `POS ${id} not found`);
    },
    searchPos(filter) {
      return [...posByExternalId.values()]
        .filter((p) => filter.external_id === undefined || p.externalId === filter.external_id)
        .filter(
          (p) =>
            filter.external_store_id === undefined ||
            p.externalStoreId === filter.external_store_id,
        )
        .filter((p) => filter.store_id === undefined || String(p.storeId) === filter.store_id)
        .map(posView);
    },
    findPosByExternalId(externalId) {
      const pos = posByExternalId.get(externalId);
      return pos ? posView(pos) : null;
    },
  };
}
