// Validation of Mercado Pago Orders API requests for QR (`POST /v1/orders`, refund bodies), after
// the QR "Create order" reference: field list, limits and error codes (reference doc §1.2, §1.6,
// §2.3). Codes the QR reference does not list for a case are the generic Orders API ones.

import { SimulatorError, isRecord, ordersError } from "./util.ts";

export type QrMode = "static" | "dynamic" | "hybrid";

export interface ValidOrderItem {
  title: string;
  unitPriceCents: number;
  quantity: number;
  unitMeasure: string | null;
  externalCode: string | null;
}

export interface ValidOrderCreate {
  /** The request body, as sent (echoed back in the order). */
  body: Record<string, unknown>;
  externalReference: string;
  description: string | null;
  totalCents: number;
  /** `expiration_time` as sent, or `PT15M` when absent (the documented default). */
  expirationTime: string;
  expirationMs: number;
  posExternalId: string;
  mode: QrMode;
  items: ValidOrderItem[];
  sponsorId: string | null;
}

export const DEFAULT_EXPIRATION = "PT15M";
const MIN_EXPIRATION_MS = 30_000;
const MAX_EXPIRATION_MS = 3600 * 3_600_000;
/** "two decimal places or none" (current reference wording). */
const AMOUNT = /^\d{1,12}(\.\d{2})?$/;
const EXTERNAL_REFERENCE = /^[A-Za-z0-9_-]{1,64}$/;
const MODES: readonly string[] = ["static", "dynamic", "hybrid"];
const DISCOUNT_TYPES: readonly string[] = [
  "debit_card",
  "credit_card",
  "account_money",
  "prepaid_card",
];

function unsupported(paths: string[]): SimulatorError {
  return ordersError(
    400,
    "unsupported_properties",
    `The following properties are not supported: ${paths.join(", ")}`,
    paths,
  );
}

function required(path: string): SimulatorError {
  return ordersError(400, "required_properties", `The property ${path} is required`, [path]);
}

function propertyType(path: string, type: string): SimulatorError {
  return ordersError(400, "property_type", `The property ${path} must be of type ${type}`, [path]);
}

function propertyValue(path: string, why: string): SimulatorError {
  return ordersError(400, "property_value", `The property ${path} ${why}`, [path]);
}

/** Rejects keys outside `allowed` (400 `unsupported_properties`, every offending path listed). */
function onlyKnown(value: Record<string, unknown>, allowed: readonly string[], at = ""): void {
  const extra = Object.keys(value)
    .filter((k) => !allowed.includes(k))
    .map((k) => (at ? `${at}.${k}` : k));
  if (extra.length > 0) throw unsupported(extra);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw propertyType(path, "object");
  return value;
}

function optionalString(value: unknown, path: string, max: number): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string") throw propertyType(path, "string");
  if (value.length > max) throw propertyValue(path, `must have at most ${max} characters`);
  return value;
}

/**
 * An amount sent as a string ("50.00" or "50"). A number is a `property_type` error: the Orders
 * API takes money as strings only.
 */
export function parseAmount(value: unknown, path: string): number {
  if (typeof value !== "string") throw propertyType(path, "string");
  if (!AMOUNT.test(value)) {
    throw propertyValue(path, "must be a decimal number with two decimal places or none");
  }
  const cents = Math.round(Number(value) * 100);
  if (cents <= 0) throw propertyValue(path, "must be greater than zero");
  return cents;
}

/** ISO-8601 duration (`PT15M`, `P1DT2H`) in milliseconds; null when not a duration. */
export function parseIsoDuration(value: string): number | null {
  const m =
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      value,
    );
  if (!m || value === "P" || value.endsWith("T")) return null;
  const n = (i: number): number => Number(m[i] ?? 0);
  // Years and months have no fixed length; 365 and 30 days are taken.
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
  return Math.round(((days * 24 + n(5)) * 60 + n(6)) * 60_000 + n(7) * 1000);
}

function validateItems(raw: unknown): { items: ValidOrderItem[]; withCategories: boolean } {
  if (raw === undefined) return { items: [], withCategories: false };
  if (!Array.isArray(raw)) throw propertyType("items", "array");
  if (raw.length > 10) {
    throw ordersError(400, "maximum_items", "items must have at most 10 elements", ["items"]);
  }
  let withCategories = false;
  const items = raw.map((value: unknown, i) => {
    const at = `items[${i}]`;
    const item = record(value, at);
    onlyKnown(
      item,
      ["title", "unit_price", "quantity", "unit_measure", "external_code", "external_categories"],
      at,
    );
    if (item["title"] === undefined) throw required(`${at}.title`);
    if (item["unit_price"] === undefined) throw required(`${at}.unit_price`);
    if (item["quantity"] === undefined) throw required(`${at}.quantity`);
    const title = optionalString(item["title"], `${at}.title`, 150) ?? "";
    const unitPriceCents = parseAmount(item["unit_price"], `${at}.unit_price`);
    const quantity = item["quantity"];
    if (typeof quantity !== "number") throw propertyType(`${at}.quantity`, "integer");
    if (!Number.isInteger(quantity) || quantity < 1) {
      throw propertyValue(`${at}.quantity`, "must be a positive integer");
    }
    const unitMeasure = optionalString(item["unit_measure"], `${at}.unit_measure`, 10);
    const externalCode = optionalString(item["external_code"], `${at}.external_code`, 30);
    const categories = item["external_categories"];
    if (categories !== undefined) {
      if (!Array.isArray(categories)) throw propertyType(`${at}.external_categories`, "array");
      if (categories.length > 10) {
        throw ordersError(400, "maximum_items", `${at}.external_categories has more than 10`, [
          `${at}.external_categories`,
        ]);
      }
      categories.forEach((c: unknown, j) => {
        const cat = record(c, `${at}.external_categories[${j}]`);
        onlyKnown(cat, ["id"], `${at}.external_categories[${j}]`);
        if (typeof cat["id"] !== "string") {
          throw propertyType(`${at}.external_categories[${j}].id`, "string");
        }
      });
      withCategories = true;
    }
    return { title, unitPriceCents, quantity, unitMeasure, externalCode };
  });
  return { items, withCategories };
}

function validateDiscounts(raw: unknown): void {
  if (raw === undefined) return;
  const discounts = record(raw, "discounts");
  onlyKnown(discounts, ["payment_methods"], "discounts");
  const methods = discounts["payment_methods"];
  if (methods === undefined) return;
  if (!Array.isArray(methods)) throw propertyType("discounts.payment_methods", "array");
  if (methods.length > 4) {
    throw ordersError(400, "maximum_items", "discounts.payment_methods has more than 4", [
      "discounts.payment_methods",
    ]);
  }
  methods.forEach((m: unknown, i) => {
    const at = `discounts.payment_methods[${i}]`;
    const method = record(m, at);
    onlyKnown(method, ["type", "new_total_amount"], at);
    if (typeof method["type"] !== "string") throw propertyType(`${at}.type`, "string");
    if (!DISCOUNT_TYPES.includes(method["type"])) {
      throw propertyValue(`${at}.type`, `must be one of ${DISCOUNT_TYPES.join(", ")}`);
    }
    parseAmount(method["new_total_amount"], `${at}.new_total_amount`);
  });
}

function validateIntegrationData(raw: unknown): string | null {
  if (raw === undefined) return null;
  const data = record(raw, "integration_data");
  onlyKnown(data, ["platform_id", "integrator_id", "sponsor"], "integration_data");
  optionalString(data["platform_id"], "integration_data.platform_id", 100);
  optionalString(data["integrator_id"], "integration_data.integrator_id", 100);
  const sponsor = data["sponsor"];
  if (sponsor === undefined) return null;
  const s = record(sponsor, "integration_data.sponsor");
  onlyKnown(s, ["id"], "integration_data.sponsor");
  const id = s["id"];
  // A Mercado Pago user id, as a string (v2 took a number).
  if (typeof id !== "string" || !/^\d{1,20}$/.test(id)) {
    throw ordersError(400, "sponsor_id_not_valid", "integration_data.sponsor.id is not valid", [
      "integration_data.sponsor.id",
    ]);
  }
  return id;
}

/** Validates a QR `POST /v1/orders` body (not the POS: the caller looks it up). */
export function validateOrderCreate(raw: unknown): ValidOrderCreate {
  if (!isRecord(raw)) throw ordersError(400, "bad_request", "The body must be a JSON object");
  onlyKnown(raw, [
    "type",
    "external_reference",
    "total_amount",
    "description",
    "expiration_time",
    "config",
    "transactions",
    "items",
    "discounts",
    "integration_data",
    "marketplace_fee",
  ]);
  for (const key of ["type", "external_reference", "config", "transactions"]) {
    if (raw[key] === undefined) throw required(key);
  }
  if (typeof raw["type"] !== "string") throw propertyType("type", "string");
  if (raw["type"] !== "qr") throw propertyValue("type", "must be qr");

  const ref = raw["external_reference"];
  if (typeof ref !== "string") throw propertyType("external_reference", "string");
  if (!EXTERNAL_REFERENCE.test(ref)) {
    throw propertyValue("external_reference", "must be 1-64 characters of [A-Za-z0-9_-]");
  }
  const description = optionalString(raw["description"], "description", 150);

  const config = record(raw["config"], "config");
  onlyKnown(config, ["qr"], "config");
  if (config["qr"] === undefined) throw required("config.qr");
  const qr = record(config["qr"], "config.qr");
  onlyKnown(qr, ["external_pos_id", "mode"], "config.qr");
  const posId = qr["external_pos_id"];
  if (posId === undefined) throw required("config.qr.external_pos_id");
  if (typeof posId !== "string") throw propertyType("config.qr.external_pos_id", "string");
  const modeRaw = qr["mode"] ?? "static";
  if (typeof modeRaw !== "string") throw propertyType("config.qr.mode", "string");
  if (!MODES.includes(modeRaw))
    throw propertyValue("config.qr.mode", "must be static, dynamic or hybrid");

  const transactions = record(raw["transactions"], "transactions");
  onlyKnown(transactions, ["payments"], "transactions");
  const paymentsRaw = transactions["payments"];
  if (paymentsRaw === undefined) throw required("transactions.payments");
  if (!Array.isArray(paymentsRaw)) throw propertyType("transactions.payments", "array");
  if (paymentsRaw.length < 1) {
    throw ordersError(400, "minimum_items", "transactions.payments needs one payment", [
      "transactions.payments",
    ]);
  }
  if (paymentsRaw.length > 1) {
    throw ordersError(400, "maximum_items", "transactions.payments takes one payment", [
      "transactions.payments",
    ]);
  }
  const payment = record(paymentsRaw[0], "transactions.payments[0]");
  onlyKnown(payment, ["amount"], "transactions.payments[0]");
  if (payment["amount"] === undefined) throw required("transactions.payments[0].amount");
  const amountCents = parseAmount(payment["amount"], "transactions.payments[0].amount");

  if (raw["total_amount"] !== undefined) {
    const total = parseAmount(raw["total_amount"], "total_amount");
    // Choice: the total must be the sum of the transactions (one payment here); whether Mercado
    // Pago checks it for QR is not documented.
    if (total !== amountCents) {
      throw propertyValue("total_amount", "must equal the sum of transactions.payments amounts");
    }
  }

  let expirationTime = DEFAULT_EXPIRATION;
  if (raw["expiration_time"] !== undefined) {
    const e = raw["expiration_time"];
    if (typeof e !== "string") throw propertyType("expiration_time", "string");
    expirationTime = e;
  }
  const expirationMs = parseIsoDuration(expirationTime);
  if (expirationMs === null) {
    throw propertyValue("expiration_time", "must be an ISO-8601 duration such as PT15M");
  }
  if (expirationMs < MIN_EXPIRATION_MS || expirationMs > MAX_EXPIRATION_MS) {
    throw propertyValue("expiration_time", "must be between PT30S and PT3600H");
  }

  const { items, withCategories } = validateItems(raw["items"]);
  if (raw["discounts"] !== undefined && withCategories) {
    throw ordersError(
      400,
      "bad_request",
      "discounts cannot be combined with items[].external_categories",
      ["discounts"],
    );
  }
  validateDiscounts(raw["discounts"]);
  const sponsorId = validateIntegrationData(raw["integration_data"]);
  if (raw["marketplace_fee"] !== undefined) {
    // The simulated token is a seller's own token, not an OAuth (marketplace) one.
    throw ordersError(400, "marketplace_not_valid", "marketplace_fee needs an OAuth integration", [
      "marketplace_fee",
    ]);
  }

  return {
    body: structuredClone(raw),
    externalReference: ref,
    description,
    totalCents: amountCents,
    expirationTime,
    expirationMs,
    posExternalId: posId,
    mode: modeRaw as QrMode,
    items,
    sponsorId,
  };
}

/** A partial refund body: `{transactions: [{id, amount}]}`; null = total refund (no body). */
export function validateRefundBody(raw: unknown): { id: string; amountCents: number }[] | null {
  if (raw === undefined || raw === null) return null;
  if (!isRecord(raw)) throw ordersError(400, "bad_request", "The body must be a JSON object");
  if (Object.keys(raw).length === 0) return null;
  onlyKnown(raw, ["transactions"]);
  const list = raw["transactions"];
  if (!Array.isArray(list)) throw propertyType("transactions", "array");
  if (list.length === 0) {
    throw ordersError(400, "minimum_items", "transactions needs at least one element", [
      "transactions",
    ]);
  }
  return list.map((value: unknown, i) => {
    const at = `transactions[${i}]`;
    const t = record(value, at);
    onlyKnown(t, ["id", "amount"], at);
    if (t["id"] === undefined) throw required(`${at}.id`);
    if (typeof t["id"] !== "string") throw propertyType(`${at}.id`, "string");
    if (t["amount"] === undefined) throw required(`${at}.amount`);
    return { id: t["id"], amountCents: parseAmount(t["amount"], `${at}.amount`) };
  });
}
