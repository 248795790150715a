import { describe, expect, it } from "vitest";
import { notificationUrl } from "../../src/notifications/notification-url.ts";

describe("notificationUrl", () => {
  it.each([
    [
      "http://localhost:3000",
      undefined,
      "http://localhost:3000/webhooks/mercadopago?source_news=ipn",
    ],
    [
      "https://pos.example.com",
      "s3cret-value",
      "https://pos.example.com/webhooks/mercadopago?source_news=ipn&secret=s3cret-value",
    ],
    [
      "https://pos.example.com/store-7/",
      undefined,
      "https://pos.example.com/store-7/webhooks/mercadopago?source_news=ipn",
    ],
    [
      "https://pos.example.com",
      "a&b=c",
      "https://pos.example.com/webhooks/mercadopago?source_news=ipn&secret=a%26b%3Dc",
    ],
  ])("%s with secret %s → %s", (base, secret, expected) => {
    expect(notificationUrl(base, secret)).toBe(expected);
  });
});
