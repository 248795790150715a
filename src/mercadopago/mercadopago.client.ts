import { createAccountCalls, type AccountCalls } from "./account.calls.ts";
import { createInstoreCalls, type InstoreCalls } from "./instore-v2/instore.calls.ts";
import { createTransport, type MercadoPagoClientOptions } from "./mercadopago.transport.ts";
import { createOrdersCalls, type OrdersCalls } from "./orders/orders.calls.ts";
import { createPaymentCalls, type PaymentCalls } from "./payments.calls.ts";

// The failures and call options every caller of the client speaks in.
export { MercadoPagoError } from "./mercadopago.errors.ts";
export { deadlinePassed, type CallOptions } from "./mercadopago.transport.ts";

/** The Mercado Pago calls the service makes; the simulator and tests stand behind the same HTTP. */
export interface MercadoPagoClient extends InstoreCalls, PaymentCalls, AccountCalls, OrdersCalls {}

/**
 * The client, composed of one transport (mercadopago.transport.ts: HTTP, limits, deadlines,
 * retries, errors) and the calls of each API: instore v2 (instore-v2/instore.calls.ts),
 * payments (payments.calls.ts), the account's stores and POS (account.calls.ts) and the Orders
 * API (orders/orders.calls.ts).
 */
export function createMercadoPagoClient(opts: MercadoPagoClientOptions): MercadoPagoClient {
  const transport = createTransport(opts);
  const collector = encodeURIComponent(opts.collectorId);
  return {
    ...createInstoreCalls(transport, collector),
    ...createPaymentCalls(transport),
    ...createAccountCalls(transport, collector),
    ...createOrdersCalls(transport),
  };
}
