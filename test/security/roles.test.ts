import { createHash } from "node:crypto";
import nock from "nock";
import request from "supertest";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  API_KEY,
  MP_BASE,
  buildHarness,
  createTestDb,
  expectPut,
  posPath,
  uniqueRef,
  type Harness,
  type TestDb,
} from "../helpers.ts";

const STAFF_KEY = "staff-key-0123456789abcdef";
const POS_EXACT_KEY = "pos-exact-key-0123456789";
const POS_STORE_KEY = "pos-store-key-0123456789";
const POS_ANY_KEY = "pos-any-key-0123456789ab";
const WRONG_KEY = "wrong-key-0123456789abcdef";

// The POS bound to one POS, the POS bound to a store (configured by its hash), the unbound POS.
const POS_A = "RolePosA";
const POS_C = "RolePosC";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

let db: TestDb;
let h: Harness;

beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db, {
    staffApiKeys: [STAFF_KEY],
    posApiKeys: [
      `${POS_EXACT_KEY}@SUC001/${POS_A}`,
      `sha256:${sha256(POS_STORE_KEY)}@SUC002/*`,
      POS_ANY_KEY,
    ],
  });
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  // every case starts with free POS slots
  await db.prisma.sale.updateMany({ where: { status: "pending" }, data: { status: "cancelled" } });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

type KeyKind = "full" | "staff" | "pos bound to a POS" | "pos bound to a store" | "pos unbound";
type Kind = KeyKind | "none" | "wrong";
const KINDS: Kind[] = [
  "full",
  "staff",
  "pos bound to a POS",
  "pos bound to a store",
  "pos unbound",
  "none",
  "wrong",
];
const HEADERS: Record<Kind, Record<string, string>> = {
  full: { Authorization: `Bearer ${API_KEY}` },
  staff: { Authorization: `Bearer ${STAFF_KEY}` },
  "pos bound to a POS": { Authorization: `Bearer ${POS_EXACT_KEY}` },
  "pos bound to a store": { Authorization: `Bearer ${POS_STORE_KEY}` },
  "pos unbound": { Authorization: `Bearer ${POS_ANY_KEY}` },
  none: {},
  wrong: { Authorization: `Bearer ${WRONG_KEY}` },
};

/** A pending sale made straight through the service (the order PUT is answered). */
async function pendingSale(storeId: string, posId: string): Promise<string> {
  const ref = uniqueRef();
  expectPut(storeId, posId);
  await h.sales.create({
    store_id: storeId,
    pos_id: posId,
    external_reference: ref,
    items: [{ title: "Coffee", unit_price: 2.5, quantity: 2, unit_measure: "unit" }],
  });
  return ref;
}

function saleFor(storeId: string, posId: string) {
  return {
    store_id: storeId,
    pos_id: posId,
    external_reference: uniqueRef(),
    items: [{ title: "Tea", unit_price: 1, quantity: 1 }],
  };
}

/** Mercado Pago's side of a cancel that goes through: no order on the POS, no merchant order. */
function expectCancelReads(posId: string) {
  nock(MP_BASE).get(posPath(posId)).reply(404, { error: "not_found" });
  nock(MP_BASE).get("/merchant_orders/search").query(true).reply(200, { elements: [] });
}

interface Route {
  name: string;
  /** prepares the data; returns the call and, when it should succeed, what Mercado Pago sees */
  prepare(): Promise<{ call: (headers: Record<string, string>) => request.Test; upstream(): void }>;
  /** the status per kind of key, in KINDS order */
  expected: number[];
}

const create = (storeId: string, posId: string): Route["prepare"] => {
  return async () => {
    const body = saleFor(storeId, posId);
    return {
      call: (headers) => request(h.app).post("/sales").set(headers).send(body),
      upstream: () => expectPut(storeId, posId),
    };
  };
};

const onSale = (
  storeId: string,
  posId: string,
  call: (ref: string, headers: Record<string, string>) => request.Test,
  upstream: () => void = () => undefined,
): Route["prepare"] => {
  return async () => {
    const ref = await pendingSale(storeId, posId);
    return { call: (headers) => call(ref, headers), upstream };
  };
};

const ROUTES: Route[] = [
  {
    name: "POST /sales for the bound POS",
    prepare: create("SUC001", POS_A),
    expected: [201, 403, 201, 403, 201, 401, 401],
  },
  {
    name: "POST /sales for a POS of the bound store",
    prepare: create("SUC002", "RolePosE"),
    expected: [201, 403, 403, 201, 201, 401, 401],
  },
  {
    name: "POST /sales for another store",
    prepare: create("SUC003", "RolePosF"),
    expected: [201, 403, 403, 403, 201, 401, 401],
  },
  {
    name: "GET /orders/:ref of the bound POS's sale",
    prepare: onSale("SUC001", POS_A, (ref, hd) => request(h.app).get(`/orders/${ref}`).set(hd)),
    expected: [200, 200, 200, 404, 200, 401, 401],
  },
  {
    name: "GET /orders/:ref of another store's sale",
    prepare: onSale("SUC002", POS_C, (ref, hd) => request(h.app).get(`/orders/${ref}`).set(hd)),
    expected: [200, 200, 404, 200, 200, 401, 401],
  },
  {
    name: "GET /orders/:ref?include=events of another store's sale",
    prepare: onSale("SUC002", POS_C, (ref, hd) =>
      request(h.app).get(`/orders/${ref}?include=events`).set(hd),
    ),
    expected: [200, 200, 404, 200, 200, 401, 401],
  },
  {
    name: "GET /orders/:ref of an unknown sale",
    prepare: async () => ({
      call: (hd) => request(h.app).get(`/orders/${uniqueRef()}`).set(hd),
      upstream: () => undefined,
    }),
    expected: [404, 404, 404, 404, 404, 401, 401],
  },
  {
    name: "DELETE /orders/:ref of the bound POS's sale",
    prepare: onSale(
      "SUC001",
      POS_A,
      (ref, hd) => request(h.app).delete(`/orders/${ref}`).set(hd),
      () => expectCancelReads(POS_A),
    ),
    expected: [200, 200, 200, 404, 200, 401, 401],
  },
  {
    name: "DELETE /orders/:ref of another store's sale",
    prepare: onSale(
      "SUC002",
      POS_C,
      (ref, hd) => request(h.app).delete(`/orders/${ref}`).set(hd),
      () => expectCancelReads(POS_C),
    ),
    expected: [200, 200, 404, 200, 200, 401, 401],
  },
  {
    name: "POST /orders/:ref/refresh",
    prepare: onSale(
      "SUC001",
      POS_A,
      (ref, hd) => request(h.app).post(`/orders/${ref}/refresh`).set(hd),
      () => {
        nock(MP_BASE).get("/merchant_orders/search").query(true).reply(200, { elements: [] });
      },
    ),
    expected: [200, 200, 403, 403, 403, 401, 401],
  },
  {
    name: "POST /orders/:ref/refresh of an unknown sale",
    prepare: async () => ({
      call: (hd) => request(h.app).post(`/orders/${uniqueRef()}/refresh`).set(hd),
      upstream: () => undefined,
    }),
    expected: [404, 404, 403, 403, 403, 401, 401],
  },
  {
    name: "GET /health",
    prepare: async () => ({
      call: (hd) => request(h.app).get("/health").set(hd),
      upstream: () => undefined,
    }),
    expected: [200, 200, 200, 200, 200, 200, 200],
  },
  {
    name: "POST /webhooks/mercadopago (public)",
    prepare: async () => ({
      call: (hd) =>
        request(h.app).post("/webhooks/mercadopago?topic=chargebacks&id=1").set(hd).send({}),
      upstream: () => undefined,
    }),
    expected: [200, 200, 200, 200, 200, 200, 200],
  },
];

const CODES: Record<number, string> = { 401: "unauthorized", 403: "forbidden", 404: "not_found" };

describe("roles: each kind of key on each route", () => {
  const cases = ROUTES.flatMap((route) =>
    KINDS.map((kind, i) => [route.name, kind, route.expected[i]!, route] as const),
  );

  it.each(cases)("%s with a %s key → %i", async (_name, kind, status, route) => {
    const { call, upstream } = await route.prepare();
    const before = await db.prisma.sale.findMany({ select: { id: true, status: true } });
    if (status < 300) upstream();

    const res = await call(HEADERS[kind]);

    expect(res.status).toBe(status);
    if (CODES[status]) expect(res.body.error.code).toBe(CODES[status]);
    if (status >= 400) {
      // a refused call changes nothing
      const after = await db.prisma.sale.findMany({ select: { id: true, status: true } });
      expect(after).toEqual(before);
    }
  });
});

describe("a POS key and sales that are not its own", () => {
  it("gets the same 404 for another POS's sale as for a sale that does not exist", async () => {
    const theirs = await pendingSale("SUC009", "RoleOtherPos");
    const unknown = uniqueRef();
    const auth = HEADERS["pos bound to a POS"];

    const a = await request(h.app).get(`/orders/${theirs}`).set(auth);
    const b = await request(h.app).get(`/orders/${unknown}`).set(auth);

    expect([a.status, b.status]).toEqual([404, 404]);
    expect(a.body.error.message).toBe(`no sale with external_reference ${theirs}`);
    expect(b.body.error.message).toBe(`no sale with external_reference ${unknown}`);
    expect(Object.keys(a.body.error)).toEqual(Object.keys(b.body.error));
  });

  it("cannot cancel another POS's sale: 404, the sale stays pending, nothing is sent", async () => {
    const theirs = await pendingSale("SUC001", "RoleNeighbour");

    const res = await request(h.app).delete(`/orders/${theirs}`).set(HEADERS["pos bound to a POS"]);

    expect(res.status).toBe(404);
    const row = await db.prisma.sale.findUniqueOrThrow({ where: { externalReference: theirs } });
    expect(row.status).toBe("pending");
  });

  it("the bound key cannot replay another POS's sale to read it", async () => {
    const body = saleFor("SUC001", "RoleNeighbour2");
    expectPut("SUC001", "RoleNeighbour2");
    await request(h.app).post("/sales").set(HEADERS.full).send(body).expect(201);

    const res = await request(h.app).post("/sales").set(HEADERS["pos bound to a POS"]).send(body);

    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it("checks the role before the body: a staff key posting garbage gets 403, not 400", async () => {
    const res = await request(h.app)
      .post("/sales")
      .set(HEADERS.staff)
      .set("Content-Type", "application/json")
      .send("{not json");
    expect(res.status).toBe(403);
  });

  it("reads no body for an unknown caller: a 1 MB body without a key gets 401", async () => {
    const res = await request(h.app)
      .post("/sales")
      .set("Content-Type", "application/json")
      .send(JSON.stringify({ pad: "x".repeat(1_000_000) }));
    expect(res.status).toBe(401);
  });
});
