/**
 * The sales CSV's columns as the contract fixes them, written out here rather than imported from
 * src/ so a renamed or moved column fails the tests that use it. Clients read the older ones by
 * position: new columns only ever come after them.
 */
export const SALES_CSV_COLUMNS_V1_1 = [
  "external_reference",
  "status",
  "order_state",
  "store_id",
  "pos_id",
  "title",
  "description",
  "item_count",
  "total_amount",
  "paid_amount",
  "refunded_amount",
  "merchant_order_id",
  "merchant_order_status",
  "created_at",
  "updated_at",
  "paid_at",
  "cancelled_at",
  "refund_processing_amount",
] as const;

/** v1.2: the payment's details and its dispute, after every older column. */
export const SALES_CSV_COLUMNS_V1_2 = [
  "payment_method",
  "payment_type",
  "installments",
  "card_last_four",
  "authorization_code",
  "fee_amount",
  "net_amount",
  "money_release_date",
  "payment_status_detail",
  "payment_in_process",
  "dispute_status",
  "dispute_amount",
  "dispute_opened_at",
] as const;
