// How a simulated payment was made: the method the customer chose (a card, Mercado Pago
// balance, Pix in Brazil) and what Mercado Pago's payment resource says of it — method and type
// ids, installments, the card's last four digits, the authorization code, `fee_details`, the net
// received and when the money is released. Pure: the same payment id gives the same card and code.
//
// The fees and release delays are the simulator's choice (Mercado Pago's depend on the seller's
// plan and country); they are realistic in shape: a percentage per method, cards released later.

import { badRequest } from "./core.ts";
import { PAYMENT_METHODS, type PaymentMethodChoice } from "./merchant-order-types.ts";

export { PAYMENT_METHODS, type PaymentMethodChoice };

interface MethodRule {
  typeId: "account_money" | "credit_card" | "debit_card" | "bank_transfer";
  /** Mercado Pago's processing fee, per mille of the amount */
  feePerMille: number;
  /** extra fee per installment beyond the first, per mille (the seller pays the financing) */
  financingPerMille: number;
  releaseDays: number;
  /** the card's bin (first six digits); null: no card */
  bin: string | null;
  /** only on this site (Pix is Brazil's) */
  site?: string;
}

const RULES: Record<PaymentMethodChoice, MethodRule> = {
  account_money: {
    typeId: "account_money",
    feePerMille: 9.9,
    financingPerMille: 0,
    releaseDays: 0,
    bin: null,
  },
  visa: {
    typeId: "credit_card",
    feePerMille: 49.9,
    financingPerMille: 15,
    releaseDays: 14,
    bin: "450995",
  },
  master: {
    typeId: "credit_card",
    feePerMille: 49.9,
    financingPerMille: 15,
    releaseDays: 14,
    bin: "503175",
  },
  debvisa: {
    typeId: "debit_card",
    feePerMille: 29.9,
    financingPerMille: 0,
    releaseDays: 1,
    bin: "400276",
  },
  pix: {
    typeId: "bank_transfer",
    feePerMille: 9.9,
    financingPerMille: 0,
    releaseDays: 0,
    bin: null,
    site: "MLB",
  },
};

const MAX_INSTALLMENTS = 12;
const DAY_MS = 86_400_000;

/** What a payment keeps of how it was made. */
export interface PaymentMethodRecord {
  methodId: PaymentMethodChoice;
  typeId: MethodRule["typeId"];
  installments: number;
  firstSix: string | null;
  lastFour: string | null;
  /** cards only: the issuer's authorization (set when the payment is approved) */
  authorizationCode: string | null;
  fees: { type: "mercadopago_fee" | "financing_fee"; cents: number }[];
  releaseDays: number;
}

export function isPaymentMethodChoice(v: unknown): v is PaymentMethodChoice {
  return typeof v === "string" && (PAYMENT_METHODS as readonly string[]).includes(v);
}

/** Six digits derived from a payment id (deterministic, looks like an issuer's code). */
function digits(seed: number, length: number): string {
  let x = (seed * 2654435761) % 4294967296;
  let out = "";
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String(x % 10);
  }
  return out;
}

/**
 * How payment `paymentId` of `amountCents` is made with `choice` (default: Mercado Pago balance)
 * on `siteId`. 400 for a method the site does not have or installments on a method without them.
 */
export function paymentMethodFor(
  choice: PaymentMethodChoice | undefined,
  installments: number | undefined,
  paymentId: number,
  amountCents: number,
  siteId: string,
): PaymentMethodRecord {
  const methodId = choice ?? "account_money";
  const rule = RULES[methodId];
  if (rule.site && rule.site !== siteId) {
    throw badRequest(
      "invalid_payment_method",
      `${methodId} is only available on ${rule.site} (this site is ${siteId})`,
    );
  }
  const count = installments ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_INSTALLMENTS) {
    throw badRequest("invalid_installments", `installments must be 1 to ${MAX_INSTALLMENTS}`);
  }
  if (count > 1 && rule.typeId !== "credit_card") {
    throw badRequest("invalid_installments", `${methodId} is paid in one installment`);
  }
  const fees: PaymentMethodRecord["fees"] = [
    { type: "mercadopago_fee", cents: Math.round((amountCents * rule.feePerMille) / 1000) },
  ];
  if (count > 1) {
    fees.push({
      type: "financing_fee",
      cents: Math.round((amountCents * rule.financingPerMille * (count - 1)) / 1000),
    });
  }
  return {
    methodId,
    typeId: rule.typeId,
    installments: count,
    firstSix: rule.bin,
    lastFour: rule.bin ? digits(paymentId, 4) : null,
    authorizationCode: null,
    fees,
    releaseDays: rule.releaseDays,
  };
}

/** A card payment approved: the issuer's authorization code (none for other methods). */
export function authorize(m: PaymentMethodRecord, paymentId: number): void {
  if (m.firstSix && !m.authorizationCode) m.authorizationCode = digits(paymentId + 7, 6);
}

/** The payment resource's fields of how it was made (`GET /v1/payments/{id}`). */
export function paymentMethodView(
  m: PaymentMethodRecord,
  amountCents: number,
  approvedAt: Date | null,
  fmt: (d: Date) => string,
) {
  const feeCents = m.fees.reduce((sum, f) => sum + f.cents, 0);
  return {
    payment_method_id: m.methodId,
    payment_type_id: m.typeId,
    installments: m.installments,
    card: m.firstSix ? { first_six_digits: m.firstSix, last_four_digits: m.lastFour } : {},
    authorization_code: m.authorizationCode,
    fee_details: m.fees.map((f) => ({
      type: f.type,
      amount: f.cents / 100,
      fee_payer: "collector",
    })),
    net_received_amount: (amountCents - feeCents) / 100,
    money_release_date: approvedAt
      ? fmt(new Date(approvedAt.getTime() + m.releaseDays * DAY_MS))
      : null,
  };
}
