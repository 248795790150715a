import { z } from "zod";
import { WaitQuerySchema } from "../../live/live.routes.ts";
import { SaleListSchema, SaleSchema, SalesSummarySchema } from "../../sales/sale.responses.ts";
import { SalesListQuerySchema, SalesSummaryQuerySchema } from "../../sales/sales-list.schemas.ts";
import { OrderQuerySchema } from "../../sales/sales.routes.ts";
import { CreateSaleSchema } from "../../sales/sales.schemas.ts";
import { AUTHENTICATED, binary, errors, json, text, type Operation } from "../define.ts";
import {
  CREATE_SALE_EXAMPLE,
  PAID_SALE_EXAMPLE,
  SALE_EXAMPLE,
  SUMMARY_EXAMPLE,
  VALIDATION_ERROR_EXAMPLE,
} from "../examples.ts";
import { SaleWithEventsSchema } from "../schemas.ts";

const saleAnswer = json(SaleSchema, "the sale", PAID_SALE_EXAMPLE);

/** `GET /orders/:ref` takes `include` (sales.routes.ts) and, for a long poll, `wait` (live). */
const OrderReadQuerySchema = OrderQuerySchema.extend({
  wait: WaitQuerySchema.shape.wait.optional(),
});

export const SALE_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/sales",
    summary: "Register a sale and put its order on the POS's QR",
    description:
      "`unit_price` > 0 with at most the currency's decimals (2; none for CLP and COP: 400 " +
      "`validation_failed` naming the field and the currency); the total (computed by the " +
      "server) at most the currency's cap (ARS 10 000 000, BRL 50 000, MXN 200 000, CLP " +
      "10 000 000, COP 40 000 000, PEN 35 000, UYU 400 000); taxes follow the same rules and " +
      "their sum is below the total. " +
      "`external_reference` is the client's idempotency key.",
    tag: "sales",
    body: { schema: CreateSaleSchema, required: true, example: CREATE_SALE_EXAMPLE },
    responses: {
      200: json(SaleSchema, "an identical replay: the existing sale", SALE_EXAMPLE),
      201: json(SaleSchema, "the sale, `pending`, its order on the POS", SALE_EXAMPLE),
      ...errors(
        [400, ...AUTHENTICATED, 409, 413, 415, 502, 504],
        {
          403: "`forbidden`: not a POS or full key, or a bound POS key naming another POS",
          409: "`conflict` (same reference, other body), `pos_busy`, or `in_progress` (`Retry-After`)",
        },
        { 400: VALIDATION_ERROR_EXAMPLE },
      ),
    },
  },
  {
    method: "get",
    path: "/sales",
    summary: "The sales, newest first, a page at a time (or every match as CSV)",
    tag: "sales",
    query: {
      schema: SalesListQuerySchema,
      descriptions: {
        status: "one status or a comma-separated list",
        from: "ISO-8601 instant with a zone (inclusive)",
        to: "ISO-8601 instant with a zone (exclusive)",
        date: "YYYY-MM-DD with store_id: that store's day in its time_zone (not with from/to)",
        limit: "1-200, default 50 (JSON only)",
        cursor: "`next_cursor` of the page before",
        delimiter: "CSV only: comma (default) or semicolon (with a decimal comma)",
      },
    },
    responses: {
      200: {
        description: "a page of sales; with `Accept: text/csv` every match as CSV",
        content: {
          "application/json": {
            schema: SaleListSchema,
            example: { data: [PAID_SALE_EXAMPLE], next_cursor: null },
          },
          "text/csv": text(),
        },
      },
      ...errors([400, ...AUTHENTICATED]),
    },
  },
  {
    method: "get",
    path: "/sales/summary",
    summary: "Count and amount per status, paid and refunded totals",
    tag: "sales",
    query: { schema: SalesSummaryQuerySchema },
    responses: {
      200: json(SalesSummarySchema, "the summary", SUMMARY_EXAMPLE),
      ...errors([400, ...AUTHENTICATED]),
    },
  },
  {
    method: "get",
    path: "/orders/{ref}",
    summary: "A sale (or a long poll on it with `wait`)",
    description:
      "With `wait=N` (0-60) the answer comes as soon as the sale is not `pending`, or " +
      "after N s with the pending sale.",
    tag: "sales",
    query: {
      schema: OrderReadQuerySchema,
      descriptions: {
        include:
          "`events` adds the history: status changes (`events`), refunds (`refunds`) and, for " +
          "full and staff keys, the notifications both ways (`notifications`)",
        wait: "seconds to wait for the sale to leave `pending`",
      },
    },
    responses: {
      200: json(
        z.xor([SaleSchema, SaleWithEventsSchema]),
        "the sale (with `events` and `refunds` when asked)",
        PAID_SALE_EXAMPLE,
      ),
      ...errors([400, ...AUTHENTICATED, 404]),
    },
  },
  {
    method: "delete",
    path: "/orders/{ref}",
    summary: "Cancel a pending sale and take its order off the POS",
    tag: "sales",
    responses: {
      200: json(SaleSchema, "the sale, `cancelled`", {
        ...SALE_EXAMPLE,
        status: "cancelled",
        order_state: "withdrawn",
        cancelled_at: "2026-11-28T15:06:00.000Z",
      }),
      ...errors([...AUTHENTICATED, 404, 409, 502, 504], {
        409: "`already_paid` (the customer paid first) or `in_progress` (`Retry-After`)",
      }),
    },
  },
  {
    method: "post",
    path: "/orders/{ref}/refresh",
    summary: "Read Mercado Pago now and return the sale",
    tag: "sales",
    responses: { 200: saleAnswer, ...errors([...AUTHENTICATED, 404, 502, 504]) },
  },
  {
    method: "get",
    path: "/pos/{pos_id}/sale",
    summary: "The POS's pending sale, else its most recent",
    tag: "sales",
    responses: { 200: saleAnswer, ...errors([...AUTHENTICATED, 404]) },
  },
  {
    method: "get",
    path: "/orders/{ref}/qr.png",
    summary: "The sale's own QR (`qr_data` of an Orders API order in hybrid or dynamic mode)",
    tag: "sales",
    responses: {
      200: { description: "the QR", content: { "image/png": binary() } },
      ...errors([...AUTHENTICATED, 404]),
    },
  },
];
