import { z } from "zod";
import { ErrorSchema } from "./schemas.ts";

/**
 * How an operation of the OpenAPI document is written: zod schemas (the routes' own, or the
 * presenters' answer schemas) and words, nothing else. generate.ts turns these into the
 * document; test/openapi.examples.test.ts checks every example against its zod schema and the
 * generated JSON Schema.
 */

export type Method = "get" | "post" | "patch" | "delete";
export type Tag =
  | "sales"
  | "refunds"
  | "live"
  | "stores"
  | "merchants"
  | "notifications"
  | "webhooks"
  | "operations";

/** A media type's schema and, when given, an example of it. */
export interface Content {
  schema: z.ZodType;
  example?: unknown;
}

export interface Answer {
  description: string;
  content?: Record<string, Content>;
}

/** Parameters of one place (query or header), from an object schema's properties. */
export interface ParameterSet {
  schema: z.ZodObject;
  /** words for a parameter, beside its schema (the routes' schemas carry none) */
  descriptions?: Record<string, string>;
}

export interface Operation {
  method: Method;
  /** OpenAPI's template (`/orders/{ref}`); each `{name}` is described in PATH_PARAMETERS */
  path: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** who may call it: an API key (the document's default), anyone, or METRICS_TOKEN */
  security?: "public" | "metricsToken";
  query?: ParameterSet;
  headers?: ParameterSet;
  body?: { schema: z.ZodType; required: boolean; description?: string; example?: unknown };
  responses: Record<number, Answer>;
}

/** Every path parameter of the API: always a string; the route answers 404 for a bad one. */
export const PATH_PARAMETERS: Record<string, string> = {
  ref: "the sale's `external_reference`",
  pos_id: "the POS's external id",
  store_id: "the store's external id",
  id: "the webhook endpoint's, delivery's or merchant's id (a UUID)",
};

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

/** What every authenticated route can answer besides its own. */
export const AUTHENTICATED = [401, 403, 429, 503];

/**
 * Error answers: every one is the shared `Error` body; `meaning` overrides the general text,
 * `examples` shows a body.
 */
export function errors(
  statuses: number[],
  meaning: Record<number, string> = {},
  examples: Record<number, unknown> = {},
): Record<number, Answer> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      json(ErrorSchema, meaning[status] ?? ERROR_MEANING[status] ?? "an error", examples[status]),
    ]),
  );
}

/** A JSON answer. */
export function json(schema: z.ZodType, description: string, example?: unknown): Answer {
  return {
    description,
    content: { "application/json": example === undefined ? { schema } : { schema, example } },
  };
}

/** A text answer (CSV, Prometheus, HTML, SVG, a stream). */
export const text = (): Content => ({ schema: z.string() });

/** A binary answer (PNG, PDF). */
export const binary = (): Content => ({ schema: z.string().meta({ contentEncoding: "binary" }) });
