import {
  ReconciliationRunSchema,
  ReconciliationSchema,
} from "../../reconciliation/reconciliation.responses.ts";
import { ReconciliationQuerySchema } from "../../reconciliation/reconciliation.schemas.ts";
import { AUTHENTICATED, errors, type Operation } from "../define.ts";

const EXAMPLE = {
  status: "discrepancies",
  checked_at: "2026-12-06T06:00:04.512Z",
  discrepancies: [
    {
      kind: "paid_there_not_here",
      external_reference: "sale-7f3a",
      payment_id: "1234567890",
      amount: 1500,
      detail:
        "Mercado Pago lists payment 1234567890 (approved) for sale sale-7f3a, which the service shows expired",
    },
  ],
};

const query = {
  schema: ReconciliationQuerySchema,
  descriptions: { date: "YYYY-MM-DD: the store's day, in its time_zone" },
};

export const RECONCILIATION_OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/reconciliation",
    summary: "A store's day matched against Mercado Pago's ledger (staff, full)",
    description:
      "`pending` until the day has been checked once (a job runs each store's previous day " +
      "after `RECONCILE_DAY_AT` in its zone); then `matched`, or the discrepancies still open: " +
      "`paid_here_not_there`, `paid_there_not_here`, `amount_mismatch`, `refund_not_recorded`, " +
      "`chargeback`. Each is recorded once, told in its sale's history, and resolved when a " +
      "later run no longer finds it. `GET /sales/close` shows the same.",
    tag: "sales",
    query,
    responses: {
      200: {
        description: "the day's reconciliation",
        content: { "application/json": { schema: ReconciliationSchema, example: EXAMPLE } },
      },
      ...errors([400, ...AUTHENTICATED, 404], { 404: "`not_found`: no such store" }),
    },
  },
  {
    method: "post",
    path: "/reconciliation/run",
    summary: "Run a store's day's reconciliation now (full)",
    description:
      "Reads the day's payments from Mercado Pago (`GET /v1/payments/search`, page by page) " +
      "and matches them against the day's sales; answers when done. While another run of the " +
      "same day is under way (another request, the job, another replica) it is not doubled: " +
      "`run.ran` is false and the answer shows the day as it stands.",
    tag: "sales",
    query,
    responses: {
      200: {
        description: "the day's reconciliation after the run",
        content: {
          "application/json": {
            schema: ReconciliationRunSchema,
            example: {
              ...EXAMPLE,
              run: { ran: true, pages: 3, payments: 121, new_discrepancies: 1 },
            },
          },
        },
      },
      ...errors([400, ...AUTHENTICATED, 404, 409, 502], {
        404: "`not_found`: no such store",
        409:
          "`merchant_not_connected` (platform mode): the store's merchant has no working token; " +
          "its day is run once it connects again",
      }),
    },
  },
];
