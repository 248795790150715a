/**
 * The notification_url sent with every order. `source_news=ipn` asks Mercado Pago for the IPN
 * format only: by default it sends each event twice, once per format, and every copy costs an
 * acknowledgement and a merchant order read here. The webhook still accepts both formats (a
 * URL configured elsewhere may send either).
 */
export function notificationUrl(publicBaseUrl: string, webhookSecret: string | undefined): string {
  // relative to the base, so a service published under a path prefix keeps it
  const url = new URL("webhooks/mercadopago", `${publicBaseUrl.replace(/\/+$/, "")}/`);
  url.searchParams.set("source_news", "ipn");
  if (webhookSecret) url.searchParams.set("secret", webhookSecret);
  return url.toString();
}
