import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { buildOpenApiDocument } from "../src/openapi/generate.ts";
import { CREATE_SALE_EXAMPLE, SALE_EXAMPLE } from "../src/openapi/examples.ts";
import { OPERATIONS } from "../src/openapi/paths/index.ts";
import { presentRefund, refundHistoryOf } from "../src/refunds/refund.presenter.ts";
import { REFUND_STATUSES, type Refund } from "../src/refunds/refund.ts";
import type { RefundsService } from "../src/refunds/refunds.service.ts";
import { presentEvent, presentSale } from "../src/sales/sale.presenter.ts";
import type { Sale } from "../src/sales/sale.ts";
import { SALE_STATUSES } from "../src/sales/sale-status.ts";
import { presentSummary } from "../src/sales/sales-list.routes.ts";
import { presentWithHistory } from "../src/sales/sales.routes.ts";
import { CreateSaleSchema } from "../src/sales/sales.schemas.ts";
import type { Pos, Store } from "../src/stores/store.ts";
import { presentPos, presentStore } from "../src/stores/stores.presenter.ts";
import type { StoresService } from "../src/stores/stores.service.ts";
import { appWithEveryRouter, mountedRoutes, routeGaps } from "./openapi-routes.ts";

type Json = Record<string, unknown>;
const document = buildOpenApiDocument("test") as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(document, "openapi.json");

/** JSON pointer of a place in the document, for ajv to compile it with the document's refs. */
const pointer = (parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

function validator(parts: string[]): ValidateFunction {
  const validate = ajv.getSchema(`openapi.json#/${pointer(parts)}`);
  if (!validate) throw new Error(`no schema at ${parts.join("/")}`);
  return validate;
}

const component = (id: string) => validator(["components", "schemas", id]);

/** `validate(value)` as an assertion message: ajv's errors, or "" when it holds. */
function problems(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? "" : ajv.errorsText(validate.errors);
}

/** Every `example` beside a `schema` (media types, parameters) and every schema's `examples`. */
function documentedExamples(): { at: string[]; schemaAt: string[]; example: unknown }[] {
  const found: { at: string[]; schemaAt: string[]; example: unknown }[] = [];
  const walk = (node: unknown, at: string[]) => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, [...at, String(i)]));
    if (!node || typeof node !== "object") return;
    const o = node as Json;
    if ("example" in o && "schema" in o)
      found.push({ at, schemaAt: [...at, "schema"], example: o.example });
    if (Array.isArray(o.examples) && "type" in o)
      o.examples.forEach((example) => found.push({ at, schemaAt: at, example }));
    for (const [k, v] of Object.entries(o)) if (k !== "example") walk(v, [...at, k]);
  };
  walk(document, []);
  return found;
}

let app: ReturnType<typeof appWithEveryRouter>["app"];
let stop: () => void;
const KEY = "full-key-0123456789abcdef";

const at = new Date("2026-11-28T15:04:05.000Z");
const store: Store = {
  externalId: "SUC001",
  mercadopagoId: "71234567",
  merchantId: null,
  name: "Sucursal Centro",
  location: {
    street_number: "3039",
    street_name: "Caseros",
    city_name: "Belgrano",
    state_name: "Capital Federal",
    latitude: -34.5627,
    longitude: -58.4563,
    reference: "3er piso",
  },
  requestHash: "h",
  timeZone: null,
  locale: null,
  createdAt: at,
  updatedAt: at,
};
const DEFAULTS = { timeZone: "America/Argentina/Buenos_Aires", locale: "es" } as const;
const pos: Pos = {
  externalId: "SUC001POS001",
  storeExternalId: "SUC001",
  mercadopagoId: "81234567",
  name: "Caja 1",
  category: null,
  qrImageUrl: "https://example.test/qr.png",
  qrTemplateDocumentUrl: null,
  qrTemplateImageUrl: null,
  qrContent: null,
  requestHash: "h",
  createdAt: at,
  updatedAt: at,
};

beforeAll(() => {
  ({ app, stop } = appWithEveryRouter({
    stores: {
      findPos: async (id: string) => (id === pos.externalId ? pos : null),
      getStore: async () => store,
    } as unknown as StoresService,
  }));
});
afterAll(() => stop());

describe("every route is in the OpenAPI document", () => {
  it("every route createApp mounts is an operation of the document with its method, and only those", () => {
    const mounted = mountedRoutes(app);
    expect(mounted).toContain("POST /sales"); // the walk sees the routers
    expect(mounted.some((r) => r.startsWith("GET /simulator"))).toBe(true);
    const gaps = routeGaps(mounted, document);
    expect(
      gaps.missing,
      "mounted by createApp but missing from the OpenAPI document (src/openapi/paths/); " +
        "describe them there, or list a page/asset route in UNDOCUMENTED " +
        "(test/openapi-routes.ts) with its reason",
    ).toEqual([]);
    expect(gaps.notMounted, "in the OpenAPI document but not mounted by createApp").toEqual([]);
    expect(gaps.documentedAndListed, "both documented and listed in UNDOCUMENTED").toEqual([]);
    expect(gaps.stale, "UNDOCUMENTED entries that match no mounted route").toEqual([]);
  });

  it("the check names any one operation left out of the document", () => {
    const mounted = mountedRoutes(app);
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(27);
    for (const op of OPERATIONS) {
      const route = `${op.method.toUpperCase()} ${op.path.replace(/\{([^}]+)\}/g, ":$1")}`;
      const without = buildOpenApiDocument(
        "test",
        OPERATIONS.filter((o) => o !== op),
      ) as typeof document;
      expect(routeGaps(mounted, without).missing, route).toEqual([route]);
    }
  });
});

describe("every documented example", () => {
  const examples = documentedExamples();

  it("validates against its schema in the document", () => {
    expect(examples.length).toBeGreaterThanOrEqual(28);
    const wrong = examples
      .map(({ at, schemaAt, example }) => [at.join("/"), problems(validator(schemaAt), example)])
      .filter(([, p]) => p !== "");
    expect(wrong).toEqual([]);
  });

  it("parses with its zod schema: a request's is the route's own", () => {
    let requests = 0;
    let answers = 0;
    const wrong: string[] = [];
    const check = (what: string, schema: z.ZodType, example: unknown) => {
      const parsed = schema.safeParse(example);
      if (!parsed.success) wrong.push(`${what}: ${parsed.error.message}`);
    };
    for (const op of OPERATIONS) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (op.body?.example !== undefined) {
        requests++;
        check(`${name} body`, op.body.schema, op.body.example);
      }
      for (const [status, answer] of Object.entries(op.responses)) {
        for (const [type, c] of Object.entries(answer.content ?? {})) {
          if (c.example === undefined) continue;
          answers++;
          check(`${name} ${status} ${type}`, c.schema, c.example);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(requests).toBe(OPERATIONS.filter((op) => op.body).length);
    expect(answers).toBeGreaterThanOrEqual(20);
  });

  it("is there for every JSON body and every JSON success answer with a schema of its own", () => {
    const without: string[] = [];
    for (const op of OPERATIONS) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (op.body && op.body.example === undefined) without.push(`${name} body`);
      for (const [status, answer] of Object.entries(op.responses)) {
        const c = answer.content?.["application/json"];
        if (Number(status) < 300 && c && c.example === undefined && op.path !== "/openapi.json")
          without.push(`${name} ${status}`);
      }
    }
    expect(without).toEqual([]);
  });

  it("a wrong example fails: the checks above can fail", () => {
    expect(problems(component("Sale"), { ...SALE_EXAMPLE, status: "unheard_of" })).not.toBe("");
    expect(problems(component("Sale"), { ...SALE_EXAMPLE, extra: 1 })).not.toBe("");
    // what JSON Schema cannot say, the route's zod schema does: two decimals at most
    const item = { ...CREATE_SALE_EXAMPLE.items[0]!, unit_price: 2.555 };
    expect(problems(component("CreateSale"), { ...CREATE_SALE_EXAMPLE, items: [item] })).toBe("");
    expect(CreateSaleSchema.safeParse({ ...CREATE_SALE_EXAMPLE, items: [item] }).success).toBe(
      false,
    );
  });
});

describe("the presenters answer what the document says", () => {
  const sale: Sale = {
    id: "s1",
    externalReference: "ticket-1",
    storeId: "SUC001",
    posId: "SUC001POS001",
    title: "Coffee",
    description: "Coffee",
    items: [
      { title: "Coffee", unitPriceCents: 250, quantity: 2, unitMeasure: "unit" },
      {
        title: "Beans",
        unitPriceCents: 1200,
        quantity: 1,
        unitMeasure: "pack",
        skuNumber: "B-1",
        category: "food",
        description: "250 g",
      },
    ],
    taxes: [{ type: "IVA", valueCents: 300 }],
    totalCents: 1700,
    currency: "ARS",
    status: "paid",
    orderState: "withdrawn",
    failure: null,
    merchantOrderId: 123,
    merchantOrderStatus: "closed",
    paidCents: 1700,
    refundedCents: 500,
    payments: [
      { id: 987, status: "approved", amount: 12 },
      { id: "PAY01", status: "approved", amount: 5 },
    ],
    requestHash: "h",
    expiresAt: at,
    paidAt: at,
    cancelledAt: null,
    nextCheckAt: null,
    checkAttempts: 0,
    mercadopagoApi: "orders",
    orderId: "ORD01",
    orderPaymentId: "PAY01",
    orderStatus: "processed",
    qrData: "000201...",
    paymentInProcess: false,
    dispute: {
      status: "charged_back",
      amountCents: 500,
      openedAt: "2026-12-01T10:00:00.000-03:00",
      paymentId: "987",
      chargebackId: null,
    },
    createdAt: at,
    updatedAt: at,
  };
  const refund = (status: Refund["status"]): Refund => ({
    id: "r1",
    saleId: "s1",
    idempotencyKey: null,
    requestedCents: null,
    amountCents: 500,
    refundedCents: status === "done" ? 500 : 0,
    status,
    parts: [],
    failure:
      status === "failed"
        ? { status: 502, code: "mercadopago_rejected", message: "no", details: [] }
        : null,
    nextCheckAt: null,
    checkAttempts: 0,
    createdAt: at,
    updatedAt: at,
  });

  it("a sale, bare and with its history (every refund status), as GET /orders/{ref} says", async () => {
    const bare = { ...sale, taxes: null, items: [sale.items[0]!], qrData: null };
    for (const s of [sale, bare]) expect(problems(component("Sale"), presentSale(s))).toBe("");
    expect(problems(component("Sale"), { ...presentSale(sale), extra: 1 })).not.toBe("");

    const events = [
      { from: null, to: "pending", source: "create", merchantOrderId: null, detail: {}, at },
      { from: "pending", to: "paid", source: "webhook", merchantOrderId: 123, detail: null, at },
    ] as const;
    const refunds = { ofSale: async () => REFUND_STATUSES.map(refund) };
    const withHistory = await presentWithHistory(
      sale,
      { events: async () => events.map((e) => ({ ...e })) },
      refundHistoryOf(refunds as unknown as Pick<RefundsService, "ofSale">),
    );
    expect(withHistory.refunds.map((r) => r.status)).toEqual([...REFUND_STATUSES]);
    expect(problems(component("SaleWithEvents"), withHistory)).toBe("");
    const read = ["paths", "/orders/{ref}", "get", "responses", "200", "content"];
    const answer = validator([...read, "application/json", "schema"]);
    expect(problems(answer, withHistory)).toBe("");
    expect(problems(answer, presentSale(sale))).toBe("");
    for (const status of REFUND_STATUSES)
      expect(problems(component("SaleRefund"), presentRefund(refund(status)))).toBe("");
    expect(problems(component("SaleEvent"), presentEvent(events[1]))).toBe("");
  });

  it("the summary, a store, a POS", () => {
    const byStatus = Object.fromEntries(
      SALE_STATUSES.map((s) => [s, { count: 1, totalCents: 250 }]),
    ) as Parameters<typeof presentSummary>[0]["byStatus"];
    const summary = { count: 6, byStatus, paidCents: 500, refundedCents: 0 };
    expect(problems(component("SalesSummary"), presentSummary(summary))).toBe("");
    expect(problems(component("Store"), presentStore(store, DEFAULTS))).toBe("");
    const location = { ...store.location, reference: undefined };
    expect(problems(component("Store"), presentStore({ ...store, location }, DEFAULTS))).toBe("");
    const own = { ...store, timeZone: "America/Argentina/Cordoba", locale: "pt-BR" as const };
    expect(problems(component("Store"), presentStore(own, DEFAULTS))).toBe("");
    expect(problems(component("Pos"), presentPos(pos))).toBe("");
    expect(problems(component("Pos"), presentPos({ ...pos, category: 5411 }))).toBe("");
  });

  it("the app's own answers: an error body, the display's names", async () => {
    const unauthorized = await request(app).get("/orders/X1").expect(401);
    expect(problems(component("Error"), unauthorized.body)).toBe("");
    const invalid = await request(app)
      .post("/sales")
      .set("Authorization", `Bearer ${KEY}`)
      .send({ store_id: "S 1", items: [] })
      .expect(400);
    expect(invalid.body.error.code).toBe("validation_failed");
    expect(problems(component("Error"), invalid.body)).toBe("");
    const info = await request(app)
      .get(`/display/${pos.externalId}/info`)
      .set("Authorization", `Bearer ${KEY}`)
      .expect(200);
    const display = ["paths", "/display/{pos_id}/info", "get", "responses", "200", "content"];
    expect(problems(validator([...display, "application/json", "schema"]), info.body)).toBe("");
  });
});
