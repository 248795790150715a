import fc from "fast-check";
import nock from "nock";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNotification } from "../../src/mercadopago/notification.ts";
import {
  MP_BASE,
  auth,
  buildHarness,
  createTestDb,
  uniquePos,
  uniqueRef,
  type Harness,
  type TestDb,
} from "../helpers.ts";
import { trackUnexpectedRequests } from "./support.ts";

/** Runs per property: HTTP properties each drive the real app and database. */
const NEAR_VALID_RUNS = 300;
const ARBITRARY_JSON_RUNS = 150;
const PARSER_RUNS = 5000;
/**
 * One seed per run, named by every failure (fast-check's own report, and the coverage checks
 * after it), so it can be replayed with FUZZ_SEED=<seed>.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

const MAX_TOTAL_CENTS = 1_000_000_000;

let db: TestDb;
let h: Harness;
const upstream = trackUnexpectedRequests();
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => void uncaught.push(err);

beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db);
  upstream.start();
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
  // every order PUT is accepted: the properties are about what the service lets through
  nock(MP_BASE)
    .persist()
    .put(/^\/instore\/qr\/seller\/collectors\/\d+\/stores\/[^/]+\/pos\/[^/]+\/orders$/)
    .reply(204);
});
afterAll(async () => {
  nock.cleanAll();
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
  upstream.stop();
  await db.drop();
});

// ---------------------------------------------------------------------------------------------
// An independent statement of what POST /sales accepts, used as the oracle.

const ID = (max: number) => new RegExp(`^[A-Za-z0-9_-]{1,${max}}$`);

function forbiddenUnit(c: number): boolean {
  return (
    c < 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0x2028 ||
    c === 0x2029 ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

function validText(value: unknown, max: number): boolean {
  if (typeof value !== "string") return false;
  const t = value.trim();
  if (t.length < 1 || t.length > max) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (forbiddenUnit(c)) return false;
    const high = c >= 0xd800 && c <= 0xdbff;
    const low = c >= 0xdc00 && c <= 0xdfff;
    if (low) return false;
    if (high) {
      const next = t.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Generators: near-valid bodies that carry what the oracle needs to judge them. A third of the
// runs draw every part from its valid side, a third spoil exactly one part, a third spoil any,
// so that both the accepting and the refusing paths, and each single flaw, are exercised.

/** `arb` once in `n` runs, otherwise undefined. */
function rarely<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: n - 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arb },
  );
}

/** A value and whether the schema should accept it. */
interface Judged<T = unknown> {
  value: T;
  ok: boolean;
}

const nastyUnit = fc
  .oneof(
    fc.integer({ min: 0, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.constantFrom(0x20, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069, 0x200b, 0xfeff),
  )
  .map((c) => String.fromCharCode(c));
/**
 * Text for a field of at most `max`: printable when clean; otherwise with a nasty character,
 * too long, blank or not text at all.
 */
function text(max: number, clean: boolean): fc.Arbitrary<Judged> {
  const printable = fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 });
  const arb = clean
    ? printable
    : fc.oneof(
        {
          weight: 6,
          arbitrary: fc
            .tuple(
              fc.string({ unit: "grapheme", maxLength: 8 }),
              nastyUnit,
              fc.string({ maxLength: 8 }),
            )
            .map((parts) => parts.join("")),
        },
        {
          weight: 1,
          arbitrary: fc.string({ unit: "grapheme-ascii", minLength: max - 2, maxLength: max + 3 }),
        },
        { weight: 1, arbitrary: fc.constantFrom<unknown>("", "   ", 42, null, ["x"], { x: 1 }) },
      );
  return arb.map((value) => ({ value, ok: validText(value, max) }));
}

/** An id for a Mercado Pago URL path: safe when clean, else anything. */
function externalId(max: number, clean: boolean): fc.Arbitrary<Judged> {
  const arb = clean
    ? fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{1,${max}}$`))
    : fc.oneof(
        { weight: 2, arbitrary: fc.string({ maxLength: max + 5 }) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>("../x", "a/b", "a b", "", 7, null) },
      );
  return arb.map((value) => ({ value, ok: typeof value === "string" && ID(max).test(value) }));
}

interface PriceGen extends Judged {
  cents: number;
}

/** A unit price with its cents when clean, else a number or value the service must refuse. */
function price(clean: boolean): fc.Arbitrary<PriceGen> {
  if (clean) {
    return fc
      .oneof(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 10_000_000 }))
      .map((cents) => ({ value: cents / 100, ok: true, cents }));
  }
  return fc
    .constantFrom<unknown>(
      ...[0, -1, -0.01, 0.001, 1.005, 2.999, 1e-9, 5e-324, 100_000_000, 1e21],
      ...["2.50", null, true, [], {}, "NaN"],
    )
    .map((value) => ({ value, ok: false, cents: 0 }));
}

function quantity(clean: boolean): fc.Arbitrary<Judged<unknown>> {
  if (clean) return fc.integer({ min: 1, max: 1000 }).map((q) => ({ value: q, ok: true }));
  return fc
    .constantFrom<unknown>(0, -1, 1.5, 100_001, 1e21, "1", null)
    .map((value) => ({ value, ok: false }));
}

interface ItemGen {
  value: Record<string, unknown>;
  ok: boolean;
  /** unit cents × quantity, when both are valid */
  cents: number;
  unitCents: number;
}

const ITEM_PARTS = [
  "title",
  "price",
  "quantity",
  "sku",
  "category",
  "description",
  "unitMeasure",
  "extraKey",
] as const;

/** An item: clean, or with exactly one part spoiled. */
function item(clean: boolean): fc.Arbitrary<ItemGen> {
  if (clean) return itemWith(() => true);
  return fc.constantFrom(...ITEM_PARTS).chain((spoiled) => itemWith((p) => p !== spoiled));
}

function itemWith(clean: (part: (typeof ITEM_PARTS)[number]) => boolean): fc.Arbitrary<ItemGen> {
  const optional = <T>(part: (typeof ITEM_PARTS)[number], arb: fc.Arbitrary<T>) =>
    clean(part) ? fc.option(arb, { nil: undefined }) : arb;
  return fc
    .record({
      title: text(256, clean("title")),
      price: price(clean("price")),
      quantity: quantity(clean("quantity")),
      sku: optional("sku", text(64, clean("sku"))),
      category: optional("category", text(64, clean("category"))),
      description: optional("description", text(256, clean("description"))),
      unitMeasure: optional(
        "unitMeasure",
        fc.constantFrom(...(clean("unitMeasure") ? ["unit", "pack"] : ["kg", "UNIT", ""])),
      ),
      extraKey: clean("extraKey")
        ? fc.constant(undefined)
        : fc.constantFrom("total_amount", "__proto__", "constructor", "id"),
    })
    .map((g) => {
      const value: Record<string, unknown> = {
        title: g.title.value,
        unit_price: g.price.value,
        quantity: g.quantity.value,
      };
      if (g.sku) value.sku_number = g.sku.value;
      if (g.category) value.category = g.category.value;
      if (g.description) value.description = g.description.value;
      if (g.unitMeasure !== undefined) value.unit_measure = g.unitMeasure;
      if (g.extraKey) Object.defineProperty(value, g.extraKey, { value: 1, enumerable: true });
      const ok =
        g.title.ok &&
        g.price.ok &&
        g.quantity.ok &&
        (g.sku?.ok ?? true) &&
        (g.category?.ok ?? true) &&
        (g.description?.ok ?? true) &&
        (g.unitMeasure === undefined || ["unit", "pack"].includes(g.unitMeasure)) &&
        g.extraKey === undefined;
      const cents = g.price.ok && g.quantity.ok ? g.price.cents * (g.quantity.value as number) : 0;
      return { value, ok, cents, unitCents: g.price.cents };
    });
}

const PARTS = [
  "storeId",
  "posId",
  "reference",
  "title",
  "description",
  "item",
  "items",
  "drop",
  "extraKey",
] as const;
type Part = (typeof PARTS)[number];

/** A sale whose parts are drawn clean where `clean(part)` says so. */
function sale(clean: (part: Part) => boolean) {
  const cleanItem = item(true);
  const firstItem = item(clean("item"));
  return fc
    .record({
      storeId: externalId(60, clean("storeId")),
      freshPos: clean("posId") ? fc.constant(true) : fc.boolean(),
      posId: externalId(40, clean("posId")),
      reference: fc.oneof(
        fc.constant({ kind: "fresh" as const }),
        fc.constant({ kind: "absent" as const }),
        externalId(64, clean("reference")).map((j) => ({ kind: "given" as const, ...j })),
      ),
      title: clean("title") ? fc.option(text(256, true), { nil: undefined }) : text(256, false),
      description: clean("description")
        ? fc.option(text(256, true), { nil: undefined })
        : text(256, false),
      items: clean("items")
        ? fc
            .tuple(firstItem, fc.array(cleanItem, { maxLength: 5 }))
            .map(([first, rest]) => [first, ...rest])
        : fc.oneof<fc.WeightedArbitrary<ItemGen[]>[]>(
            { weight: 4, arbitrary: fc.array(item(false), { minLength: 1, maxLength: 6 }) },
            { weight: 1, arbitrary: fc.constant([]) },
            { weight: 1, arbitrary: cleanItem.map((i) => Array.from({ length: 101 }, () => i)) },
          ),
      taxes: rarely(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 3 }),
        6,
      ),
      drop: clean("drop") ? fc.constant(undefined) : fc.constantFrom("store_id", "pos_id", "items"),
      extraKey: clean("extraKey")
        ? fc.constant(undefined)
        : fc.constantFrom("total_amount", "status", "__proto__", "collector_id"),
    })
    .map((g) => {
      const posId: Judged = g.freshPos ? { value: uniquePos(), ok: true } : g.posId;
      const body: Record<string, unknown> = {
        store_id: g.storeId.value,
        pos_id: posId.value,
        items: g.items.map((i) => i.value),
      };
      let referenceOk = true;
      if (g.reference.kind === "fresh") body.external_reference = uniqueRef();
      if (g.reference.kind === "given") {
        body.external_reference = g.reference.value;
        referenceOk = g.reference.ok;
      }
      if (g.title) body.title = g.title.value;
      if (g.description) body.description = g.description.value;
      const total = g.items.reduce((sum, i) => sum + i.cents, 0);
      let taxesOk = true;
      if (g.taxes) {
        body.taxes = g.taxes.map((c) => ({ type: "IVA", value: c / 100 }));
        taxesOk = g.taxes.reduce((sum, c) => sum + c, 0) < total;
      }
      if (g.drop) delete body[g.drop];
      if (g.extraKey) Object.defineProperty(body, g.extraKey, { value: 1, enumerable: true });
      const ok =
        g.storeId.ok &&
        posId.ok &&
        referenceOk &&
        (g.title?.ok ?? true) &&
        (g.description?.ok ?? true) &&
        g.items.length >= 1 &&
        g.items.length <= 100 &&
        g.items.every((i) => i.ok) &&
        total <= MAX_TOTAL_CENTS &&
        taxesOk &&
        g.drop === undefined &&
        g.extraKey === undefined;
      return { body, ok, total, unitCents: g.items.map((i) => i.unitCents) };
    });
}

const nearValidSale = fc.oneof(
  sale(() => true),
  fc.constantFrom(...PARTS).chain((spoiled) => sale((part) => part !== spoiled)),
  sale(() => false),
);

async function freePosSlots() {
  await db.prisma.sale.updateMany({ where: { status: "pending" }, data: { status: "cancelled" } });
}

describe("POST /sales under property-based fuzzing", () => {
  it(`near-valid bodies (${NEAR_VALID_RUNS} runs): never 5xx; accepted exactly when valid; total = sum of item cents`, async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(nearValidSale, async (sale) => {
        const ref = sale.body.external_reference;
        const existed =
          typeof ref === "string" &&
          (await db.prisma.sale.findUnique({ where: { externalReference: ref } })) !== null;
        const salesBefore = await db.prisma.sale.count();

        const res = await request(h.app)
          .post("/sales")
          .set(auth)
          .set("Content-Type", "application/json")
          .send(JSON.stringify(sale.body));

        expect(res.status).toBeLessThan(500);
        if (!sale.ok) {
          expect(res.status).toBe(400);
          expect(res.body.error.code).toBe("validation_failed");
          expect(await db.prisma.sale.count()).toBe(salesBefore);
          refused++;
          return;
        }
        if (existed) {
          // a valid body whose reference was drawn before: the accepting side, as a replay
          expect([200, 409]).toContain(res.status);
          accepted++;
          return;
        }
        expect(res.status).toBe(201);
        accepted++;
        const row = await db.prisma.sale.findUniqueOrThrow({
          where: { externalReference: res.body.external_reference },
        });
        // integer cents computed here from the generated cents, never from the service's numbers
        expect(row.totalCents).toBe(BigInt(sale.total));
        expect(Math.round(res.body.total_amount * 100)).toBe(sale.total);
        const items = row.items as { unitPriceCents: number; quantity: number }[];
        expect(items.map((i) => i.unitPriceCents)).toEqual(sale.unitCents);
        await freePosSlots();
      }),
      { numRuns: NEAR_VALID_RUNS, seed: SEED },
    );
    // the generator reaches both sides
    expect(accepted, `seed ${SEED}`).toBeGreaterThan(NEAR_VALID_RUNS / 10);
    expect(refused, `seed ${SEED}`).toBeGreaterThan(NEAR_VALID_RUNS / 10);
    expect(upstream.seen).toEqual([]);
    expect(uncaught).toEqual([]);
  });

  it(`arbitrary JSON and text (${ARBITRARY_JSON_RUNS} runs): 400 with the error body, nothing stored`, async () => {
    const anyBody = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc
        .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
        .map((v) => JSON.stringify(v)),
    );
    const before = await db.prisma.sale.count();
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const res = await request(h.app)
          .post("/sales")
          .set(auth)
          .set("Content-Type", "application/json")
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: "validation_failed",
          request_id: res.headers["x-request-id"],
        });
        expect(typeof res.body.error.message).toBe("string");
      }),
      { numRuns: ARBITRARY_JSON_RUNS, seed: SEED },
    );
    expect(await db.prisma.sale.count()).toBe(before);
    expect(uncaught).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The notification parser.

const MP_ID = /^[1-9]\d{0,17}$/;
const TOPICS = ["merchant_order", "topic_merchant_order_wh", "payment"] as const;
const topicOf = (t: string) => (t === "payment" ? "payment" : "merchant_order");

const queryKey = fc.oneof(
  fc.constantFrom("topic", "type", "id", "data.id", "secret", "source_news"),
  fc.string({ maxLength: 8 }),
);
const queryValue = fc.oneof(
  fc.constantFrom(...TOPICS, "chargebacks", "__proto__", "toString", ""),
  fc.bigInt({ min: -10n, max: 10n ** 20n }).map(String),
  fc.string({ maxLength: 24 }),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
);
const resource = fc.oneof(
  fc.bigInt({ min: 1n, max: 10n ** 19n }).map(String),
  fc
    .tuple(
      fc.constantFrom(
        "https://api.mercadolibre.com",
        "https://api.mercadopago.com",
        "https://evilmercadopago.com",
        "https://api.mercadolibre.com.evil.example",
        "https://api.mercadopago.com@evil.example",
        "http://api.mercadolibre.com",
        "https://api.mercadopago.com:444",
        "//api.mercadolibre.com",
        "",
      ),
      fc.constantFrom("/merchant_orders/", "/collections/notifications/", "/v1/payments/", "/"),
      fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 19n }).map(String), fc.string({ maxLength: 10 })),
    )
    .map(([host, path, id]) => `${host}${path}${id}`),
  fc.webUrl(),
  fc.string({ maxLength: 40 }),
);
const notificationBody = fc.oneof(
  fc.record(
    {
      topic: queryValue,
      type: queryValue,
      resource,
      id: fc.oneof(queryValue, fc.integer()),
      data: fc.oneof(
        fc.record({ id: fc.oneof(queryValue, fc.integer(), fc.double()) }, { requiredKeys: [] }),
        fc.anything(),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 3 }),
);

function foreignResource(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  if (!Object.hasOwn(body, "resource")) return false;
  const r = (body as { resource: unknown }).resource;
  if (typeof r !== "string" || r.trim() === "" || MP_ID.test(r.trim())) return false;
  try {
    const url = new URL(r.trim());
    return !(
      url.protocol === "https:" &&
      ["api.mercadolibre.com", "api.mercadopago.com"].includes(url.hostname) &&
      url.port === "" &&
      url.username === "" &&
      url.password === ""
    );
  } catch {
    return true;
  }
}

describe("parseNotification under property-based fuzzing", () => {
  it(`arbitrary queries and bodies (${PARSER_RUNS} runs): never throws; null or a known topic with an id taken from the input`, () => {
    fc.assert(
      fc.property(fc.dictionary(queryKey, queryValue), notificationBody, (query, body) => {
        const ref = parseNotification(query, body);
        if (ref === null) return;
        expect(["merchant_order", "payment", "chargebacks"]).toContain(ref.topic);
        expect(ref.id).toMatch(MP_ID);
        // nothing invented: the id is in what was sent
        expect(
          JSON.stringify([query, body], (_k, v) => (typeof v === "bigint" ? String(v) : v)),
        ).toContain(ref.id);
        // and a resource outside Mercado Pago's API hosts is never acted on
        expect(foreignResource(body)).toBe(false);
      }),
      { numRuns: PARSER_RUNS, seed: SEED },
    );
  });

  it(`well-formed notifications in every format (${PARSER_RUNS} runs) give back their topic and id`, () => {
    const id = fc.bigInt({ min: 1n, max: 10n ** 18n - 1n }).map(String);
    fc.assert(
      fc.property(
        fc.constantFrom(...TOPICS),
        id,
        fc.constantFrom("ipn-query", "ipn-body", "webhook-query", "webhook-body", "wh-body"),
        (topic, id, format) => {
          const cases: Record<string, [Record<string, unknown>, unknown]> = {
            "ipn-query": [
              { topic, id },
              { topic, resource: `https://api.mercadolibre.com/merchant_orders/${id}` },
            ],
            "ipn-body": [{}, { topic, resource: `https://api.mercadolibre.com/x/${id}` }],
            "webhook-query": [
              { "data.id": id, type: topic },
              { type: topic, data: { id } },
            ],
            "webhook-body": [{}, { type: topic, data: { id } }],
            "wh-body": [{}, { type: "topic_merchant_order_wh", id }],
          };
          const [query, body] = cases[format]!;
          const expected = format === "wh-body" ? "merchant_order" : topicOf(topic);
          expect(parseNotification(query, body)).toEqual({ topic: expected, id });
        },
      ),
      { numRuns: PARSER_RUNS, seed: SEED },
    );
  });
});
