import { describe, expect, it } from "vitest";
import { credentialsVerdict } from "../../src/mercadopago/credentials.ts";
import { MercadoPagoError } from "../../src/mercadopago/mercadopago.client.ts";

describe("what boot does with GET /users/me", () => {
  it("the collector's own token is verified", () => {
    expect(credentialsVerdict({ userId: "123", siteId: "MLC" }, "123")).toEqual({
      outcome: "verified",
      userId: "123",
      siteId: "MLC",
    });
  });

  it("another seller's token is refused naming both ids", () => {
    expect(credentialsVerdict({ userId: "456" }, "123")).toEqual({
      outcome: "refused",
      problem:
        "MP_COLLECTOR_ID: is 123 but MP_ACCESS_TOKEN belongs to Mercado Pago user 456; set MP_COLLECTOR_ID=456 or use that seller's token",
    });
  });

  it("401 and 403 refuse the token; anything else only warns", () => {
    for (const status of [401, 403]) {
      const v = credentialsVerdict({ error: new MercadoPagoError("rejected", "no", status) }, "1");
      expect(v).toMatchObject({ outcome: "refused" });
      expect(v.outcome === "refused" && v.problem).toMatch(
        /^MP_ACCESS_TOKEN: Mercado Pago rejected the token \(HTTP \d{3}\)/,
      );
    }
    for (const error of [
      new MercadoPagoError("unavailable", "cannot reach Mercado Pago (ECONNREFUSED)"),
      new MercadoPagoError("timeout", "Mercado Pago did not answer in time"),
      new MercadoPagoError("unavailable", "Mercado Pago answered 503", 503),
    ]) {
      expect(credentialsVerdict({ error }, "1")).toMatchObject({ outcome: "unverified" });
    }
  });
});
