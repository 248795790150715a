import {
  CreatedMerchantSchema,
  MerchantListSchema,
  MerchantSchema,
} from "../merchants/merchants.schemas.ts";
import { z } from "zod";
import { SaleRefundSchema } from "../refunds/refund.responses.ts";
import { RefundBodySchema } from "../refunds/refunds.routes.ts";
import {
  SaleEventSchema,
  SaleListSchema,
  SaleSchema,
  SalesSummarySchema,
} from "../sales/sale.responses.ts";
import { CreateSaleSchema } from "../sales/sales.schemas.ts";
import {
  PosListSchema,
  PosSchema,
  StoreListSchema,
  StoreSchema,
} from "../stores/stores.responses.ts";
import { CreatePosSchema, CreateStoreSchema, UpdateStoreSchema } from "../stores/stores.schemas.ts";
import {
  CreatedEndpointSchema,
  CreateEndpointSchema,
  DeliveryListSchema,
  DeliverySchema,
  EndpointListSchema,
  EndpointSchema,
} from "../webhooks-out/webhooks-out.schemas.ts";
import { PATH_PARAMETERS, type Operation, type ParameterSet } from "./define.ts";
import { OPERATIONS } from "./paths/index.ts";
import {
  ErrorSchema,
  HealthSchema,
  NotificationBodySchema,
  ReadySchema,
  ReceivedSchema,
  SaleWithEventsSchema,
} from "./schemas.ts";

/**
 * The OpenAPI 3.1 document, generated from zod schemas only: request bodies, query and header
 * parameters are the routes' own schemas (what the document says a request may hold is what the
 * service accepts), answers are the schemas the presenters are typed by. zod 4's
 * `z.toJSONSchema` does the conversion; refinements JSON Schema cannot say (a price's two
 * decimals, a total's ceiling) are in the descriptions.
 */

type Json = Record<string, unknown>;

/** Named schemas: `#/components/schemas/<name>`. Requests are read as zod's input, answers as its output. */
const REQUEST_COMPONENTS: Record<string, z.ZodType> = {
  CreateSale: CreateSaleSchema,
  CreateStore: CreateStoreSchema,
  CreatePos: CreatePosSchema,
  UpdateStore: UpdateStoreSchema,
  Refund: RefundBodySchema,
  Notification: NotificationBodySchema,
  CreateWebhookEndpoint: CreateEndpointSchema,
};
const ANSWER_COMPONENTS: Record<string, z.ZodType> = {
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
  Merchant: MerchantSchema,
  MerchantCreated: CreatedMerchantSchema,
  MerchantList: MerchantListSchema,
  WebhookEndpoint: EndpointSchema,
  WebhookEndpointCreated: CreatedEndpointSchema,
  WebhookEndpointList: EndpointListSchema,
  WebhookDelivery: DeliverySchema,
  WebhookDeliveryList: DeliveryListSchema,
  PosList: PosListSchema,
  Health: HealthSchema,
  Ready: ReadySchema,
  Received: ReceivedSchema,
};

const PATH_PARAMETER = z.string();
const INLINE = "inline_";

/**
 * One side's zod schemas (requests or answers) converted in one call, so a schema inside another
 * is a `$ref` into components when it is named. A schema used in place (a query's object, a
 * union) is converted under a temporary name and put where it is used.
 */
class Converter {
  private readonly registry = z.registry<{ id: string }>();
  private readonly inline = new Set<string>();
  private converted: Record<string, Json> | undefined;

  constructor(
    private readonly io: "input" | "output",
    named: Record<string, z.ZodType>,
  ) {
    for (const [id, schema] of Object.entries(named)) this.registry.add(schema, { id });
  }

  add(schema: z.ZodType): void {
    if (this.registry.has(schema)) return;
    const id = `${INLINE}${this.inline.size}`;
    this.inline.add(id);
    this.registry.add(schema, { id });
  }

  convert(): void {
    const { schemas } = z.toJSONSchema(this.registry, {
      target: "draft-2020-12",
      io: this.io,
      unrepresentable: "any",
      uri: (id) => `#/components/schemas/${id}`,
    }) as { schemas: Record<string, Json> };
    this.converted = Object.fromEntries(
      Object.entries(schemas).map(([id, s]) => [id, withoutIds(s)]),
    );
    const text = JSON.stringify(this.converted);
    if (text.includes(`/${INLINE}`)) throw new Error("a schema used in place is inside another");
  }

  /** A `$ref` for a named schema, else the schema itself. */
  json(schema: z.ZodType): Json {
    const id = this.registry.get(schema)?.id;
    if (!id || !this.converted) throw new Error("a schema not added before convert()");
    if (!this.inline.has(id)) return { $ref: `#/components/schemas/${id}` };
    return structuredClone(this.converted[id]!);
  }

  components(): Record<string, Json> {
    if (!this.converted) throw new Error("convert() first");
    return Object.fromEntries(
      Object.entries(this.converted).filter(([id]) => !this.inline.has(id)),
    );
  }
}

/** `$schema` and `$id` belong to a standalone schema, not to one inside the document. */
function withoutIds(schema: Json): Json {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema" && k !== "$id"));
}

/** Every zod schema an operation uses, by side. */
function schemasOf(op: Operation): { requests: z.ZodType[]; answers: z.ZodType[] } {
  return {
    requests: [op.query?.schema, op.headers?.schema, op.body?.schema].filter(
      (s): s is NonNullable<typeof s> => s !== undefined,
    ),
    answers: Object.values(op.responses).flatMap((a) =>
      Object.values(a.content ?? {}).map((c) => c.schema),
    ),
  };
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => {
    const description = PATH_PARAMETERS[name!];
    if (!description) throw new Error(`${path}: no description of the parameter ${name}`);
    return { name, in: "path", required: true, schema: { type: "string" }, description };
  });
}

function parameters(set: ParameterSet | undefined, where: string, requests: Converter): Json[] {
  if (!set) return [];
  const s = requests.json(set.schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: s.required?.includes(name) ?? false,
    schema,
    ...(set.descriptions?.[name] ? { description: set.descriptions[name] } : {}),
  }));
}

function operationObject(op: Operation, requests: Converter, answers: Converter): Json {
  const params = [
    ...pathParameters(op.path),
    ...parameters(op.query, "query", requests),
    ...parameters(op.headers, "header", requests),
  ];
  const responses = Object.fromEntries(
    Object.entries(op.responses).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.content && {
          content: Object.fromEntries(
            Object.entries(answer.content).map(([type, c]) => [
              type,
              {
                schema: answers.json(c.schema),
                ...(c.example !== undefined && { example: c.example }),
              },
            ]),
          ),
        }),
      },
    ]),
  );
  const body = op.body;
  return {
    summary: op.summary,
    ...(op.description && { description: op.description }),
    tags: [op.tag],
    ...(op.security === "public" && { security: [] }),
    ...(op.security === "metricsToken" && { security: [{ metricsToken: [] }] }),
    ...(params.length > 0 && { parameters: params }),
    ...(body && {
      requestBody: {
        required: body.required,
        ...(body.description && { description: body.description }),
        content: {
          "application/json": {
            schema: requests.json(body.schema),
            ...(body.example !== undefined && { example: body.example }),
          },
        },
      },
    }),
    responses,
  };
}

/** Builds the document (pure; the docs router builds it once). */
export function buildOpenApiDocument(version: string, operations = OPERATIONS): Json {
  const requests = new Converter("input", REQUEST_COMPONENTS);
  const answers = new Converter("output", ANSWER_COMPONENTS);
  requests.add(PATH_PARAMETER);
  for (const op of operations) {
    const used = schemasOf(op);
    used.requests.forEach((s) => requests.add(s));
    used.answers.forEach((s) => answers.add(s));
  }
  requests.convert();
  answers.convert();

  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method} ${op.path} is described twice`);
    item[op.method] = operationObject(op, requests, answers);
  }

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
      "sales",
      "refunds",
      "live",
      "stores",
      "merchants",
      "notifications",
      "webhooks",
      "operations",
    ].map((name) => ({
      name,
    })),
    paths,
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
      schemas: { ...requests.components(), ...answers.components() },
    },
  };
}
