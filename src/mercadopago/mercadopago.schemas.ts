import { z } from "zod";

/**
 * Tolerant parsers for what Mercado Pago answers: unknown fields pass, numbers may come as
 * strings, lists may be null. Only the fields the service decides on are required.
 */
const numeric = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

const optionalNumber = numeric.nullish().transform((v) => v ?? 0);

const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v)));

export const MerchantOrderPaymentSchema = z.looseObject({
  id: numeric,
  transaction_amount: optionalNumber,
  status: z.string(),
  status_detail: z.string().nullish(),
  date_approved: z.string().nullish(),
  amount_refunded: optionalNumber,
});

export const MerchantOrderSchema = z.looseObject({
  id: numeric,
  status: z.string(),
  order_status: z.string().nullish(),
  external_reference: optionalText,
  total_amount: optionalNumber,
  paid_amount: optionalNumber,
  refunded_amount: optionalNumber,
  cancelled: z.boolean().nullish(),
  last_updated: z.string().nullish(),
  payments: z
    .array(MerchantOrderPaymentSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type MerchantOrder = z.infer<typeof MerchantOrderSchema>;
export type MerchantOrderPayment = z.infer<typeof MerchantOrderPaymentSchema>;

export const MerchantOrderSearchSchema = z.looseObject({
  elements: z
    .array(MerchantOrderSchema)
    .nullish()
    .transform((v) => v ?? []),
});

export const PaymentSchema = z.looseObject({
  id: numeric,
  status: z.string().nullish(),
  external_reference: optionalText,
  order: z.looseObject({ id: numeric.nullish() }).nullish(),
});
export type Payment = z.infer<typeof PaymentSchema>;

/**
 * A chargeback (`GET /v1/chargebacks/{id}`): the payments it is on, its amount and dates, and
 * how its documentation stands (pending, review_pending, valid, invalid, not_supplied,
 * not_applicable). Only the payments are required: they lead to the sale.
 */
export const ChargebackSchema = z.looseObject({
  id: optionalText,
  payments: z
    .array(numeric)
    .nullish()
    .transform((v) => v ?? []),
  amount: optionalNumber,
  documentation_status: z.string().nullish().catch(null),
  coverage_applied: z.boolean().nullish().catch(null),
  date_created: z.string().nullish().catch(null),
});
export type Chargeback = z.infer<typeof ChargebackSchema>;

/**
 * A refund of a payment (`POST /v1/payments/{id}/refunds` answers one, `GET` answers a list).
 * Its `status` is `approved` when made; `in_process`/`pending` are documented for some payment
 * methods, `rejected`/`cancelled` when it did not go through.
 */
export const RefundSchema = z.looseObject({
  id: numeric,
  payment_id: numeric.nullish(),
  amount: optionalNumber,
  status: z.string().nullish(),
  date_created: z.string().nullish(),
});
export type Refund = z.infer<typeof RefundSchema>;
export const RefundListSchema = z
  .array(RefundSchema)
  .nullish()
  .transform((v) => v ?? []);

const InstoreOrderSchema = z.looseObject({ external_reference: optionalText });
/** GET of the POS's current order: documented as an object, rendered in one place as [object]. */
export const PosOrderSchema = z
  .union([InstoreOrderSchema, z.array(InstoreOrderSchema)])
  .transform((v) => (Array.isArray(v) ? (v[0] ?? null) : v));
export type PosOrder = z.infer<typeof InstoreOrderSchema>;

/** Mercado Pago's error body: `{message, error, status, cause|causes}` (parsed defensively). */
export const MercadoPagoErrorBodySchema = z.looseObject({
  error: z.string().nullish(),
  message: z.string().nullish(),
  errors: z
    .array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }))
    .nullish()
    .catch(null),
});

/** The instore orders v2 PUT body (reference/mercadopago-api.md §1.1). */
export interface InstoreOrderBody {
  external_reference: string;
  title: string;
  description: string;
  notification_url: string;
  expiration_date: string;
  total_amount: number;
  items: {
    sku_number?: string;
    category?: string;
    title: string;
    description?: string;
    unit_price: number;
    quantity: number;
    unit_measure: string;
    total_amount: number;
  }[];
  taxes?: { type: string; value: number }[];
  sponsor?: { id: number };
}

const idText = z.union([z.string().min(1), z.number()]).transform(String);

/** A store as `POST /users/{id}/stores` and the store search answer it (§6.1). */
export const MpStoreSchema = z.looseObject({
  id: idText,
  external_id: optionalText,
  name: z.string().nullish(),
});
export type MpStore = z.infer<typeof MpStoreSchema>;

export const MpStoreSearchSchema = z.looseObject({
  results: z
    .array(MpStoreSchema)
    .nullish()
    .transform((v) => v ?? []),
});

const optionalUrl = z
  .string()
  .nullish()
  .transform((v) => (v ? v : null));

/** A POS as `POST /pos` and `GET /pos?external_id=` answer it (§6.2); `qr` holds its printable links. */
export const MpPosSchema = z.looseObject({
  id: numeric,
  external_id: optionalText,
  external_store_id: optionalText,
  store_id: optionalText,
  name: z.string().nullish(),
  qr: z
    .looseObject({
      image: optionalUrl,
      template_document: optionalUrl,
      template_image: optionalUrl,
    })
    .nullish()
    .transform((v) => v ?? { image: null, template_document: null, template_image: null }),
});
export type MpPos = z.infer<typeof MpPosSchema>;

export const MpPosSearchSchema = z.looseObject({
  results: z
    .array(MpPosSchema)
    .nullish()
    .transform((v) => v ?? []),
});

/** `POST /users/{user_id}/stores` body (§6.1). */
export interface MpStoreBody {
  external_id: string;
  name: string;
  location: {
    street_number: string;
    street_name: string;
    city_name: string;
    state_name: string;
    latitude: number;
    longitude: number;
    reference?: string;
  };
}

/** `POST /pos` body (§6.2): the attended model needs `fixed_amount: true`. */
export interface MpPosBody {
  external_id: string;
  external_store_id: string;
  store_id?: number;
  name: string;
  fixed_amount: true;
  category?: number;
}

/** `GET /users/me`: whose token this is. */
export const UserSchema = z.looseObject({
  id: numeric,
  nickname: z.string().nullish(),
  site_id: z.string().nullish(),
});
export type MercadoPagoUser = z.infer<typeof UserSchema>;

/** One payment of `GET /v1/payments/search`: what the reconciliation of a day reads of it. */
export const PaymentSearchResultSchema = z.looseObject({
  id: numeric,
  status: z.string().nullish(),
  external_reference: optionalText,
  transaction_amount: optionalNumber,
  transaction_amount_refunded: optionalNumber,
  date_created: z.string().nullish(),
});
export type PaymentSearchResult = z.infer<typeof PaymentSearchResultSchema>;

/** A page of `GET /v1/payments/search`: `{ paging: { total, limit, offset }, results }`. */
export const PaymentSearchSchema = z.looseObject({
  paging: z.looseObject({
    total: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative().nullish(),
    offset: z.number().int().nonnegative().nullish(),
  }),
  results: z
    .array(PaymentSearchResultSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type PaymentSearchPage = z.infer<typeof PaymentSearchSchema>;
