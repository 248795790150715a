import { z } from "zod";

/**
 * Tolerant parsers for the Orders API's answers (reference/mercadopago-orders-api.md §1.5, §2):
 * money comes as decimal strings ("50.00"), numbers are accepted too, unknown fields pass, lists
 * may be missing. Only the fields the service decides on are required.
 */
const decimal = z
  .union([
    z.number().finite(),
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .nullish()
  .transform((v) => v ?? 0);

const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v)));

export const OrderPaymentSchema = z.looseObject({
  id: z.string().min(1),
  amount: decimal,
  /** set once paid (NOTIF example); absent before */
  paid_amount: decimal,
  status: z.string(),
  status_detail: z.string().nullish(),
});

export const OrderRefundSchema = z.looseObject({
  id: optionalText,
  /** the payment (PAY…) it gives money back from */
  transaction_id: optionalText,
  amount: decimal,
  /** processing → processed */
  status: z.string().nullish(),
});

/**
 * A chargeback as an order lists it (`transactions.chargebacks[]`). UNCONFIRMED: the QR
 * references show no example; the names follow the order's refunds (`transaction_id`, `amount`,
 * `status`) and Mercado Pago's dates, and every one may be missing.
 */
export const OrderChargebackSchema = z.looseObject({
  id: optionalText,
  transaction_id: optionalText,
  amount: decimal,
  status: z.string().nullish(),
  created_date: z.string().nullish(),
  date_created: z.string().nullish(),
});

export const OrderSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().nullish(),
  external_reference: optionalText,
  status: z.string(),
  status_detail: z.string().nullish(),
  total_amount: decimal,
  last_updated_date: z.string().nullish(),
  config: z
    .looseObject({
      qr: z.looseObject({ external_pos_id: optionalText, mode: z.string().nullish() }).nullish(),
    })
    .nullish(),
  transactions: z
    .looseObject({
      payments: z
        .array(OrderPaymentSchema)
        .nullish()
        .transform((v) => v ?? []),
      refunds: z
        .array(OrderRefundSchema)
        .nullish()
        .transform((v) => v ?? []),
      chargebacks: z
        .array(OrderChargebackSchema)
        .nullish()
        .catch(null)
        .transform((v) => v ?? []),
    })
    .nullish()
    .transform((v) => v ?? { payments: [], refunds: [], chargebacks: [] }),
  /** dynamic and hybrid modes: the text of the order's own QR */
  type_response: z.looseObject({ qr_data: z.string().nullish() }).nullish(),
});
export type Order = z.infer<typeof OrderSchema>;

/** `POST /v1/orders` body for a QR order (§1.2, §1.4); every amount a string with two decimals. */
export interface OrderBody {
  type: "qr";
  external_reference: string;
  description: string;
  total_amount: string;
  expiration_time: string;
  config: { qr: { external_pos_id: string; mode: QrMode } };
  transactions: { payments: [{ amount: string }] };
  items: {
    title: string;
    unit_price: string;
    quantity: number;
    unit_measure: string;
    external_code?: string;
    external_categories?: { id: string }[];
  }[];
  integration_data?: { sponsor: { id: string } };
  /** the platform's share (OAuth integrations only; else 400 marketplace_not_valid) */
  marketplace_fee?: string;
}

/** `POST /v1/orders/{id}/refund` body for a partial refund (§2.3); none for a total one. */
export interface OrderRefundBody {
  transactions: { id: string; amount: string }[];
}

export const QR_MODES = ["static", "hybrid", "dynamic"] as const;
export type QrMode = (typeof QR_MODES)[number];
