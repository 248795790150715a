import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../src/sales/sales-cursor.ts";
import {
  SEMICOLON_CSV,
  csvAmount,
  csvHeaderLine,
  csvLine,
  csvText,
  paymentCells,
} from "../../src/sales/sales-csv.ts";
import { SALES_CSV_COLUMNS_V1_1, SALES_CSV_COLUMNS_V1_2 } from "../csv-columns.ts";

describe("csvText", () => {
  it.each([
    ["plain", "plain"],
    ["", ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["one\ntwo", '"one\ntwo"'],
    ["one\r\ntwo", '"one\r\ntwo"'],
    ["=1+1", "'=1+1"],
    ["+54 11", "'+54 11"],
    ["-3", "'-3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    ["\rx", '"\'\rx"'],
    ['=HYPERLINK("u","x")', '"\'=HYPERLINK(""u"",""x"")"'],
    ["a=b", "a=b"],
    ["a;b", '"a;b"'],
    ["Café ñ", "Café ñ"],
  ])("%j → %j", (input, output) => {
    expect(csvText(input)).toBe(output);
  });
});

describe("csvAmount", () => {
  it.each([
    [0, "0.00"],
    [5, "0.05"],
    [10, "0.10"],
    [250, "2.50"],
    [123456789, "1234567.89"],
    [-5, "-0.05"],
    [Number.MAX_SAFE_INTEGER, "90071992547409.91"],
  ])("%i cents → %s", (cents, text) => {
    expect(csvAmount(cents)).toBe(text);
  });
});

describe("csvAmount with a decimal comma", () => {
  it.each([
    [0, "0,00"],
    [5, "0,05"],
    [123456789, "1234567,89"],
    [-250, "-2,50"],
  ])("%i cents → %s", (cents, text) => {
    expect(csvAmount(cents, ",")).toBe(text);
  });
});

describe("the semicolon format", () => {
  it("separates cells with ';' and writes amounts with a decimal comma", () => {
    expect(csvHeaderLine(SEMICOLON_CSV)).toMatch(/^external_reference;status;order_state;/);
    const line = csvLine(
      {
        externalReference: "r1",
        status: "paid",
        orderState: "withdrawn",
        storeId: "S",
        posId: "P",
        title: "Café; leite",
        description: "1,5 kg",
        itemCount: 2,
        totalCents: 150050,
        paidCents: 150050,
        refundedCents: 0,
        merchantOrderId: null,
        merchantOrderStatus: null,
        createdAt: new Date("2026-11-28T12:00:00Z"),
        updatedAt: new Date("2026-11-28T12:00:00Z"),
        paidAt: null,
        cancelledAt: null,
        refundProcessingCents: 250,
        payments: [],
        paymentInProcess: false,
        dispute: null,
      },
      SEMICOLON_CSV,
    );
    expect(line).toBe(
      'r1;paid;withdrawn;S;P;"Café; leite";"1,5 kg";2;1500,50;1500,50;0,00;;;' +
        "2026-11-28T12:00:00.000Z;2026-11-28T12:00:00.000Z;;;2,50;;;;;;;;;;false;;;\r\n",
    );
  });
});

describe("the payment columns (v1.2), after every older column", () => {
  const details = {
    method: "visa",
    type: "credit_card",
    installments: 3,
    cardLastFour: "4242",
    authorizationCode: "301457",
    fee: 5.19,
    net: 94.81,
    moneyReleaseDate: "2026-12-21T10:00:00.000-03:00",
    statusDetail: "accredited",
    dateApproved: null,
  };

  it("keeps the older columns first and in their order", () => {
    const header = csvHeaderLine().trim().split(",");
    expect(header.slice(0, 18)).toEqual(SALES_CSV_COLUMNS_V1_1);
    expect(header.slice(18)).toEqual(SALES_CSV_COLUMNS_V1_2);
  });

  it("shows a card payment's details, sums fees of two payments, skips one that took nothing", () => {
    const money = (c: number) => csvAmount(c);
    expect(paymentCells([{ id: 1, status: "approved", amount: 100, details }], money)).toEqual([
      "visa",
      "credit_card",
      "3",
      "4242",
      "301457",
      "5.19",
      "94.81",
      "2026-12-21T10:00:00.000-03:00",
      "accredited",
    ]);
    const two = paymentCells(
      [
        { id: 1, status: "approved", amount: 100, details },
        {
          id: 2,
          status: "approved",
          amount: 10,
          details: { ...details, method: "master", fee: 0.5, net: 9.5 },
        },
        { id: 3, status: "rejected", amount: 10, details: { ...details, method: "amex" } },
      ],
      money,
    );
    expect(two.slice(0, 1)).toEqual(["visa | master"]);
    expect(two.slice(5, 7)).toEqual(["5.69", "104.31"]);
    // a sale stored before details were kept: empty cells, not zeros
    expect(paymentCells([{ id: 1, status: "approved", amount: 5 }], money)).toEqual(
      Array(9).fill(""),
    );
  });
});

describe("sales list cursor", () => {
  const position = {
    createdAt: new Date("2026-11-28T12:34:56.789Z"),
    id: "0b9f5c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
  };

  it("gives back the position it was made from, for the same filters only", () => {
    const cursor = encodeCursor(position, "filters-a");
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, "filters-a")).toEqual(position);
    expect(decodeCursor(cursor, "filters-b")).toBeNull();
  });

  it.each(["", "x", "!!!!", "a".repeat(201), Buffer.from("1|1|x|y").toString("base64url")])(
    "refuses %j",
    (cursor) => {
      expect(decodeCursor(cursor, "filters-a")).toBeNull();
    },
  );

  it("refuses a cursor re-encoded with another position", () => {
    const parts = Buffer.from(encodeCursor(position, "f"), "base64url").toString().split("|");
    parts[1] = String(position.createdAt.getTime() - 1);
    expect(decodeCursor(Buffer.from(parts.join("|")).toString("base64url"), "f")).toBeNull();
  });
});
