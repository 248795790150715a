import { randomUUID } from "node:crypto";
import pg from "pg";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SALE_STATUSES, type SaleStatus } from "../src/sales/sale-status.ts";
import { auth, useHarness } from "./helpers.ts";

const STAFF_KEY = "staff-key-list-0123456789";
const POS_KEY = "pos-key-list-bound-0123456789";
const STORE_KEY = "pos-key-list-store-0123456789";
const UNBOUND_KEY = "pos-key-list-unbound-012345";

const t = useHarness({
  staffApiKeys: [STAFF_KEY],
  posApiKeys: [`${POS_KEY}@LSTORE1/LPOS11`, `${STORE_KEY}@LSTORE1/*`, UNBOUND_KEY],
});
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A sale as the test writes it straight into the table (the list only reads). */
interface Row {
  id: string;
  ref: string;
  storeId: string;
  posId: string;
  status: SaleStatus;
  totalCents: number;
  refundedCents: number;
  createdAt: Date;
  title?: string;
  description?: string;
}

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: t.db.directUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

async function insert(rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO sales (id, external_reference, store_id, pos_id, title, description, items,
                        total_cents, status, paid_cents, refunded_cents, request_hash, expires_at,
                        order_state, created_at, updated_at)
     SELECT u.id, u.ref, u.store, u.pos, u.title, u.descr, '[{"title":"x"},{"title":"y"}]',
            u.total, u.status,
            CASE WHEN u.status IN ('paid', 'refunded') THEN u.total ELSE 0 END,
            u.refunded, 'h', u.created + interval '10 minutes',
            CASE WHEN u.status = 'pending' THEN 'on_pos' ELSE 'withdrawn' END, u.created, u.created
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::bigint[], $8::text[], $9::bigint[], $10::timestamptz[])
            AS u(id, ref, store, pos, title, descr, total, status, refunded, created)`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.ref),
      rows.map((r) => r.storeId),
      rows.map((r) => r.posId),
      rows.map((r) => r.title ?? `Sale ${r.ref}`),
      rows.map((r) => r.description ?? `Sale ${r.ref}`),
      rows.map((r) => r.totalCents),
      rows.map((r) => r.status),
      rows.map((r) => r.refundedCents),
      rows.map((r) => r.createdAt.toISOString()),
    ],
  );
}

let seq = 0;
/** A settled sale (pending ones would collide on the one-pending-per-POS index). */
function row(over: Partial<Row> & Pick<Row, "storeId" | "createdAt">): Row {
  seq++;
  return {
    id: randomUUID(),
    ref: `list-${seq}-${randomUUID().slice(0, 8)}`,
    posId: `${over.storeId}P${seq % 3}`,
    status: "paid",
    totalCents: 100 + ((seq * 7919) % 100_000),
    refundedCents: 0,
    ...over,
  };
}

/** Newest first by (created_at, id): uuid order in Postgres is the order of its hex text. */
const newestFirst = (a: Row, b: Row) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

/** Every page of a query, following next_cursor. */
async function allPages(
  query: string,
  headers: Record<string, string> = auth,
  between: () => Promise<void> = async () => undefined,
) {
  const refs: string[] = [];
  const seen: { created_at: string; external_reference: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `${query}&cursor=${encodeURIComponent(cursor)}` : query;
    const res = await request(t.h.app).get(`/sales?${q}`).set(headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const s of res.body.data) {
      refs.push(s.external_reference);
      seen.push(s);
    }
    cursor = res.body.next_cursor;
    pages++;
    await between();
  } while (cursor);
  return { refs, seen, pages };
}

describe("GET /sales pages", () => {
  it("walks every sale once, newest first, while sales are being inserted concurrently", async () => {
    const store = "LPAGE";
    const base = Date.parse("2026-11-20T12:00:00.000Z");
    // groups of five sharing one created_at: the id breaks the tie across page boundaries
    const seeded = Array.from({ length: 400 }, (_, i) =>
      row({ storeId: store, createdAt: new Date(base - Math.floor(i / 5) * 1000) }),
    );
    await insert(seeded);

    // a writer inserting new sales (now, and inside the range being walked) until the walk ends
    let writing = true;
    const added: Row[] = [];
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const at = i % 2 === 0 ? new Date() : new Date(base - ((i * 37) % 80) * 1000 - 500);
        const r = row({ storeId: store, createdAt: at });
        await insert([r]);
        added.push(r);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    // one more insert between every page, so each page is read after a change
    const { refs, seen, pages } = await allPages(`store_id=${store}&limit=7`, auth, async () => {
      const r = row({ storeId: store, createdAt: new Date() });
      await insert([r]);
      added.push(r);
    });
    writing = false;
    await writer;

    expect(pages).toBeGreaterThan(57);
    expect(added.length).toBeGreaterThan(pages);
    expect(new Set(refs).size).toBe(refs.length); // no duplicates
    const got = new Set(refs);
    expect(seeded.filter((r) => !got.has(r.ref))).toEqual([]); // no gaps
    const known = new Set([...seeded, ...added].map((r) => r.ref));
    expect(refs.filter((r) => !known.has(r))).toEqual([]);
    // strictly newest first by (created_at, id)
    const byRef = new Map([...seeded, ...added].map((r) => [r.ref, r]));
    const order = refs.map((r) => byRef.get(r)!);
    for (let i = 1; i < order.length; i++) {
      expect(newestFirst(order[i - 1]!, order[i]!)).toBeLessThan(0);
    }
    expect(seen[0]!.created_at).toMatch(/Z$/);
  });

  it("applies store, POS, status and from/to (from inclusive, to exclusive, any offset)", async () => {
    const store = "LFILT";
    const other = "LFILTX";
    const statuses: SaleStatus[] = ["paid", "expired", "cancelled", "failed", "refunded"];
    // the store's local day in UTC-3: 2026-11-25T03:00Z to 2026-11-26T03:00Z
    const dayStart = Date.parse("2026-11-25T03:00:00.000Z");
    const dayEnd = Date.parse("2026-11-26T03:00:00.000Z");
    const rows: Row[] = [];
    for (let i = 0; i < 120; i++) {
      rows.push(
        row({
          storeId: i % 4 === 0 ? other : store,
          status: statuses[i % statuses.length]!,
          createdAt: new Date(dayStart - 6 * 3600_000 + i * 15 * 60_000),
        }),
      );
    }
    rows.push(row({ storeId: store, createdAt: new Date(dayStart) })); // on `from`: in
    rows.push(row({ storeId: store, createdAt: new Date(dayEnd) })); // on `to`: out
    await insert(rows);

    const q =
      `store_id=${store}&status=paid,refunded&limit=200` +
      `&from=${encodeURIComponent("2026-11-25T00:00:00-03:00")}` +
      `&to=${encodeURIComponent("2026-11-26T00:00:00-03:00")}`;
    const { refs } = await allPages(q);
    const expected = rows
      .filter(
        (r) =>
          r.storeId === store &&
          (r.status === "paid" || r.status === "refunded") &&
          r.createdAt.getTime() >= dayStart &&
          r.createdAt.getTime() < dayEnd,
      )
      .sort(newestFirst)
      .map((r) => r.ref);
    expect(expected.length).toBeGreaterThan(20);
    expect(refs).toEqual(expected);

    const pos = `${store}P1`;
    const byPos = await allPages(`pos_id=${pos}&status=expired&limit=5`);
    expect(byPos.refs).toEqual(
      rows
        .filter((r) => r.posId === pos && r.status === "expired")
        .sort(newestFirst)
        .map((r) => r.ref),
    );
    // a repeated status= is a list too
    const repeated = await request(t.h.app)
      .get(`/sales?store_id=${other}&status=failed&status=cancelled&limit=200`)
      .set(auth);
    expect(
      repeated.body.data.map((s: { external_reference: string }) => s.external_reference),
    ).toEqual(
      rows
        .filter((r) => r.storeId === other && (r.status === "failed" || r.status === "cancelled"))
        .sort(newestFirst)
        .map((r) => r.ref),
    );
  });

  it("answers the sale shape, 50 by default, and next_cursor null on the last page", async () => {
    const store = "LSHAPE";
    await insert(
      Array.from({ length: 51 }, (_, i) =>
        row({ storeId: store, createdAt: new Date(Date.parse("2026-11-01T00:00:00Z") + i) }),
      ),
    );
    const first = await request(t.h.app).get(`/sales?store_id=${store}`).set(bearer(STAFF_KEY));
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(50);
    expect(first.body.data[0]).toMatchObject({
      store_id: store,
      status: "paid",
      created_at: "2026-11-01T00:00:00.050Z",
    });
    expect(typeof first.body.data[0].total_amount).toBe("number");
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const last = await request(t.h.app)
      .get(`/sales?store_id=${store}&cursor=${first.body.next_cursor}`)
      .set(bearer(STAFF_KEY));
    expect(last.body.data).toHaveLength(1);
    expect(last.body.next_cursor).toBeNull();
    const none = await request(t.h.app).get(`/sales?store_id=NOSUCH`).set(auth);
    expect(none.body).toEqual({ data: [], next_cursor: null });
  });
});

describe("GET /sales refusals", () => {
  const bad = async (query: string, headers = auth) => {
    const res = await request(t.h.app).get(`/sales?${query}`).set(headers);
    return res;
  };

  it.each([
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=-1", "limit"],
    ["limit=ten", "limit"],
    ["limit=1.5", "limit"],
    ["status=paid,unknown", "status"],
    ["status=", "status"],
    ["from=2026-11-28", "from"],
    ["from=2026-11-28T00:00:00", "from"],
    ["to=yesterday", "to"],
    ["from=2026-11-28T00:00:00Z&to=2026-11-28T00:00:00Z", "to"],
    ["store_id=a%20b", "store_id"],
    ["stor_id=SUC001", ""],
    ["cursor=not-a-cursor", "cursor"],
  ])("%s → 400 naming %s", async (query, field) => {
    const res = await bad(query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    if (field) expect(res.body.error.message).toContain(`${field}:`);
  });

  it("a date without a time is refused with a message that shows the zoned form", async () => {
    const res = await bad("from=2026-11-28");
    expect(res.body.error.message).toContain("2026-11-28T00:00:00-03:00");
  });

  it("limit=1 and limit=200 are accepted", async () => {
    expect((await bad("limit=1")).status).toBe(200);
    expect((await bad("limit=200")).status).toBe(200);
  });

  it("a tampered cursor, or a cursor replayed with other filters, is 400", async () => {
    const store = "LCURSOR";
    await insert(
      Array.from({ length: 3 }, (_, i) =>
        row({ storeId: store, createdAt: new Date(Date.parse("2026-11-02T00:00:00Z") + i) }),
      ),
    );
    const first = await request(t.h.app).get(`/sales?store_id=${store}&limit=1`).set(auth);
    const cursor: string = first.body.next_cursor;
    expect((await bad(`store_id=${store}&limit=1&cursor=${cursor}`)).status).toBe(200);

    // every single-character change of the cursor is refused
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (let i = 0; i < cursor.length; i += 3) {
      const c = alphabet[(alphabet.indexOf(cursor[i]!) + 1) % alphabet.length]!;
      const tampered = cursor.slice(0, i) + c + cursor.slice(i + 1);
      const res = await bad(`store_id=${store}&limit=1&cursor=${tampered}`);
      expect(res.status, tampered).toBe(400);
      expect(res.body.error.message).toContain("cursor");
    }
    // the position re-encoded by hand with another id
    const parts = Buffer.from(cursor, "base64url").toString().split("|");
    parts[2] = randomUUID();
    const forged = Buffer.from(parts.join("|")).toString("base64url");
    expect((await bad(`store_id=${store}&limit=1&cursor=${forged}`)).status).toBe(400);
    // the same cursor with another filter
    expect((await bad(`store_id=${store}&status=paid&limit=1&cursor=${cursor}`)).status).toBe(400);
    expect((await bad(`limit=1&cursor=${cursor}`)).status).toBe(400);
  });
});

describe("GET /sales for POS keys", () => {
  const store = "LSTORE1";
  let rows: Row[];
  beforeAll(async () => {
    rows = [
      ...Array.from({ length: 6 }, (_, i) =>
        row({
          storeId: store,
          posId: "LPOS11",
          createdAt: new Date(Date.parse("2026-11-03T00:00:00Z") + i),
        }),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        row({
          storeId: store,
          posId: "LPOS12",
          createdAt: new Date(Date.parse("2026-11-03T01:00:00Z") + i),
        }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        row({
          storeId: "LSTORE2",
          posId: "LPOS21",
          createdAt: new Date(Date.parse("2026-11-03T02:00:00Z") + i),
        }),
      ),
    ];
    await insert(rows);
  });
  const refsOf = (f: (r: Row) => boolean) =>
    rows
      .filter(f)
      .sort(newestFirst)
      .map((r) => r.ref);

  it("a key bound to a POS lists that POS's sales only, whatever it asks", async () => {
    const { refs } = await allPages("limit=4", bearer(POS_KEY));
    expect(refs).toEqual(refsOf((r) => r.posId === "LPOS11"));
    const own = await allPages(`store_id=${store}&pos_id=LPOS11&limit=200`, bearer(POS_KEY));
    expect(own.refs).toEqual(refs);
    for (const q of ["pos_id=LPOS12", "store_id=LSTORE2", "store_id=LSTORE2&pos_id=LPOS11"]) {
      const res = await request(t.h.app).get(`/sales?${q}`).set(bearer(POS_KEY));
      expect(res.status, q).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });

  it("a key bound to a store lists its store's sales, and any of its POS", async () => {
    const { refs } = await allPages("limit=200", bearer(STORE_KEY));
    expect(refs).toEqual(refsOf((r) => r.storeId === store));
    const onePos = await allPages("pos_id=LPOS12&limit=200", bearer(STORE_KEY));
    expect(onePos.refs).toEqual(refsOf((r) => r.posId === "LPOS12"));
    // another store's POS named: nothing of it is shown
    const foreign = await allPages("pos_id=LPOS21&limit=200", bearer(STORE_KEY));
    expect(foreign.refs).toEqual([]);
    const res = await request(t.h.app).get("/sales?store_id=LSTORE2").set(bearer(STORE_KEY));
    expect(res.status).toBe(403);
  });

  it("an unbound POS key may not list; no POS key reads the summary; no key is 401", async () => {
    expect((await request(t.h.app).get("/sales").set(bearer(UNBOUND_KEY))).status).toBe(403);
    for (const key of [POS_KEY, STORE_KEY, UNBOUND_KEY]) {
      const res = await request(t.h.app).get("/sales/summary").set(bearer(key));
      expect(res.status).toBe(403);
    }
    expect((await request(t.h.app).get("/sales")).status).toBe(401);
    expect((await request(t.h.app).get("/sales/summary")).status).toBe(401);
    expect((await request(t.h.app).get("/sales/summary").set(bearer(STAFF_KEY))).status).toBe(200);
  });
});

describe("GET /sales/summary", () => {
  it("matches totals computed from the rows created, in cents", async () => {
    const stores = ["LSUMA", "LSUMB"];
    const dayStart = Date.parse("2026-11-24T03:00:00.000Z"); // 2026-11-24T00:00-03:00
    const dayEnd = dayStart + 24 * 3600_000;
    let rnd = 12345;
    const next = (n: number) => {
      rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
      return rnd % n;
    };
    const rows: Row[] = [];
    for (let i = 0; i < 600; i++) {
      const status = SALE_STATUSES.filter((s) => s !== "pending")[next(5)]!;
      const total = 1 + next(2_000_000);
      rows.push(
        row({
          storeId: stores[next(2)]!,
          status,
          totalCents: total,
          // a refunded sale is refunded in full; some paid ones partly
          refundedCents:
            status === "refunded" ? total : status === "paid" && next(4) === 0 ? next(total) : 0,
          createdAt: new Date(dayStart - 3 * 3600_000 + next(30 * 3600_000)),
        }),
      );
    }
    // one pending sale per POS at most
    rows.push(
      row({
        storeId: "LSUMA",
        posId: "LSUMAPEND",
        status: "pending",
        createdAt: new Date(dayStart + 5),
      }),
    );
    rows.push(
      row({ storeId: "LSUMA", status: "paid", totalCents: 999, createdAt: new Date(dayStart) }),
    );
    rows.push(
      row({ storeId: "LSUMA", status: "paid", totalCents: 777, createdAt: new Date(dayEnd) }),
    );
    await insert(rows);

    const oracle = (keep: (r: Row) => boolean) => {
      const mine = rows.filter(keep);
      const byStatus = Object.fromEntries(
        SALE_STATUSES.map((s) => {
          const of = mine.filter((r) => r.status === s);
          return [s, { count: of.length, amount: of.reduce((a, r) => a + r.totalCents, 0) / 100 }];
        }),
      );
      const cents = (f: (r: Row) => number) => mine.reduce((a, r) => a + f(r), 0);
      return {
        count: mine.length,
        by_status: byStatus,
        paid_amount:
          cents((r) => (r.status === "paid" || r.status === "refunded" ? r.totalCents : 0)) / 100,
        refunded_amount: cents((r) => r.refundedCents) / 100,
      };
    };

    const day =
      `from=${encodeURIComponent("2026-11-24T00:00:00-03:00")}` +
      `&to=${encodeURIComponent("2026-11-25T00:00:00-03:00")}`;
    const inDay = (r: Row) => r.createdAt.getTime() >= dayStart && r.createdAt.getTime() < dayEnd;

    const a = await request(t.h.app).get(`/sales/summary?store_id=LSUMA&${day}`).set(auth);
    expect(a.status).toBe(200);
    const expectedA = oracle((r) => r.storeId === "LSUMA" && inDay(r));
    expect(expectedA.count).toBeGreaterThan(150);
    expect(expectedA.refunded_amount).toBeGreaterThan(0);
    expect(a.body).toEqual(expectedA);

    const both = await request(t.h.app)
      .get(`/sales/summary?${day}&store_id=LSUMB`)
      .set(bearer(STAFF_KEY));
    expect(both.body).toEqual(oracle((r) => r.storeId === "LSUMB" && inDay(r)));

    const pos = await request(t.h.app).get(`/sales/summary?pos_id=LSUMBP2`).set(auth);
    expect(pos.body).toEqual(oracle((r) => r.posId === "LSUMBP2"));

    const empty = await request(t.h.app).get(`/sales/summary?store_id=NOSUCH`).set(auth);
    expect(empty.body).toEqual(oracle(() => false));

    const refused = await request(t.h.app).get(`/sales/summary?status=paid`).set(auth);
    expect(refused.status).toBe(400);
  });
});
