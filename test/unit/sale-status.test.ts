import { describe, expect, it } from "vitest";
import { SALE_STATUSES, canTransition, sourcesOf } from "../../src/sales/sale-status.ts";

const allowed: Record<string, string[]> = {
  pending: ["paid", "cancelled", "expired", "failed"],
  paid: ["refunded"],
  cancelled: ["paid"],
  expired: ["paid"],
  failed: ["paid"],
  refunded: [],
};

describe("sale transitions", () => {
  for (const from of SALE_STATUSES) {
    for (const to of SALE_STATUSES) {
      const expected = allowed[from]!.includes(to);
      it(`${from} → ${to} is ${expected ? "allowed" : "refused"}`, () => {
        expect(canTransition(from, to)).toBe(expected);
      });
    }
  }

  it("nothing ever returns to pending", () => {
    expect(sourcesOf("pending")).toEqual([]);
  });

  it("paid is reachable from every unpaid status, so a late payment is never lost", () => {
    expect(sourcesOf("paid").sort()).toEqual(["cancelled", "expired", "failed", "pending"]);
  });
});
