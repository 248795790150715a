import { z } from "zod";
import { EventsQuerySchema, WaitQuerySchema } from "../live/live.routes.ts";
import { RefundBodySchema } from "../refunds/refunds.routes.ts";
import { SalesListQuerySchema, SalesSummaryQuerySchema } from "../sales/sales-list.schemas.ts";
import { OrderQuerySchema } from "../sales/sales.routes.ts";
import { CreateSaleSchema } from "../sales/sales.schemas.ts";
import {
  CreatePosSchema,
  CreateStoreSchema,
  ListPosQuerySchema,
} from "../stores/stores.schemas.ts";
import {
  ErrorSchema,
  HealthSchema,
  NotificationBodySchema,
  PosListSchema,
  PosSchema,
  ReadySchema,
  ReceivedSchema,
  SaleEventSchema,
  SaleRefundSchema,
  SaleListSchema,
  SaleSchema,
  SalesSummarySchema,
  SaleWithEventsSchema,
  StoreListSchema,
  StoreSchema,
} from "./openapi.schemas.ts";

/**
 * The OpenAPI 3.1 document of the service. Request bodies and query parameters are generated
 * (zod 4's `z.toJSONSchema`) from the very schemas the routes parse with, so what the document
 * says a request may hold is what the service accepts; refinements that JSON Schema cannot say
 * (a price's two decimals, a total's ceiling) are in the descriptions. Every mounted route is
 * here and nothing else is (test/openapi.test.ts walks the app's router to check it).
 */

type Json = Record<string, unknown>;

const REF = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** `$schema` and `$id` belong to a standalone schema, not to one inside the document. */
function withoutIds(schema: Json): Json {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema" && k !== "$id"));
}

/** JSON Schema 2020-12 of a request-side (`input`) or answer-side (`output`) zod schema. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  return withoutIds(
    z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json,
  );
}

/** Components from a registry of zod schemas, refs between them pointing into components. */
function components(entries: Record<string, z.ZodType>, io: "input" | "output"): Json {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, withoutIds(s)]));
}

/** Query parameters from the zod object schema the route parses `req.query` with. */
function queryParameters(schema: z.ZodType, descriptions: Record<string, string> = {}): Json[] {
  const s = jsonSchema(schema, "input") as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(s.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: s.required?.includes(name) ?? false,
    schema: property,
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
  }));
}

function pathParameter(name: string, description: string): Json {
  return { name, in: "path", required: true, schema: { type: "string" }, description };
}

const REF_PARAMETER = pathParameter("ref", "the sale's `external_reference`");
const POS_PARAMETER = pathParameter("pos_id", "the POS's external id");
const STORE_PARAMETER = pathParameter("store_id", "the store's external id");

const ERROR_MEANING: Record<number, string> = {
  400: "`validation_failed`: the request is not valid (`details` names each field)",
  401: "`unauthorized`: no API key, or an unknown one",
  403: "`forbidden`: the key's role (or binding) may not do this",
  404: "`not_found`",
  409: "a conflict (the code says which)",
  413: "`payload_too_large`",
  415: "`unsupported_media_type`: the body is not declared `application/json`",
  429: "`rate_limited` (with `Retry-After`), when `RATE_LIMIT_PER_MINUTE` is set",
  500: "`internal`",
  502: "`mercadopago_rejected` or `mercadopago_unavailable`",
  503: "`service_unavailable`: the database cannot be reached (with `Retry-After`)",
  504: "`mercadopago_unavailable`: Mercado Pago did not answer within `CASHIER_DEADLINE_MS`",
};

/** Error answers: every one is the shared `Error` body; `meaning` overrides the general text. */
function errors(statuses: number[], meaning: Record<number, string> = {}): Json {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: meaning[status] ?? ERROR_MEANING[status] ?? "an error",
        content: { "application/json": { schema: REF("Error") } },
      },
    ]),
  );
}

const json = (schema: Json, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const jsonBody = (id: string, description?: string) => ({
  required: true,
  ...(description ? { description } : {}),
  content: { "application/json": { schema: REF(id) } },
});

/** What every authenticated route can answer besides its own. */
const AUTHENTICATED = [401, 403, 429, 503];

const saleAnswer = json(REF("Sale"), "the sale");

const SALE_STREAM = {
  description:
    "`text/event-stream`: `event: sale` with the sale (`data:` is its JSON) at once and on " +
    "every change; `: ping` every 15 s",
  content: { "text/event-stream": { schema: { type: "string" } } },
};

const image = (type: string, what: string) => ({
  description: what,
  content: { [type]: { schema: { type: "string", contentEncoding: "binary" } } },
});

function paths(): Json {
  return {
    "/health": {
      get: {
        summary: "The process is up",
        tags: ["operations"],
        security: [],
        responses: { "200": json(REF("Health"), "up") },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics (text format)",
        description:
          "Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; API keys do " +
          "not open it.",
        tags: ["operations"],
        security: [{ metricsToken: [] }],
        responses: {
          "200": {
            description: "the metrics",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          ...errors([401]),
        },
      },
    },
    "/ready": {
      get: {
        summary: "The database answers",
        description: "Answers within 1.5 s either way (a load balancer's probe).",
        tags: ["operations"],
        security: [],
        responses: {
          "200": json(REF("Ready"), "the database answers"),
          "503": json(REF("Ready"), "the database does not answer (`Retry-After`)"),
        },
      },
    },
    "/openapi.json": {
      get: {
        summary: "This document",
        tags: ["operations"],
        security: [],
        responses: {
          "200": json({ type: "object" }, "the OpenAPI 3.1 document of the service"),
        },
      },
    },
    "/docs": {
      get: {
        summary: "This document in a viewer (Swagger UI, served from this service)",
        tags: ["operations"],
        security: [],
        responses: {
          "200": {
            description: "an HTML page",
            content: { "text/html": { schema: { type: "string" } } },
          },
        },
      },
    },
    "/webhooks/mercadopago": {
      post: {
        summary: "Mercado Pago's notifications (IPN and Webhooks)",
        description:
          "Acknowledged at once and stored; the state is then read from Mercado Pago by id. " +
          "Unknown, foreign, or secretless notifications are acknowledged and change nothing.",
        tags: ["notifications"],
        security: [],
        parameters: [
          { name: "topic", in: "query", schema: { type: "string" }, description: "IPN topic" },
          { name: "id", in: "query", schema: { type: "string" }, description: "IPN id" },
          { name: "type", in: "query", schema: { type: "string" }, description: "Webhooks type" },
          {
            name: "data.id",
            in: "query",
            schema: { type: "string" },
            description: "Webhooks id",
          },
          {
            name: "secret",
            in: "query",
            schema: { type: "string" },
            description: "the secret this service put into `notification_url`",
          },
          {
            name: "source_news",
            in: "query",
            schema: { type: "string" },
            description: "`ipn`: the format `notification_url` asks for",
          },
        ],
        requestBody: {
          required: false,
          content: { "application/json": { schema: REF("Notification") } },
        },
        responses: {
          "200": json(REF("Received"), "acknowledged"),
          ...errors([413, 429, 503]),
        },
      },
    },
    "/sales": {
      post: {
        summary: "Register a sale and put its order on the POS's QR",
        description:
          "`unit_price` > 0 with at most 2 decimals; the total (computed by the server in " +
          "integer cents) at most 10 000 000; the taxes' sum below the total. " +
          "`external_reference` is the client's idempotency key.",
        tags: ["sales"],
        requestBody: jsonBody("CreateSale"),
        responses: {
          "200": json(REF("Sale"), "an identical replay: the existing sale"),
          "201": json(REF("Sale"), "the sale, `pending`, its order on the POS"),
          ...errors([400, ...AUTHENTICATED, 409, 413, 415, 502, 504], {
            403: "`forbidden`: not a POS or full key, or a bound POS key naming another POS",
            409: "`conflict` (same reference, other body), `pos_busy`, or `in_progress` (`Retry-After`)",
          }),
        },
      },
      get: {
        summary: "The sales, newest first, a page at a time (or every match as CSV)",
        tags: ["sales"],
        parameters: queryParameters(SalesListQuerySchema, {
          status: "one status or a comma-separated list",
          from: "ISO-8601 instant with a zone (inclusive)",
          to: "ISO-8601 instant with a zone (exclusive)",
          limit: "1-200, default 50 (JSON only)",
          cursor: "`next_cursor` of the page before",
        }),
        responses: {
          "200": {
            description: "a page of sales; with `Accept: text/csv` every match as CSV",
            content: {
              "application/json": { schema: REF("SaleList") },
              "text/csv": { schema: { type: "string" } },
            },
          },
          ...errors([400, ...AUTHENTICATED]),
        },
      },
    },
    "/sales/summary": {
      get: {
        summary: "Count and amount per status, paid and refunded totals",
        tags: ["sales"],
        parameters: queryParameters(SalesSummaryQuerySchema),
        responses: {
          "200": json(REF("SalesSummary"), "the summary"),
          ...errors([400, ...AUTHENTICATED]),
        },
      },
    },
    "/orders/{ref}": {
      get: {
        summary: "A sale (or a long poll on it with `wait`)",
        description:
          "With `wait=N` (0-60) the answer comes as soon as the sale is not `pending`, or " +
          "after N s with the pending sale.",
        tags: ["sales"],
        parameters: [
          REF_PARAMETER,
          ...queryParameters(OrderQuerySchema, {
            include: "`events` adds the history: status changes (`events`) and refunds (`refunds`)",
          }),
          ...queryParameters(WaitQuerySchema.pick({ wait: true }), {
            wait: "seconds to wait for the sale to leave `pending`",
          }).map((p) => ({ ...p, required: false })),
        ],
        responses: {
          "200": json(
            { oneOf: [REF("Sale"), REF("SaleWithEvents")] },
            "the sale (with `events` and `refunds` when asked)",
          ),
          ...errors([400, ...AUTHENTICATED, 404]),
        },
      },
      delete: {
        summary: "Cancel a pending sale and take its order off the POS",
        tags: ["sales"],
        parameters: [REF_PARAMETER],
        responses: {
          "200": json(REF("Sale"), "the sale, `cancelled`"),
          ...errors([...AUTHENTICATED, 404, 409, 502, 504], {
            409: "`already_paid` (the customer paid first) or `in_progress` (`Retry-After`)",
          }),
        },
      },
    },
    "/orders/{ref}/refresh": {
      post: {
        summary: "Read Mercado Pago now and return the sale",
        tags: ["sales"],
        parameters: [REF_PARAMETER],
        responses: { "200": saleAnswer, ...errors([...AUTHENTICATED, 404, 502, 504]) },
      },
    },
    "/orders/{ref}/refund": {
      post: {
        summary: "Refund all that remains (`{}` or no body) or an amount",
        tags: ["refunds"],
        parameters: [
          REF_PARAMETER,
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            schema: { type: "string", pattern: "^[A-Za-z0-9_.:-]{1,100}$" },
            description: "a retry with the same key and body answers as the first",
          },
        ],
        requestBody: {
          required: false,
          description: "`amount` > 0 with at most 2 decimals; none: the whole remainder",
          content: { "application/json": { schema: REF("Refund") } },
        },
        responses: {
          "200": json(REF("Sale"), "the sale (`refunded` once all was given back)"),
          ...errors([400, ...AUTHENTICATED, 404, 409, 413, 415, 502, 504], {
            409: "`not_refundable`, `in_progress` or `conflict` (the key with another amount)",
          }),
        },
      },
    },
    "/orders/{ref}/events": {
      get: {
        summary: "The sale's changes as a stream",
        tags: ["live"],
        parameters: [REF_PARAMETER],
        responses: { "200": SALE_STREAM, ...errors([...AUTHENTICATED, 404]) },
      },
    },
    "/events": {
      get: {
        summary: "Every sale change in the filter as a stream",
        tags: ["live"],
        parameters: queryParameters(EventsQuerySchema),
        responses: {
          "200": {
            ...SALE_STREAM,
            description: "`text/event-stream`: `event: sale` on every change; `: ping` every 15 s",
          },
          ...errors([400, ...AUTHENTICATED]),
        },
      },
    },
    "/pos/{pos_id}/sale": {
      get: {
        summary: "The POS's pending sale, else its most recent",
        tags: ["sales"],
        parameters: [POS_PARAMETER],
        responses: { "200": saleAnswer, ...errors([...AUTHENTICATED, 404]) },
      },
    },
    "/stores": {
      post: {
        summary: "Register a store at Mercado Pago (or adopt it)",
        tags: ["stores"],
        requestBody: jsonBody("CreateStore"),
        responses: {
          "200": json(REF("Store"), "an identical replay"),
          "201": json(REF("Store"), "the store"),
          ...errors([400, ...AUTHENTICATED, 409, 413, 415, 502, 504]),
        },
      },
      get: {
        summary: "The stores registered here",
        tags: ["stores"],
        responses: { "200": json(REF("StoreList"), "the stores"), ...errors(AUTHENTICATED) },
      },
    },
    "/stores/{store_id}": {
      get: {
        summary: "A store",
        tags: ["stores"],
        parameters: [STORE_PARAMETER],
        responses: { "200": json(REF("Store"), "the store"), ...errors([...AUTHENTICATED, 404]) },
      },
    },
    "/stores/{store_id}/pos": {
      post: {
        summary: "Register a POS of the store at Mercado Pago (or adopt it)",
        tags: ["stores"],
        parameters: [STORE_PARAMETER],
        requestBody: jsonBody("CreatePos"),
        responses: {
          "200": json(REF("Pos"), "an identical replay"),
          "201": json(REF("Pos"), "the POS with its QR links"),
          ...errors([400, ...AUTHENTICATED, 404, 409, 413, 415, 502, 504]),
        },
      },
    },
    "/pos": {
      get: {
        summary: "The POS registered here",
        tags: ["stores"],
        parameters: queryParameters(ListPosQuerySchema),
        responses: { "200": json(REF("PosList"), "the POS"), ...errors([400, ...AUTHENTICATED]) },
      },
    },
    "/pos/{pos_id}": {
      get: {
        summary: "A POS",
        tags: ["stores"],
        parameters: [POS_PARAMETER],
        responses: { "200": json(REF("Pos"), "the POS"), ...errors([...AUTHENTICATED, 404]) },
      },
    },
    "/orders/{ref}/qr.png": {
      get: {
        summary: "The sale's own QR (`qr_data` of an Orders API order in hybrid or dynamic mode)",
        tags: ["sales"],
        parameters: [REF_PARAMETER],
        responses: {
          "200": image("image/png", "the QR"),
          ...errors([...AUTHENTICATED, 404]),
        },
      },
    },
    "/display/{pos_id}/info": {
      get: {
        summary: "The names a customer display shows while idle",
        description:
          "A POS key may read its own POS's (403 naming its own till for another); staff and " +
          "full keys any.",
        tags: ["stores"],
        parameters: [POS_PARAMETER],
        responses: {
          "200": json(
            {
              type: "object",
              properties: {
                pos_id: { type: "string" },
                pos_name: { type: "string" },
                store_id: { type: "string" },
                store_name: { type: "string" },
              },
              required: ["pos_id", "pos_name", "store_id", "store_name"],
            },
            "the POS's and its store's names",
          ),
          ...errors([...AUTHENTICATED, 404]),
        },
      },
    },
    "/pos/{pos_id}/qr.png": {
      get: {
        summary: "The POS's QR as a PNG (512 px)",
        tags: ["stores"],
        parameters: [POS_PARAMETER],
        responses: {
          "200": image("image/png", "the QR"),
          ...errors([...AUTHENTICATED, 404, 502, 504]),
        },
      },
    },
    "/pos/{pos_id}/qr.svg": {
      get: {
        summary: "The POS's QR as SVG",
        tags: ["stores"],
        parameters: [POS_PARAMETER],
        responses: {
          "200": {
            description: "the QR",
            content: { "image/svg+xml": { schema: { type: "string" } } },
          },
          ...errors([...AUTHENTICATED, 404, 502, 504]),
        },
      },
    },
    "/pos/{pos_id}/qr.pdf": {
      get: {
        summary: "The POS's QR on a printable A5 sheet",
        tags: ["stores"],
        parameters: [POS_PARAMETER],
        responses: {
          "200": image("application/pdf", "the sheet"),
          ...errors([...AUTHENTICATED, 404, 502, 504]),
        },
      },
    },
  };
}

/** Builds the document (pure; the docs router builds it once). */
export function buildOpenApiDocument(version: string): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "mp-qr-pos",
      version,
      description:
        "Mercado Pago QR payments at the point of sale. Authenticated routes take " +
        "`Authorization: Bearer <key>`; every answer carries `X-Request-Id`.",
    },
    // No jsonSchemaDialect: OpenAPI 3.1's default dialect (spec.openapis.org/oas/3.1/dialect/base)
    // is JSON Schema 2020-12 plus OpenAPI's own keywords, so zod's 2020-12 output is already in
    // it; naming plain 2020-12 instead makes Swagger UI put a warning banner over /docs.
    security: [{ bearer: [] }],
    tags: [
      { name: "sales" },
      { name: "refunds" },
      { name: "live" },
      { name: "stores" },
      { name: "notifications" },
      { name: "operations" },
    ],
    paths: paths(),
    components: {
      securitySchemes: {
        metricsToken: {
          type: "http",
          scheme: "bearer",
          description: "METRICS_TOKEN; when it is unset, GET /metrics needs no credentials",
        },
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "an API key of API_KEYS (full), STAFF_API_KEYS or POS_API_KEYS",
        },
      },
      schemas: {
        ...components(
          {
            CreateSale: CreateSaleSchema,
            CreateStore: CreateStoreSchema,
            CreatePos: CreatePosSchema,
            Refund: RefundBodySchema,
            Notification: NotificationBodySchema,
          },
          "input",
        ),
        ...components(
          {
            Error: ErrorSchema,
            Sale: SaleSchema,
            SaleEvent: SaleEventSchema,
            SaleRefund: SaleRefundSchema,
            SaleWithEvents: SaleWithEventsSchema,
            SaleList: SaleListSchema,
            SalesSummary: SalesSummarySchema,
            Store: StoreSchema,
            Pos: PosSchema,
            StoreList: StoreListSchema,
            PosList: PosListSchema,
            Health: HealthSchema,
            Ready: ReadySchema,
            Received: ReceivedSchema,
          },
          "output",
        ),
      },
    },
  };
}
