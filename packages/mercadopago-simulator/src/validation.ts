// Validation of the Instore Orders v2 PUT body, following the documented 400 error codes
// (see the API reference, §1.1 and §1.2).

import {
  SimulatorError,
  hasAtMostTwoDecimals,
  isRecord,
  toCents,
  wholeUnitProblem,
} from "./util.ts";

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const UNIT_MEASURES = new Set(["unit", "pack"]);

/** External ids for POS: alphanumeric only, fewer than 40 characters. */
export const POS_EXTERNAL_ID = /^[A-Za-z0-9]{1,39}$/;
/** External ids for stores: alphanumeric only, up to 60 characters. */
export const STORE_EXTERNAL_ID = /^[A-Za-z0-9]{1,60}$/;

function bad(code: string, message: string): SimulatorError {
  return new SimulatorError(400, code, message);
}

function requireString(value: unknown, field: string, code: string, maxLength?: number): void {
  if (value === undefined || value === null) throw bad(code, `${field} must be present`);
  if (typeof value !== "string") throw bad(code, `${field} must be string`);
  if (value.trim() === "") throw bad(code, `${field} must be present`);
  if (maxLength !== undefined && value.length > maxLength) {
    throw bad(code, `${field} must have at most ${maxLength} characters`);
  }
}

function optionalString(value: unknown, field: string, code: string, maxLength?: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "string") throw bad(code, `${field} must be string`);
  if (maxLength !== undefined && value.length > maxLength) {
    throw bad(code, `${field} must have at most ${maxLength} characters`);
  }
}

function requireNumber(value: unknown, field: string, code: string): number {
  if (value === undefined || value === null) throw bad(code, `${field} must be present`);
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw bad(code, `${field} must be number`);
  }
  return value;
}

/** Validates the path's collector id: numeric and equal to the simulated seller. */
export function validateCollectorId(userId: string, collectorId: number): void {
  if (!/^\d+$/.test(userId)) {
    throw bad("invalid_collectorId", "user_id must be a number");
  }
  if (Number(userId) !== collectorId) {
    throw bad("invalid_collectorId", "user_id does not match the access token's collector");
  }
}

export function validatePosExternalId(posId: string): void {
  if (!POS_EXTERNAL_ID.test(posId)) {
    throw bad("invalid_externalPosId", "external_pos_id must be alphanumeric (max 39 characters)");
  }
}

/** A validated instore order, with the few values the simulator needs pre-computed. */
export interface ValidatedOrder {
  body: Record<string, unknown>;
  externalReference: string;
  totalCents: number;
  expiresAt: Date | null;
  notificationUrl: string | null;
}

/**
 * Validates a PUT body. Throws a SimulatorError (400) carrying the documented error code of the
 * first problem found.
 */
export function validateInstoreOrder(
  raw: unknown,
  ctx: { collectorId: number; now: Date; currencyId?: string },
): ValidatedOrder {
  const currency = ctx.currencyId ?? "ARS";
  const whole = (amount: number, code: string) => {
    const why = wholeUnitProblem(toCents(amount), currency);
    if (why) throw bad(code, why);
  };
  const body = isRecord(raw) ? raw : {};

  requireString(
    body["external_reference"],
    "external_reference",
    "invalid_external_reference",
    256,
  );
  requireString(body["title"], "title", "invalid_title", 256);
  // The reference lists `description` as optional but also documents `invalid_description:
  // description must be present`. We only check its type, so both readings of the docs pass.
  optionalString(body["description"], "description", "invalid_description", 256);
  // `notification_url` is only type-checked: the official samples use values without a scheme
  // ("www.yourserver.com"). Notifications to a URL that cannot be parsed are skipped and logged.
  optionalString(body["notification_url"], "notification_url", "invalid_notification_url", 500);

  const total = requireNumber(body["total_amount"], "total_amount", "invalid_total_amount");
  if (total <= 0) throw bad("invalid_total_amount", "total_amount must be positive");
  if (!hasAtMostTwoDecimals(total)) {
    throw bad("invalid_total_amount", "total_amount must have a maximum of 2 decimals");
  }
  whole(total, "invalid_total_amount");

  const sponsor = body["sponsor"];
  if (sponsor !== undefined && sponsor !== null) {
    if (!isRecord(sponsor) || sponsor["id"] === undefined || sponsor["id"] === null) {
      throw bad("invalid_id", "sponsor.id must be present");
    }
    const id = sponsor["id"];
    if (typeof id !== "number" || !Number.isInteger(id)) {
      throw bad("invalid_sponsor.id", "sponsor.id must be number");
    }
    if (id === ctx.collectorId) {
      throw bad("invalid_sponsor.id", "sponsor.id must be different from the collector id");
    }
  }

  const cashOut = body["cash_out"];
  const hasCashOut = cashOut !== undefined && cashOut !== null;
  if (hasCashOut) {
    if (!isRecord(cashOut)) throw bad("invalid_cash_out.amount", "cash_out.amount must be present");
    const amount = requireNumber(cashOut["amount"], "cash_out.amount", "invalid_cash_out.amount");
    if (amount < 0 || !hasAtMostTwoDecimals(amount)) {
      throw bad("invalid_cash_out.amount", "cash_out.amount must be a positive amount");
    }
  }

  const items = body["items"];
  if (items !== undefined && items !== null && !Array.isArray(items)) {
    throw bad("invalid_items", "items must be an array");
  }
  const itemList: unknown[] = Array.isArray(items) ? items : [];
  if (itemList.length === 0 && !hasCashOut) {
    throw bad("error_creating_seller_qr_order", "The cash out is required when order has no items");
  }

  let itemsCents = 0;
  for (const item of itemList) {
    if (!isRecord(item)) throw bad("invalid_items", "items must be objects");
    optionalString(item["sku_number"], "items.sku_number", "invalid_items.sku_number");
    optionalString(item["category"], "items.category", "invalid_items.category");
    requireString(item["title"], "items.title", "invalid_items.title");
    optionalString(item["description"], "items.description", "invalid_items.description");
    optionalString(item["currency_id"], "items.currency_id", "invalid_items.currency_id");

    const unitPrice = requireNumber(
      item["unit_price"],
      "items.unit_price",
      "invalid_items.unit_price",
    );
    if (unitPrice <= 0) throw bad("invalid_items.unit_price", "items.unit_price must be positive");
    if (!hasAtMostTwoDecimals(unitPrice)) {
      throw bad("invalid_items.unit_price", "items.unit_price must have a maximum of 2 decimals");
    }
    whole(unitPrice, "invalid_items.unit_price");

    const quantity = requireNumber(item["quantity"], "items.quantity", "invalid_items.quantity");
    if (!Number.isInteger(quantity) || quantity <= 0) {
      throw bad("invalid_items.quantity", "items.quantity must be a positive integer");
    }

    const unitMeasure = item["unit_measure"];
    requireString(unitMeasure, "items.unit_measure", "invalid_items.unit_measure");
    if (typeof unitMeasure === "string" && !UNIT_MEASURES.has(unitMeasure)) {
      throw bad("invalid_items.unit_measure", "items.unit_measure must be one of: unit, pack");
    }

    const itemTotal = requireNumber(
      item["total_amount"],
      "items.total_amount",
      "invalid_items.total_amount",
    );
    if (itemTotal <= 0 || !hasAtMostTwoDecimals(itemTotal)) {
      throw bad("invalid_items.total_amount", "items.total_amount must be a positive amount");
    }

    // Not a documented rule: Mercado Pago does not say whether it checks these equalities (every
    // official sample satisfies them). The simulator behaves like a strict server and rejects
    // inconsistent amounts, compared in integer cents, so such bugs surface in tests.
    if (toCents(unitPrice) * quantity !== toCents(itemTotal)) {
      throw bad(
        "invalid_total_amount",
        "items.total_amount must equal items.unit_price multiplied by items.quantity",
      );
    }
    itemsCents += toCents(itemTotal);
  }
  if (itemList.length > 0 && itemsCents !== toCents(total)) {
    throw bad("invalid_total_amount", "total_amount must equal the sum of items.total_amount");
  }

  let expiresAt: Date | null = null;
  const expiration = body["expiration_date"];
  if (expiration !== undefined && expiration !== null) {
    const message = "Expiration date must be a valid and future date.";
    if (typeof expiration !== "string" || !ISO_WITH_OFFSET.test(expiration)) {
      throw bad("invalid_expiration_date", message);
    }
    const ms = Date.parse(expiration);
    if (Number.isNaN(ms) || ms <= ctx.now.getTime()) throw bad("invalid_expiration_date", message);
    expiresAt = new Date(ms);
  }

  const notificationUrl = body["notification_url"];
  return {
    body: structuredClone(body),
    externalReference: body["external_reference"] as string,
    totalCents: toCents(total),
    expiresAt,
    notificationUrl: typeof notificationUrl === "string" ? notificationUrl : null,
  };
}
