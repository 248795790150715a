import { CloseSchema, ReceiptSchema } from "../../closeout/closeout.responses.ts";
import { CloseQuerySchema, ReceiptQuerySchema } from "../../closeout/closeout.schemas.ts";
import { AUTHENTICATED, binary, errors, text, type Operation } from "../define.ts";
import { CLOSE_EXAMPLE, RECEIPT_EXAMPLE } from "./closeout.examples.ts";

export const CLOSEOUT_OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/orders/{ref}/receipt",
    summary: "A paid sale's receipt: JSON, a 42-column till text, or an 80 mm PDF (by `Accept`)",
    description:
      "In the store's `locale` (`?locale=` overrides) and the sale's currency, dated in the " +
      "store's zone: store, POS, date, items, taxes, total, each payment's method, card's last " +
      "four and authorization code, and the refunds. A refunded sale was paid: it has one too.",
    tag: "sales",
    query: { schema: ReceiptQuerySchema, descriptions: { locale: "es, pt-BR or en" } },
    responses: {
      200: {
        description: "the receipt",
        content: {
          "application/json": { schema: ReceiptSchema, example: RECEIPT_EXAMPLE },
          "text/plain": text(),
          "application/pdf": binary(),
        },
      },
      ...errors([400, ...AUTHENTICATED, 404, 409], {
        409: "`conflict`: the sale is not paid (pending, cancelled, expired or failed)",
      }),
    },
  },
  {
    method: "get",
    path: "/sales/close",
    summary: "Close a store's day: gross, fees, net, refunds, per POS and method, disputes",
    description:
      "The store's day is midnight to midnight in its `time_zone`. Money comes from the sales " +
      "made that day once paid; `reconciliation` says whether Mercado Pago's ledger was " +
      "checked. `Accept: text/csv` (`?delimiter=semicolon` for a decimal comma) and " +
      "`application/pdf` (an 80 mm strip) give the same day.",
    tag: "sales",
    query: {
      schema: CloseQuerySchema,
      descriptions: {
        date: "YYYY-MM-DD: the store's day",
        pos_id: "only that POS's sales",
        locale: "PDF only: es, pt-BR or en (default the store's)",
        delimiter: "CSV only: comma (default) or semicolon",
      },
    },
    responses: {
      200: {
        description: "the day",
        content: {
          "application/json": { schema: CloseSchema, example: CLOSE_EXAMPLE },
          "text/csv": text(),
          "application/pdf": binary(),
        },
      },
      ...errors([400, ...AUTHENTICATED, 409], {
        409: "`conflict`: the day holds sales in more than one currency",
      }),
    },
  },
];
