// The floor: what a sale's durable work costs with nothing around it. Plain node:http and the
// pg driver, the service's schema and the same simulator: create = check the body, one statement
// (one implicit transaction) inserting the sale (its items are a column) and its history row,
// one PUT of the order, 201; settle = a notification, one merchant order read, one conditional
// transition with its history row, 200 once stored (Mercado Pago delivers again otherwise);
// read = one query; reconcile = one search per due sale and the same transition. No logging, no
// metrics, no framework: every figure of the service is compared with this. Run as a child of
// bench/run.ts (bench/floor.ts).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import pg from "pg";

function need(name: string): string {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} must be set`);
    process.exit(1);
  }
  return v;
}

const port = Number(need("PORT"));
const apiKey = Buffer.from(`Bearer ${need("API_KEY")}`);
const secret = Buffer.from(need("WEBHOOK_SECRET"));
const mpBase = new URL(need("MP_BASE_URL").replace(/\/+$/, ""));
const mpToken = `Bearer ${need("MP_ACCESS_TOKEN")}`;
const collector = need("MP_COLLECTOR_ID");
const notificationUrl = `${need("PUBLIC_BASE_URL")}/webhooks/mercadopago?source_news=ipn&secret=${need("WEBHOOK_SECRET")}`;
/** as the service's RECONCILE_AFTER_MS in the bench: the reconciler waits for the notification */
const RECONCILE_AFTER_S = 600;
const ORDER_TTL_MS = 10 * 60_000;
const MAX_BODY = 64 * 1024;

// the service's pool size
const pool = new pg.Pool({ connectionString: need("DATABASE_URL"), max: 10 });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

class Answer extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

function sameSecret(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function authorized(req: http.IncomingMessage): boolean {
  return sameSecret(Buffer.from(req.headers.authorization ?? ""), apiKey);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Answer(413, "payload_too_large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** One call to the simulator, as Mercado Pago: the status and the parsed body. */
function upstream(method: string, path: string, body?: unknown) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: mpBase.hostname,
        port: mpBase.port,
        path: `${mpBase.pathname}${path}`,
        method,
        agent,
        timeout: 10_000,
        headers: {
          authorization: mpToken,
          ...(data === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(data) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: text === "" ? null : JSON.parse(text) });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("upstream timeout")));
    req.on("error", reject);
    req.end(data);
  });
}

// ----- create ---------------------------------------------------------------------------------

interface Item {
  title: string;
  unitPriceCents: number;
  quantity: number;
}

const REF = /^[A-Za-z0-9_.:-]{1,64}$/;
const str = (v: unknown, max: number): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= max;

/** The body checked as the service's schema does in substance: bounded strings and amounts. */
function checkSale(body: unknown) {
  if (typeof body !== "object" || body === null) throw new Answer(400, "validation_failed");
  const b = body as Record<string, unknown>;
  if (!str(b.store_id, 64) || !str(b.pos_id, 64)) throw new Answer(400, "validation_failed");
  if (
    b.external_reference !== undefined &&
    !(str(b.external_reference, 64) && REF.test(b.external_reference))
  )
    throw new Answer(400, "validation_failed");
  if (!Array.isArray(b.items) || b.items.length === 0 || b.items.length > 100)
    throw new Answer(400, "validation_failed");
  const items: Item[] = b.items.map((raw: unknown) => {
    const i = (raw ?? {}) as Record<string, unknown>;
    const cents = typeof i.unit_price === "number" ? Math.round(i.unit_price * 100) : NaN;
    if (
      !str(i.title, 256) ||
      !(cents > 0 && cents <= 1e9 && Math.abs(cents - (i.unit_price as number) * 100) < 1e-6) ||
      !(Number.isInteger(i.quantity) && (i.quantity as number) > 0 && (i.quantity as number) <= 1e4)
    )
      throw new Answer(400, "validation_failed");
    return { title: i.title, unitPriceCents: cents, quantity: i.quantity as number };
  });
  return {
    storeId: b.store_id,
    posId: b.pos_id,
    ref: (b.external_reference as string | undefined) ?? `sale-${randomBytes(12).toString("hex")}`,
    items,
    totalCents: items.reduce((s, i) => s + i.unitPriceCents * i.quantity, 0),
    hash: createHash("sha256").update(JSON.stringify(body)).digest("hex"),
  };
}

const INSERT_SALE = `
  WITH sale AS (
    INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                       total_cents, status, order_state, request_hash, expires_at, next_check_at,
                       mercadopago_api, currency, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $4, $5::jsonb, $6, 'pending', 'publishing', $7, $8,
            now() + interval '${RECONCILE_AFTER_S} seconds', 'instore_v2', 'ARS', now(), now())
    RETURNING id
  )
  INSERT INTO sale_events (sale_id, from_status, to_status, source, at)
  SELECT id, NULL, 'pending', 'create', now() FROM sale`;

const cents = (c: number) => c / 100;

async function createSale(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const raw = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Answer(400, "validation_failed");
  }
  const s = checkSale(parsed);
  const title = `Sale ${s.ref}`;
  const expiresAt = new Date(Date.now() + ORDER_TTL_MS);
  try {
    await pool.query({
      name: "floor_insert_sale",
      text: INSERT_SALE,
      values: [
        s.ref,
        s.storeId,
        s.posId,
        title,
        JSON.stringify(s.items),
        s.totalCents,
        s.hash,
        expiresAt,
      ],
    });
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code !== "23505") throw err;
    if (e.constraint === "sales_one_pending_per_pos") throw new Answer(409, "pos_busy");
    const { rows } = await pool.query<{ request_hash: string; status: string }>({
      name: "floor_replay",
      text: "SELECT request_hash, status FROM sales WHERE external_reference = $1",
      values: [s.ref],
    });
    if (rows[0]?.request_hash !== s.hash) throw new Answer(409, "conflict");
    send(res, 200, { external_reference: s.ref, status: rows[0].status });
    return;
  }
  const put = await upstream(
    "PUT",
    `/instore/qr/seller/collectors/${collector}/stores/${encodeURIComponent(s.storeId)}/pos/${encodeURIComponent(s.posId)}/orders`,
    {
      external_reference: s.ref,
      title,
      description: title,
      notification_url: notificationUrl,
      expiration_date: expiresAt.toISOString().replace("Z", "+00:00"),
      total_amount: cents(s.totalCents),
      items: s.items.map((i) => ({
        title: i.title,
        unit_price: cents(i.unitPriceCents),
        quantity: i.quantity,
        unit_measure: "unit",
        total_amount: cents(i.unitPriceCents * i.quantity),
      })),
    },
  );
  if (put.status >= 300) throw new Answer(502, "mercadopago_unavailable");
  send(res, 201, {
    external_reference: s.ref,
    status: "pending",
    total_amount: cents(s.totalCents),
  });
}

// ----- settle and reconcile -------------------------------------------------------------------

interface MerchantOrder {
  id: number;
  status: string;
  external_reference: string;
  total_amount: number;
  payments: { id: number; status: string; transaction_amount: number }[];
}

/** Forward only: the UPDATE moves a pending sale and writes its history row, or does nothing. */
const TRANSITION = `
  WITH moved AS (
    UPDATE sales SET status = 'paid', paid_cents = $2, merchant_order_id = $3,
                     merchant_order_status = $4, payments = $5::jsonb, paid_at = now(),
                     updated_at = now(), order_state = 'withdrawn', next_check_at = NULL
     WHERE external_reference = $1 AND status = 'pending'
    RETURNING id
  )
  INSERT INTO sale_events (sale_id, from_status, to_status, source, merchant_order_id, at)
  SELECT id, 'pending', 'paid', $6, $3, now() FROM moved`;

/** Merchant orders already settled here: their later notifications cost no read (memory only). */
const settled = new Set<number>();

/** Moves the sale a merchant order paid in full; false when it shows nothing paid in full. */
async function settle(mo: MerchantOrder, source: "webhook" | "reconcile"): Promise<boolean> {
  const approved = mo.payments.filter((p) => p.status === "approved");
  const paid = approved.reduce((s, p) => s + Math.round(p.transaction_amount * 100), 0);
  if (paid === 0 || paid < Math.round(mo.total_amount * 100)) return false;
  await pool.query({
    name: "floor_transition",
    text: TRANSITION,
    values: [
      mo.external_reference,
      paid,
      mo.id,
      mo.status,
      JSON.stringify(
        approved.map((p) => ({ id: p.id, status: p.status, amount: p.transaction_amount })),
      ),
      source,
    ],
  });
  settled.add(mo.id);
  return true;
}

async function notification(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
  await readBody(req);
  if (!sameSecret(Buffer.from(url.searchParams.get("secret") ?? ""), secret))
    throw new Answer(401, "unauthorized");
  const id = Number(url.searchParams.get("id"));
  // the payment's notification names what its merchant order's already brings
  if (
    url.searchParams.get("topic") === "merchant_order" &&
    Number.isSafeInteger(id) &&
    !settled.has(id)
  ) {
    const r = await upstream("GET", `/merchant_orders/${id}`);
    if (r.status !== 200) throw new Answer(502, "mercadopago_unavailable");
    await settle(r.body as MerchantOrder, "webhook");
  }
  send(res, 200, { received: true });
}

let reconciling = false;
/** Due pending sales, each searched at Mercado Pago once and moved if it was paid. */
async function reconcile(): Promise<void> {
  if (reconciling) return;
  reconciling = true;
  try {
    // a full batch: more are due, go on at once
    for (let full = true; full;) {
      const { rows } = await pool.query<{ external_reference: string }>({
        name: "floor_due",
        text: `SELECT external_reference FROM sales
                WHERE status = 'pending' AND next_check_at <= now() ORDER BY next_check_at LIMIT 500`,
      });
      full = rows.length === 500;
      let next = 0;
      const lane = async () => {
        while (next < rows.length) {
          const ref = (rows[next++] as { external_reference: string }).external_reference;
          const r = await upstream(
            "GET",
            `/merchant_orders/search?external_reference=${encodeURIComponent(ref)}`,
          );
          const found = (r.body as { elements?: MerchantOrder[] } | null)?.elements ?? [];
          let paid = false;
          for (const mo of found) paid = (await settle(mo, "reconcile")) || paid;
          // not paid yet: looked at again later, not in this round's next batch
          if (!paid)
            await pool.query({
              name: "floor_later",
              text: `UPDATE sales SET next_check_at = now() + interval '5 seconds'
                      WHERE external_reference = $1 AND status = 'pending'`,
              values: [ref],
            });
        }
      };
      await Promise.all(Array.from({ length: 8 }, lane));
    }
  } catch (err) {
    console.error("reconcile:", err);
  } finally {
    reconciling = false;
  }
}

// ----- read and the server --------------------------------------------------------------------

async function readSale(res: http.ServerResponse, ref: string) {
  const { rows } = await pool.query({
    name: "floor_read",
    text: `SELECT external_reference, status, total_cents, paid_cents, refunded_cents, updated_at
             FROM sales WHERE external_reference = $1`,
    values: [ref],
  });
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) throw new Answer(404, "not_found");
  send(res, 200, {
    external_reference: row.external_reference,
    status: row.status,
    total_amount: Number(row.total_cents) / 100,
    paid_amount: Number(row.paid_cents) / 100,
    refunded_amount: Number(row.refunded_cents) / 100,
    updated_at: row.updated_at,
  });
}

async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://floor");
  if (req.method === "GET" && url.pathname === "/ready") return send(res, 200, { status: "ok" });
  if (req.method === "POST" && url.pathname === "/webhooks/mercadopago")
    return notification(req, res, url);
  if (!authorized(req)) throw new Answer(401, "unauthorized");
  if (req.method === "POST" && url.pathname === "/sales") return createSale(req, res);
  if (req.method === "GET" && url.pathname.startsWith("/orders/"))
    return readSale(res, decodeURIComponent(url.pathname.slice("/orders/".length)));
  throw new Answer(404, "not_found");
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err: unknown) => {
    if (err instanceof Answer) return send(res, err.status, { error: err.code });
    console.error(err);
    send(res, 500, { error: "internal_error" });
  });
});
server.keepAliveTimeout = 5_000;
server.listen(port, "127.0.0.1");
const sweeper = setInterval(() => void reconcile(), 1_000);
process.on("SIGTERM", () => {
  clearInterval(sweeper);
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeIdleConnections();
});
