import { describe, expect, it } from "vitest";
import {
  completeMerchantOrderDetails,
  DETAIL_READS_PER_ORDER,
} from "../../src/mercadopago/instore-v2/instore.upstream.ts";
import {
  sameResource,
  withChargeback,
  withPaymentRead,
} from "../../src/mercadopago/instore-v2/chargeback.ts";
import { observeMerchantOrder } from "../../src/mercadopago/instore-v2/merchant-order.ts";
import {
  ChargebackSchema,
  MerchantOrderSchema,
  PaymentSchema,
} from "../../src/mercadopago/mercadopago.schemas.ts";
import {
  detailsOfOrderPayment,
  detailsOfPayment,
  feeOf,
  keepDetails,
} from "../../src/mercadopago/payment-details.ts";
import { NO_PAYMENT_DETAILS, type ObservedPayment } from "../../src/mercadopago/upstream.ts";

// A card payment as GET /v1/payments/{id} answers it (the fields the details come from).
const CARD_PAYMENT = {
  id: 1234567890,
  status: "approved",
  status_detail: "accredited",
  transaction_amount: 100,
  payment_method_id: "visa",
  payment_type_id: "credit_card",
  installments: 3,
  card: { last_four_digits: "4242", first_six_digits: "450995" },
  authorization_code: "301457",
  fee_details: [
    { type: "mercadopago_fee", amount: 3.99, fee_payer: "collector" },
    { type: "financing_fee", amount: 1.2, fee_payer: "collector" },
  ],
  transaction_details: { net_received_amount: 94.81, total_paid_amount: 100 },
  money_release_date: "2026-12-21T10:00:00.000-03:00",
  date_approved: "2026-12-07T10:00:00.000-03:00",
};

describe("payment details from a payment", () => {
  it("maps each contract field from its Mercado Pago field", () => {
    expect(detailsOfPayment(CARD_PAYMENT)).toEqual({
      method: "visa",
      type: "credit_card",
      installments: 3,
      cardLastFour: "4242",
      authorizationCode: "301457",
      fee: 5.19,
      net: 94.81,
      moneyReleaseDate: "2026-12-21T10:00:00.000-03:00",
      statusDetail: "accredited",
      dateApproved: "2026-12-07T10:00:00.000-03:00",
    });
  });

  it("account money: no card, no authorization; an empty fee list is no fee", () => {
    const d = detailsOfPayment({
      payment_method_id: "account_money",
      payment_type_id: "account_money",
      installments: 1,
      card: {},
      fee_details: [],
      transaction_details: { net_received_amount: 50 },
    });
    expect(d).toMatchObject({ method: "account_money", cardLastFour: null, fee: 0, net: 50 });
    expect(d.authorizationCode).toBeNull();
  });

  it("is tolerant: wrong kinds and missing fields are null, never an error", () => {
    expect(detailsOfPayment(null)).toEqual(NO_PAYMENT_DETAILS);
    expect(
      detailsOfPayment({
        payment_method_id: 7,
        installments: -1,
        card: { last_four_digits: "12ab" },
        fee_details: "x",
        transaction_details: { net_received_amount: "94.81" },
      }),
    ).toMatchObject({ method: "7", installments: null, cardLastFour: null, fee: null, net: 94.81 });
    expect(feeOf([{ amount: 0.1 }, { amount: 0.2 }])).toBe(0.3);
  });

  it("an Orders API payment transaction gives the method and its type, the rest is null", () => {
    expect(
      detailsOfOrderPayment({
        id: "PAY01",
        status: "processed",
        status_detail: "accredited",
        payment_method: { id: "master", type: "credit_card", installments: 6 },
      }),
    ).toEqual({
      ...NO_PAYMENT_DETAILS,
      method: "master",
      type: "credit_card",
      installments: 6,
      statusDetail: "accredited",
    });
  });

  it("a newer read without details keeps those known; a newer value wins", () => {
    const known: ObservedPayment[] = [
      { id: 1, status: "approved", amount: 5, details: detailsOfPayment(CARD_PAYMENT) },
    ];
    const again: ObservedPayment[] = [
      {
        id: 1,
        status: "charged_back",
        amount: 5,
        details: { ...NO_PAYMENT_DETAILS, statusDetail: "reimbursed" },
      },
      { id: 2, status: "approved", amount: 1 },
    ];
    const kept = keepDetails(known, again);
    expect(kept[0]?.status).toBe("charged_back");
    expect(kept[0]?.details).toMatchObject({ method: "visa", statusDetail: "reimbursed" });
    expect(kept[1]).toEqual({ id: 2, status: "approved", amount: 1 });
  });
});

const mo = (payments: unknown[]) =>
  MerchantOrderSchema.parse({
    id: 777,
    status: "closed",
    external_reference: "ref-1",
    payments,
  });

describe("instore v2: details read by payment id, bounded", () => {
  it("reads each approved payment lacking details once, at most a few, and keeps nulls on a failure", async () => {
    const payments = Array.from({ length: 6 }, (_v, i) => ({
      id: i + 1,
      status: "approved",
      transaction_amount: 1,
    }));
    const o = observeMerchantOrder(
      mo([...payments, { id: 99, status: "rejected", transaction_amount: 1 }]),
    );
    const asked: string[] = [];
    const out = await completeMerchantOrderDetails(
      {
        getPayment: (id: string) => {
          asked.push(id);
          if (id === "2") return Promise.reject(new Error("down"));
          return Promise.resolve(PaymentSchema.parse({ ...CARD_PAYMENT, id: Number(id) }));
        },
      },
      o.payments,
    );
    expect(asked).toEqual(["1", "2", "3", "4"].slice(0, DETAIL_READS_PER_ORDER));
    expect(out[0]?.details?.method).toBe("visa");
    expect(out[1]?.details?.method).toBeNull();
    expect(out[6]?.details?.method).toBeNull();
    // read again with details known: no call
    asked.length = 0;
    await completeMerchantOrderDetails(
      { getPayment: () => Promise.reject(new Error("not called")) },
      out.slice(0, 1),
    );
    expect(asked).toEqual([]);
  });

  it("a merchant order reached through its payment carries that payment's details", () => {
    const order = mo([{ id: 1234567890, status: "approved", transaction_amount: 100 }]);
    const o = observeMerchantOrder(withPaymentRead(order, PaymentSchema.parse(CARD_PAYMENT)));
    expect(o.payments[0]?.details).toMatchObject({
      method: "visa",
      cardLastFour: "4242",
      fee: 5.19,
    });
  });

  it("a chargeback read by id rides on the merchant order of its payment", () => {
    const o = observeMerchantOrder(
      mo([{ id: 55, status: "charged_back", transaction_amount: 100 }]),
    );
    const [withCb] = withChargeback(
      [o],
      ChargebackSchema.parse({
        id: "2000001",
        payments: [55],
        amount: 100,
        documentation_status: "pending",
        date_created: "2026-12-08T09:00:00.000-03:00",
      }),
    );
    expect(withCb?.chargebacks).toEqual([
      {
        id: "2000001",
        paymentId: "55",
        amountCents: 10_000,
        status: "pending",
        openedAt: "2026-12-08T09:00:00.000-03:00",
      },
    ]);
    // a charged-back payment is not a refund: nothing counts as given back
    expect(o.refundedCents).toBe(0);
    expect(o.paidCents).toBe(10_000);
  });

  it("two reads of one merchant order in a batch keep the chargeback read by id", () => {
    const o = observeMerchantOrder(
      mo([{ id: 55, status: "charged_back", transaction_amount: 100 }]),
    );
    const [read] = withChargeback([o], ChargebackSchema.parse({ id: "2000001", payments: [55] }));
    for (const [later, earlier] of [
      [o, read!],
      [read!, o],
    ] as const) {
      const merged = sameResource(later, earlier);
      expect(merged.chargebacks).toHaveLength(1);
      expect(merged.chargebacks?.[0]?.id).toBe("2000001");
    }
  });
});
