/**
 * The notification_url sent with every order. `source_news=ipn` asks Mercado Pago for the IPN
 * format only: by default it sends each event twice, once per format, and every copy costs an
 * acknowledgement and a merchant order read here. The webhook still accepts both formats (a
 * URL configured elsewhere may send either).
 *
 * Platform mode: a merchant's orders carry `merchant=<its id>`, so their notifications are read
 * with that merchant's token (a hint like the rest: what the token reads settles only that
 * merchant's sales). The default merchant's URL carries none, as before platform mode.
 */
export function notificationUrl(
  publicBaseUrl: string,
  webhookSecret: string | undefined,
  merchantId: string | null = null,
): string {
  // relative to the base, so a service published under a path prefix keeps it
  const url = new URL("webhooks/mercadopago", `${publicBaseUrl.replace(/\/+$/, "")}/`);
  url.searchParams.set("source_news", "ipn");
  if (webhookSecret) url.searchParams.set("secret", webhookSecret);
  if (merchantId !== null) url.searchParams.set("merchant", merchantId);
  return url.toString();
}
