import { describe, expect, it } from "vitest";
import { parseNotification } from "../../src/mercadopago/notification.ts";

describe("parseNotification", () => {
  it.each([
    [
      "IPN merchant_order in the query",
      { topic: "merchant_order", id: "15140831325" },
      {
        resource: "https://api.mercadolibre.com/merchant_orders/15140831325",
        topic: "merchant_order",
      },
      { topic: "merchant_order", id: "15140831325" },
    ],
    [
      "IPN payment with a bare resource id",
      { topic: "payment", id: "96718866362" },
      { resource: "96718866362", topic: "payment" },
      { topic: "payment", id: "96718866362" },
    ],
    [
      "IPN body only",
      {},
      { resource: "https://api.mercadolibre.com/merchant_orders/42", topic: "merchant_order" },
      { topic: "merchant_order", id: "42" },
    ],
    [
      "Webhooks order (Orders API)",
      { "data.id": "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", type: "order" },
      { action: "order.processed", type: "order", data: { id: "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3" } },
      { topic: "order", id: "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3" },
    ],
    [
      "Webhooks order with a lower-cased id: read upper-case",
      { "data.id": "ord01jq4s4ky8hwq6na5pxb65b3d3", type: "order" },
      {},
      { topic: "order", id: "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3" },
    ],
    ["order with a malformed id", { "data.id": "ORD123", type: "order" }, {}, null],
    ["order with a numeric id", { "data.id": "123456", type: "order" }, {}, null],
    [
      "Webhooks payment",
      { "data.id": "999999999", type: "payment" },
      { type: "payment", data: { id: "999999999" } },
      { topic: "payment", id: "999999999" },
    ],
    [
      "Webhooks body only",
      {},
      { type: "payment", data: { id: 123 } },
      { topic: "payment", id: "123" },
    ],
    [
      "topic_merchant_order_wh with a top-level id",
      {},
      { type: "topic_merchant_order_wh", id: "23603350837", status: "closed" },
      { topic: "merchant_order", id: "23603350837" },
    ],
    [
      "Webhooks payment with resource on api.mercadopago.com",
      {},
      { resource: "https://api.mercadopago.com/v1/payments/78", topic: "payment" },
      { topic: "payment", id: "78" },
    ],
    [
      "query id wins over resource",
      { topic: "merchant_order", id: "5" },
      { resource: "https://api.mercadolibre.com/merchant_orders/6" },
      { topic: "merchant_order", id: "5" },
    ],
    [
      "IPN chargeback (read by id, like the others)",
      { topic: "chargebacks", id: "205689877888" },
      {},
      { topic: "chargebacks", id: "205689877888" },
    ],
    [
      "Webhooks chargeback",
      { "data.id": "205689877888", type: "topic_chargebacks_wh" },
      { type: "topic_chargebacks_wh", action: "created", data: { id: "205689877888" } },
      { topic: "chargebacks", id: "205689877888" },
    ],
  ])("%s", (_name, query, body, expected) => {
    expect(parseNotification(query, body)).toEqual(expected);
  });

  it.each([
    ["unknown topic", { topic: "subscription_preapproval", id: "1" }, undefined],
    ["chargeback with a non-numeric id", { topic: "chargebacks", id: "CB1" }, undefined],
    ["point topic", { topic: "point_integration_ipn", id: "1" }, undefined],
    ["no topic", { id: "1" }, undefined],
    ["non-numeric id", { topic: "merchant_order", id: "abc" }, undefined],
    ["negative id", { topic: "merchant_order", id: "-1" }, undefined],
    ["zero id", { topic: "merchant_order", id: "0" }, undefined],
    ["huge id", { topic: "merchant_order", id: "1".repeat(30) }, undefined],
    ["id with SQL", { topic: "merchant_order", id: "1;DROP TABLE sales" }, undefined],
    ["no id anywhere", { topic: "merchant_order" }, {}],
    ["array body", {}, [{ topic: "merchant_order", resource: "1" }]],
    ["__proto__ topic", { topic: "__proto__", id: "1" }, undefined],
    ["toString topic", { topic: "toString", id: "1" }, undefined],
    [
      "a foreign host in resource",
      {},
      { resource: "https://evilmercadopago.com/merchant_orders/77", topic: "merchant_order" },
    ],
    [
      "a foreign host in resource, even with an id in the query",
      { topic: "merchant_order", id: "77" },
      { resource: "https://evil.example/merchant_orders/77", topic: "merchant_order" },
    ],
    [
      "a look-alike host ending in the real one's name",
      {},
      { resource: "https://api.mercadolibre.com.evil.example/merchant_orders/77" },
    ],
    [
      "userinfo that makes the real name a user name",
      { topic: "merchant_order" },
      { resource: "https://api.mercadolibre.com@evil.example/merchant_orders/77" },
    ],
    ["plain http", { topic: "merchant_order" }, { resource: "http://api.mercadolibre.com/m/77" }],
    [
      "another port",
      { topic: "merchant_order" },
      { resource: "https://api.mercadopago.com:8443/77" },
    ],
    ["a relative path", { topic: "merchant_order" }, { resource: "/merchant_orders/77" }],
    [
      "body id for a payment webhook is the notification id, not the payment",
      {},
      { type: "payment", id: 12345 },
    ],
  ])("%s → ignored", (_name, query, body) => {
    expect(parseNotification(query, body)).toBeNull();
  });
});
