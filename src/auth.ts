import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { AppError } from "./errors.ts";

/**
 * What a key may do:
 * - `full` (API_KEYS): everything, as before roles existed;
 * - `staff` (STAFF_API_KEYS): read any sale, cancel, force a re-check; not create sales;
 * - `pos` (POS_API_KEYS): create sales, read and cancel the sales of the POS it is bound to.
 */
export type Role = "full" | "staff" | "pos";

/** The store, and the one POS of it (null: any POS of the store), a POS key acts for. */
export interface PosBinding {
  storeId: string;
  posId: string | null;
}

/**
 * Who is calling: the role of the key presented (what it may do) and what it is bound to (whose
 * data): a POS key's store or POS, or, in platform mode, a merchant (`key@merchant:<id>`).
 */
export interface Actor {
  role: Role;
  /** a POS key's store or POS; null means any store and POS (of its merchant, if bound) */
  binding: PosBinding | null;
  /** the merchant whose stores, POS and sales alone the key sees; null: every merchant */
  merchantId: string | null;
  /** a stable id of the key that reveals nothing of it (rate limiting buckets) */
  keyId: string;
}

interface KeyEntry {
  role: Role;
  digest: Buffer;
  binding: PosBinding | null;
  merchantId: string | null;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

const HASHED = /^sha256:([0-9a-fA-F]{64})$/;
/** Printable ASCII without spaces: what can travel in `Authorization: Bearer <key>`. */
const PLAIN = /^[\x21-\x7e]{16,512}$/;
const STORE_ID = /^[A-Za-z0-9_-]{1,60}$/;
const POS_ID = /^[A-Za-z0-9_-]{1,40}$/;
/** `@merchant:<uuid>` at the end of an entry (merchants' ids are UUIDs, any case). */
const MERCHANT_BINDING = /@merchant:([^@]*)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether an entry of a key list binds its key to a merchant (platform mode only). */
export function isMerchantBound(entry: string): boolean {
  return MERCHANT_BINDING.test(entry);
}

function parseBinding(text: string): PosBinding | string {
  const parts = text.split("/");
  const [storeId, posId] = parts;
  if (parts.length !== 2 || storeId === undefined || posId === undefined) {
    return "a binding is @<store_id>/<pos_id> or @<store_id>/*";
  }
  if (!STORE_ID.test(storeId)) return "the bound store id must be 1-60 of [A-Za-z0-9_-]";
  if (posId === "*") return { storeId, posId: null };
  if (!POS_ID.test(posId)) return "the bound POS id must be 1-40 of [A-Za-z0-9_-], or *";
  return { storeId, posId };
}

/**
 * Reads one configured key: `<key>` or `sha256:<64 hex>` (the SHA-256 of the key, so the
 * configuration need not hold the key itself), optionally bound: any key to a merchant with
 * `@merchant:<merchant id>` (platform mode), a POS key instead to its store or POS with
 * `@<store_id>/<pos_id>` or `@<store_id>/*`. Returns the problem as text when the entry is
 * unusable; the text never contains the key.
 */
export function parseKeyEntry(entry: string, role: Role): KeyEntry | string {
  let key = entry;
  let merchantId: string | null = null;
  const merchant = MERCHANT_BINDING.exec(entry);
  if (merchant) {
    const id = merchant[1] ?? "";
    if (!UUID.test(id))
      return "the bound merchant must be a merchant's id (a UUID): @merchant:<id>";
    merchantId = id.toLowerCase();
    key = entry.slice(0, merchant.index);
  } else if (/@merchant:/i.test(entry)) {
    return role === "pos"
      ? "a POS key is bound to a store/POS or to a merchant, not both"
      : "a merchant binding ends the entry: <key>@merchant:<id>";
  }
  let binding: PosBinding | null = null;
  if (role === "pos") {
    const at = key.lastIndexOf("@");
    if (at !== -1) {
      // one binding says whose data: a store or POS lies inside one merchant already
      if (merchantId !== null) {
        return "a POS key is bound to a store/POS or to a merchant, not both";
      }
      const parsed = parseBinding(key.slice(at + 1));
      if (typeof parsed === "string") return parsed;
      binding = parsed;
      key = key.slice(0, at);
    }
  } else if (role === "staff" && key.includes("@")) {
    return "staff keys cannot be bound to a store or POS (no '@'); bind POS_API_KEYS entries";
  }
  const hashed = HASHED.exec(key);
  if (hashed?.[1]) {
    return { role, digest: Buffer.from(hashed[1], "hex"), binding, merchantId };
  }
  if (!PLAIN.test(key)) {
    return "a key must be 16-512 printable ASCII characters without spaces, or sha256:<64 hex>";
  }
  return { role, digest: sha256(key), binding, merchantId };
}

export interface KeyLists {
  full: readonly string[];
  staff?: readonly string[];
  pos?: readonly string[];
}

export interface Keyring {
  /** The actor behind an Authorization header, or null when it names no configured key. */
  identify(authorization: string | undefined): Actor | null;
}

/** All configured keys; entries were validated at boot (config.ts), so a bad one here is a bug. */
export function createKeyring(lists: KeyLists): Keyring {
  const entries: KeyEntry[] = [];
  const add = (list: readonly string[] | undefined, role: Role) => {
    for (const raw of list ?? []) {
      const entry = parseKeyEntry(raw, role);
      if (typeof entry === "string") throw new Error(`invalid ${role} API key entry: ${entry}`);
      entries.push(entry);
    }
  };
  add(lists.full, "full");
  add(lists.staff, "staff");
  add(lists.pos, "pos");
  // By digest, so a request hashes the presented key once and looks it up instead of comparing
  // it with every entry. The lookup's timing can only tell about the digest, from which the key
  // cannot be recovered; the final comparison is in constant time. A key listed twice keeps its
  // first role (full, then staff, then pos).
  const byDigest = new Map<string, { entry: KeyEntry; actor: Actor }>();
  for (const entry of entries) {
    const hex = entry.digest.toString("hex");
    if (byDigest.has(hex)) continue;
    const actor: Actor = {
      role: entry.role,
      binding: entry.binding,
      merchantId: entry.merchantId,
      keyId: hex.slice(0, 24),
    };
    byDigest.set(hex, { entry, actor });
  }

  return {
    identify(authorization) {
      const match = /^Bearer ([^\s]{1,512})$/i.exec(authorization ?? "");
      if (!match?.[1]) return null;
      const presented = sha256(match[1]);
      const found = byDigest.get(presented.toString("hex"));
      if (!found || !timingSafeEqual(found.entry.digest, presented)) return null;
      return { ...found.actor };
    },
  };
}

const actors = new WeakMap<Request, Actor>();

/** Notes who is calling, if anyone; rejects nothing (the rate limiter needs to know first). */
export function identify(keyring: Keyring): RequestHandler {
  return (req, _res, next) => {
    const actor = keyring.identify(req.get("authorization"));
    if (actor) actors.set(req, actor);
    next();
  };
}

export function findActor(req: Request): Actor | undefined {
  return actors.get(req);
}

const unauthorized = () =>
  new AppError("unauthorized", "missing API key: send Authorization: Bearer <API key>");

const BEARER = /^Bearer \S+$/i;

/**
 * 401 unless a configured key was presented. No key and a key that is not one of ours are told
 * apart, in the message and, as RFC 6750 has it, in WWW-Authenticate (error="invalid_token").
 */
export const requireActor: RequestHandler = (req, res, next) => {
  if (actors.has(req)) return next();
  const header = req.get("authorization");
  if (header !== undefined && BEARER.test(header)) {
    res.set("WWW-Authenticate", 'Bearer error="invalid_token"');
    return next(new AppError("unauthorized", "the API key is not valid"));
  }
  res.set("WWW-Authenticate", "Bearer");
  next(
    header === undefined || header.trim() === ""
      ? unauthorized()
      : new AppError("unauthorized", "send the API key as Authorization: Bearer <API key>"),
  );
};

/** The caller, on a route behind requireActor. */
export function actorOf(req: Request): Actor {
  const actor = actors.get(req);
  if (!actor) throw unauthorized();
  return actor;
}

/** 403 when the caller's role may not do `action` ("create sales"). */
export function permit(roles: readonly Role[], action: string): RequestHandler {
  return (req, _res, next) => {
    const actor = actors.get(req);
    if (!actor) return next(unauthorized());
    if (!roles.includes(actor.role)) {
      return next(new AppError("forbidden", `${actor.role} API keys may not ${action}`));
    }
    next();
  };
}
