import type { Operation } from "../define.ts";
import { CLOSEOUT_OPERATIONS } from "./closeout.ts";
import { LIVE_OPERATIONS } from "./live.ts";
import { MERCHANT_OPERATIONS } from "./merchants.ts";
import { NOTIFICATION_OPERATIONS } from "./notifications.ts";
import { RECONCILIATION_OPERATIONS } from "./reconciliation.ts";
import { SERVICE_OPERATIONS } from "./operations.ts";
import { REFUND_OPERATIONS } from "./refunds.ts";
import { SALE_OPERATIONS } from "./sales.ts";
import { STORE_OPERATIONS } from "./stores.ts";
import { WEBHOOK_OUT_OPERATIONS } from "./webhooks-out.ts";

/** Every operation of the API, by feature: what the OpenAPI document is generated from. */
export const OPERATIONS: readonly Operation[] = [
  ...SERVICE_OPERATIONS,
  ...NOTIFICATION_OPERATIONS,
  ...SALE_OPERATIONS,
  ...CLOSEOUT_OPERATIONS,
  ...RECONCILIATION_OPERATIONS,
  ...REFUND_OPERATIONS,
  ...LIVE_OPERATIONS,
  ...STORE_OPERATIONS,
  ...MERCHANT_OPERATIONS,
  ...WEBHOOK_OUT_OPERATIONS,
];
