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

  it("a merchant's orders name the merchant after the secret; the default merchant's none", () => {
    const id = "0b6f3c9e-2a1d-4c5e-9f7a-1e2d3c4b5a69";
    expect(notificationUrl("https://pos.example.com", "s3cret", id)).toBe(
      `https://pos.example.com/webhooks/mercadopago?source_news=ipn&secret=s3cret&merchant=${id}`,
    );
    expect(notificationUrl("https://pos.example.com", "s3cret", null)).toBe(
      "https://pos.example.com/webhooks/mercadopago?source_news=ipn&secret=s3cret",
    );
  });
});
