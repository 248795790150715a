import type { MercadoPagoClient } from "./mercadopago.client.ts";

/**
 * Whose Mercado Pago account a call is made for. Today's single merchant passes one token and
 * collector id to one client at boot (src/boot/mercadopago.ts → createMercadoPagoClient); in
 * platform mode each store's merchant has its own, so the work of a store asks this port instead
 * of reading a global. `null` is the default merchant: MP_ACCESS_TOKEN and MP_COLLECTOR_ID, the
 * owner of every store without a merchant.
 */
export interface SellerCredentials {
  accessToken: string;
  /** the seller's user id: the collector in instore paths, and who notifications name */
  collectorId: string;
}

export interface SellerCredentialsPort {
  /**
   * The merchant's working credentials. Throws AppError `merchant_not_connected` (409, in words)
   * when it has none: never connected, disconnected, or its grant was revoked.
   */
  credentialsOf(merchantId: string | null): Promise<SellerCredentials>;
}

/**
 * One client per seller and token, built on first use: a refreshed token makes a new client on
 * the next call, and the old one is dropped. `make` is createMercadoPagoClient with the
 * service's settings (timeouts, observation) and these credentials, for this merchant.
 */
export function createSellerClients(
  port: SellerCredentialsPort,
  make: (c: SellerCredentials, merchantId: string | null) => MercadoPagoClient,
) {
  const clients = new Map<string, { token: string; client: MercadoPagoClient }>();
  return {
    async clientFor(merchantId: string | null): Promise<MercadoPagoClient> {
      const c = await port.credentialsOf(merchantId);
      const key = merchantId ?? "";
      const known = clients.get(key);
      if (known && known.token === c.accessToken) return known.client;
      const client = make(c, merchantId);
      clients.set(key, { token: c.accessToken, client });
      return client;
    },
  };
}

export type SellerClients = ReturnType<typeof createSellerClients>;
