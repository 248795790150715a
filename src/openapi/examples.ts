/**
 * The document's examples: what a POS sends and what it gets back. Each is checked against its
 * zod schema (the route's own for a request) and against the generated JSON Schema by
 * test/openapi.examples.test.ts, so an example that no longer fits fails there.
 */

const at = "2026-11-28T15:04:05.000Z";

export const CREATE_SALE_EXAMPLE = {
  store_id: "SUC001",
  pos_id: "SUC001POS001",
  external_reference: "ticket-000123",
  items: [
    { title: "Coffee", unit_price: 2.5, quantity: 2 },
    { title: "Croissant", unit_price: 1.8, quantity: 1, sku_number: "BAK-001" },
  ],
};

export const SALE_EXAMPLE = {
  external_reference: "ticket-000123",
  status: "pending",
  order_state: "on_pos",
  merchant_order_status: null,
  merchant_order_id: null,
  store_id: "SUC001",
  pos_id: "SUC001POS001",
  title: "Coffee",
  description: "Coffee",
  total_amount: 6.8,
  paid_amount: 0,
  refunded_amount: 0,
  items: [
    { title: "Coffee", unit_price: 2.5, quantity: 2, unit_measure: "unit", total_amount: 5 },
    {
      title: "Croissant",
      unit_price: 1.8,
      quantity: 1,
      unit_measure: "unit",
      total_amount: 1.8,
      sku_number: "BAK-001",
    },
  ],
  payments: [],
  payment_in_process: false,
  dispute: null,
  mercadopago_api: "instore_v2",
  order_id: null,
  qr_data: null,
  currency: "ARS",
  created_at: at,
  updated_at: at,
  expires_at: "2026-11-28T15:14:05.000Z",
  paid_at: null,
  cancelled_at: null,
};

export const PAID_SALE_EXAMPLE = {
  ...SALE_EXAMPLE,
  status: "paid",
  order_state: "withdrawn",
  merchant_order_status: "closed",
  merchant_order_id: 29891234567,
  paid_amount: 6.8,
  payments: [
    {
      id: 98765432101,
      status: "approved",
      amount: 6.8,
      method: "visa",
      type: "credit_card",
      installments: 1,
      card_last_four: "4242",
      authorization_code: "301457",
      fee_amount: 0.27,
      net_amount: 6.53,
      money_release_date: "2026-12-12T15:05:12.000-03:00",
      status_detail: "accredited",
      refunded_amount: 0,
    },
  ],
  updated_at: "2026-11-28T15:05:12.000Z",
  paid_at: "2026-11-28T15:05:12.000Z",
};

export const REFUNDED_SALE_EXAMPLE = {
  ...PAID_SALE_EXAMPLE,
  status: "refunded",
  refunded_amount: 6.8,
  updated_at: "2026-11-28T16:20:00.000Z",
};

export const VALIDATION_ERROR_EXAMPLE = {
  error: {
    code: "validation_failed",
    message: "store_id: is required; items.0.unit_price: must be greater than 0",
    request_id: "4b7c0e2a-9d1f-4c55-8a63-1f0e2d3c4b5a",
    details: [
      { path: "store_id", message: "is required" },
      { path: "items.0.unit_price", message: "must be greater than 0" },
    ],
  },
};

export const SUMMARY_EXAMPLE = {
  count: 3,
  by_status: {
    pending: { count: 1, amount: 6.8 },
    paid: { count: 1, amount: 12 },
    cancelled: { count: 0, amount: 0 },
    expired: { count: 0, amount: 0 },
    failed: { count: 0, amount: 0 },
    refunded: { count: 1, amount: 4.5 },
  },
  paid_amount: 16.5,
  refunded_amount: 4.5,
};

export const CREATE_STORE_EXAMPLE = {
  external_id: "SUC001",
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
};

export const STORE_EXAMPLE = {
  ...CREATE_STORE_EXAMPLE,
  mercadopago_store_id: "71234567",
  merchant_id: null,
  time_zone: "America/Argentina/Buenos_Aires",
  locale: "es",
  created_at: at,
  updated_at: at,
};

export const UPDATE_STORE_EXAMPLE = { time_zone: "America/Argentina/Cordoba", locale: "es" };

export const CREATE_POS_EXAMPLE = { external_id: "SUC001POS001", name: "Caja 1" };

export const POS_EXAMPLE = {
  external_id: "SUC001POS001",
  store_id: "SUC001",
  name: "Caja 1",
  category: null,
  mercadopago_pos_id: "81234567",
  qr: {
    image_url: "https://www.mercadopago.com/instore/merchant/qr/81234567/abc.png",
    template_document_url: "https://www.mercadopago.com/instore/merchant/qr/81234567/abc.pdf",
    template_image_url: "https://www.mercadopago.com/instore/merchant/qr/81234567/abc-t.png",
  },
  links: {
    qr_png: "/pos/SUC001POS001/qr.png",
    qr_svg: "/pos/SUC001POS001/qr.svg",
    qr_pdf: "/pos/SUC001POS001/qr.pdf",
  },
  created_at: at,
  updated_at: at,
};

export const DISPLAY_INFO_EXAMPLE = {
  pos_id: "SUC001POS001",
  pos_name: "Caja 1",
  store_id: "SUC001",
  store_name: "Sucursal Centro",
  locale: "es",
  time_zone: "America/Argentina/Buenos_Aires",
  currency: "ARS",
};

/** A paid sale's notifications both ways (`?include=events`, full and staff keys). */
export const SALE_NOTIFICATIONS_EXAMPLE = {
  inbound: [
    {
      topic: "merchant_order",
      resource_id: "29891234567",
      first_received_at: "2026-12-07T14:03:12.410Z",
      received_at: "2026-12-07T14:03:19.022Z",
      deliveries: 2,
      signature_valid: null,
      outcome: "paid",
      processed_at: "2026-12-07T14:03:19.230Z",
      error: null,
    },
  ],
  outbound: [
    {
      delivery_id: "7c1b2f6e-8a51-4c39-9a0e-2f4d51b8c0a1",
      endpoint_id: "3f0c9a52-1d7e-4b8a-b7c2-5e9d0a6f4c11",
      endpoint_url: "https://erp.example.com/hooks/pos",
      event_id: "evt_5b0e7f2c9d1a4e8b8f3c6a2d1e0b9c7f",
      event_type: "sale.paid",
      delivery_status: "succeeded",
      at: "2026-12-07T14:03:19.301Z",
      status_code: 204,
      latency_ms: 38,
      error: null,
    },
  ],
};
