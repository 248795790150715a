// The soak's platform mode (SOAK_MERCHANTS=3 npm run soak): merchants connected through the
// simulator's OAuth, each with its own store and POS, and a recording proxy between the service
// and the simulator that tells which seller's token every call used, so a sale whose order went
// to, or was read through, another merchant's account is counted as crossed.
import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";

const http = axios.create({ validateStatus: () => true, timeout: 15_000, maxRedirects: 0 });

/** Sellers of one site for the simulator's OAuth (its defaults hold only two of MLA). */
export function soakSellers(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    userId: 700000101 + i,
    siteId: "MLA",
    nickname: `SOAK_SELLER_${i + 1}`,
  }));
}

export interface SoakMerchant {
  index: number;
  id: string;
  userId: number;
  storeId: string;
  posIds: string[];
}

/** Who a token belongs to: a seller's user id, the platform's own token, or unknown. */
export type TokenOwner = number | "platform" | "unknown";

export interface ProxyOptions {
  /** the simulator's Mercado Pago base URL (…/mp) */
  target: string;
  ownerOf(token: string): TokenOwner;
  /** the merchant (seller user id) a sale reference or POS id belongs to; null: none of ours */
  sellerOfRef(ref: string): number | null;
  sellerOfPos(posId: string): number | null;
  /**
   * Keep accounts apart as Mercado Pago does: a call with the platform's own token about a
   * merchant's sale is answered 404 (the simulator today answers every token alike).
   */
  apart: boolean;
}

export interface CallRecord {
  method: string;
  path: string;
  owner: TokenOwner;
  refs: string[];
  pos: string[];
  collector: string | null;
}

/** Every external_reference named anywhere in a JSON value. */
function refsIn(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 6 || v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const x of v) refsIn(x, out, depth + 1);
    return;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === "external_reference" && typeof x === "string") out.add(x);
    else refsIn(x, out, depth + 1);
  }
}

function json(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch {
    return null;
  }
}

/** The recording proxy: forwards each call, keeps who made it and which sales and POS it named. */
export async function startRecordingProxy(opts: ProxyOptions) {
  const target = new URL(opts.target);
  const calls: CallRecord[] = [];
  let refusedPlatformReads = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const token = /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const owner = opts.ownerOf(token);
      const path = req.url ?? "/";
      const fwd = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: `${target.pathname.replace(/\/$/, "")}${path}`,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          const back: Buffer[] = [];
          up.on("data", (c: Buffer) => back.push(c));
          up.on("end", () => {
            const answer = Buffer.concat(back);
            const refs = new Set<string>();
            refsIn(json(body), refs);
            refsIn(json(answer), refs);
            const refQuery = new URL(path, "http://x").searchParams.get("external_reference");
            if (refQuery) refs.add(refQuery);
            const pos = [...path.matchAll(/\/pos\/([^/?]+)/g)].map((m) =>
              decodeURIComponent(m[1]!),
            );
            const posInBody = (json(body) as { config?: { qr?: { external_pos_id?: string } } })
              ?.config?.qr?.external_pos_id;
            if (posInBody) pos.push(posInBody);
            const collector = /\/collectors\/([^/]+)\//.exec(path)?.[1] ?? null;
            const record: CallRecord = {
              method: req.method ?? "GET",
              path: path.split("?")[0]!,
              owner,
              refs: [...refs],
              pos,
              collector,
            };
            calls.push(record);
            const merchantsNamed =
              record.refs.some((r) => opts.sellerOfRef(r) !== null) ||
              record.pos.some((p) => opts.sellerOfPos(p) !== null);
            if (opts.apart && owner === "platform" && merchantsNamed) {
              refusedPlatformReads++;
              res.writeHead(404, { "content-type": "application/json" });
              res.end(JSON.stringify({ message: "not found", error: "not_found", status: 404 }));
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(answer);
          });
        },
      );
      fwd.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    refusedPlatformReads: () => refusedPlatformReads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The sales each recorded call crossed: a call with one merchant's token (or to one merchant's
 * collector path) that named another merchant's sale or POS.
 */
export function crossedSales(
  calls: readonly CallRecord[],
  sellerOfRef: (ref: string) => number | null,
  sellerOfPos: (posId: string) => number | null,
): Set<string> {
  const crossed = new Set<string>();
  for (const c of calls) {
    const accounts = new Set<number>();
    if (typeof c.owner === "number") accounts.add(c.owner);
    if (c.collector && /^\d+$/.test(c.collector)) accounts.add(Number(c.collector));
    if (accounts.size === 0) continue;
    for (const ref of c.refs) {
      const seller = sellerOfRef(ref);
      if (seller !== null && [...accounts].some((a) => a !== seller)) crossed.add(ref);
    }
    for (const p of c.pos) {
      const seller = sellerOfPos(p);
      if (seller !== null && [...accounts].some((a) => a !== seller)) crossed.add(`pos:${p}`);
    }
  }
  return crossed;
}

const STORE_LOCATION = {
  street_number: "1",
  street_name: "Calle",
  city_name: "Ciudad",
  state_name: "Estado",
  latitude: -34.6,
  longitude: -58.4,
};

/**
 * Creates merchant `index`, has its seller approve on the simulator's authorization page (as a
 * browser would: the page's form, then the redirect to our callback), and gives it a store and
 * `posCount` POS made at its own account.
 */
export async function connectMerchant(p: {
  serviceUrl: string;
  simUrl: string;
  auth: { headers: Record<string, string> };
  index: number;
  userId: number;
  posCount: number;
  db: { query(sql: string, values: unknown[]): Promise<unknown> };
}): Promise<SoakMerchant> {
  const made = await http.post(
    `${p.serviceUrl}/merchants`,
    { name: `Soak merchant ${p.index + 1}` },
    p.auth,
  );
  if (made.status !== 201) throw new Error(`POST /merchants: ${made.status}`);
  const { id, connect_url: connectUrl } = made.data as { id: string; connect_url: string };
  const page = await http.get(connectUrl, { responseType: "text" });
  const html = String(page.data);
  const form = [...html.matchAll(/<form method="post" action="authorization">(.*?)<\/form>/gs)]
    .map((m) => m[1]!)
    .find((f) => f.includes(`value="${p.userId}"`));
  if (!form) throw new Error(`no approval form for seller ${p.userId} on ${connectUrl}`);
  const fields = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) {
    fields.set(
      m[1]!,
      m[2]!.replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c))),
    );
  }
  fields.set("decision", "approve");
  const approved = await http.post(`${p.simUrl}/authorization`, fields.toString(), {
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  const location = approved.headers.location as string | undefined;
  if (approved.status !== 302 || !location) throw new Error(`approval: ${approved.status}`);
  const back = await http.get(location);
  if (back.status !== 200 || (back.data as { status?: string }).status !== "connected") {
    throw new Error(`callback: ${back.status} ${JSON.stringify(back.data)}`);
  }
  // The store and its POS: made with POST /stores where the simulator keeps sellers apart;
  // today's simulator knows one collector's stores only, so they are registered here as
  // POST /stores would store them (the merchant's, with ids of its account).
  const storeId = `SOAKM${p.index + 1}`;
  const posIds = Array.from({ length: p.posCount }, (_, i) => `SOAKM${p.index + 1}POS${i + 1}`);
  await p.db.query(
    `INSERT INTO stores (external_id, mercadopago_id, name, location, request_hash, merchant_id)
     VALUES ($1, $2, $3, $4, 'soak', $5::uuid)`,
    [storeId, String(9100 + p.index), `Soak ${p.index + 1}`, JSON.stringify(STORE_LOCATION), id],
  );
  for (const [i, posId] of posIds.entries()) {
    await p.db.query(
      `INSERT INTO pos (external_id, store_external_id, mercadopago_id, name, request_hash)
       VALUES ($1, $2, $3, $4, 'soak')`,
      [posId, storeId, 910000 + p.index * 1000 + i, `Caja ${i + 1}`],
    );
  }
  return { index: p.index, id, userId: p.userId, storeId, posIds };
}
