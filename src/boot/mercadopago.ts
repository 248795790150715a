import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { observeMercadoPagoCalls } from "../metrics/mercadopago-calls.ts";
import { verifyCredentials } from "../mercadopago/credentials.ts";
import { createMercadoPagoClient } from "../mercadopago/mercadopago.client.ts";
import { notificationUrl } from "../notifications/notification-url.ts";
// types only: the simulator is a development dependency, loaded below only when it is used
import type { SimulatorServer } from "mercadopago-simulator";

// Mercado Pago as boot finds it: the seller's account (its credentials checked when asked), or
// the built-in simulator.

/** Our webhook URL as an application's "Webhooks" setting would hold it (no source_news). */
function ordersWebhookUrl(publicBaseUrl: string, webhookSecret: string | undefined): string {
  const url = new URL(notificationUrl(publicBaseUrl, webhookSecret));
  url.searchParams.delete("source_news");
  return url.toString();
}

/** Where the service's clients reach Mercado Pago, and the simulator when it is the one. */
export interface Upstream {
  baseUrl: string;
  accessToken: string;
  collectorId: string;
  simulator?: SimulatorServer;
}

/**
 * The mercadopago-simulator package (packages/mercadopago-simulator), imported only when the
 * service runs without a token: a production install (`npm ci --omit=dev --workspaces=false`)
 * does not have it.
 */
async function loadSimulator(): Promise<typeof import("mercadopago-simulator")> {
  try {
    return await import("mercadopago-simulator");
  } catch (err) {
    throw new Error(
      "no MP_ACCESS_TOKEN, and the built-in simulator (the mercadopago-simulator package, a " +
        "development dependency) is not installed here: set MP_ACCESS_TOKEN and MP_COLLECTOR_ID, " +
        "or install with development dependencies (npm ci)",
      { cause: err },
    );
  }
}

/**
 * The real Mercado Pago with the seller's token, or, with no token, the built-in simulator on a
 * loopback port of its own (its page and helpers are also mounted at /simulator).
 */
export async function mercadoPagoUpstream(
  config: Config,
  logger: Logger,
  webhookSecret: string | undefined,
): Promise<Upstream> {
  const mp = config.mercadoPago;
  if (mp.mode === "live" && mp.accessToken && mp.collectorId) {
    return { baseUrl: mp.baseUrl, accessToken: mp.accessToken, collectorId: mp.collectorId };
  }
  const accessToken = `APP_USR-simulator-${randomBytes(16).toString("hex")}`;
  const collectorId = mp.collectorId ?? "100000001";
  const { startSimulatorServer } = await loadSimulator();
  const simulator = await startSimulatorServer({
    accessToken,
    collectorId: Number(collectorId),
    // the simulator is the site MP_SITE names (its currency, site_id, whole-unit refusals)
    ...(config.site.site ? { siteId: config.site.site } : {}),
    publicUrl: `${config.publicBaseUrl}/simulator`,
    // this port is only the upstream of the service's client; people use /simulator
    helpers: false,
    // Orders API webhooks go to the URL set in the application (here ours), signed with its secret
    ordersNotificationUrl: ordersWebhookUrl(config.publicBaseUrl, webhookSecret),
    // platform mode: the simulator plays Mercado Pago's OAuth for the application, with its sellers
    ...(config.platform
      ? {
          oauth: {
            clientId: config.platform.clientId,
            clientSecret: config.platform.clientSecret,
          },
        }
      : {}),
    ...(config.webhookSigningSecrets[0]
      ? { ordersWebhookSecret: config.webhookSigningSecrets[0] }
      : {}),
  });
  logger.warn(
    { simulator: `${config.publicBaseUrl}/simulator` },
    "no MP_ACCESS_TOKEN: running against the built-in Mercado Pago SIMULATOR; no real money moves" +
      (mp.simulatorNeedsKey ? " (its helpers need a full-access API key)" : ""),
  );
  return { baseUrl: simulator.baseUrl, accessToken, collectorId, simulator };
}

/**
 * MP_VERIFY_CREDENTIALS: a token Mercado Pago refuses, or one of another seller than
 * MP_COLLECTOR_ID, stops the boot; an unreachable Mercado Pago is only a warning. Answers the
 * token's site_id when Mercado Pago gave it.
 */
export async function checkCredentials(config: Config, logger: Logger): Promise<string | null> {
  const mp = config.mercadoPago;
  if (!mp.verifyCredentials || !mp.accessToken || !mp.collectorId) return null;
  const client = createMercadoPagoClient({
    baseUrl: mp.baseUrl,
    accessToken: mp.accessToken,
    collectorId: mp.collectorId,
    timeoutMs: mp.timeoutMs,
    logger,
    observe: observeMercadoPagoCalls,
  });
  const verdict = await verifyCredentials(client, mp.collectorId, mp.timeoutMs);
  if (verdict.outcome === "refused") {
    process.stderr.write(
      `invalid configuration:\n  ${verdict.problem}\n` +
        "  (checked with GET /users/me because MP_VERIFY_CREDENTIALS is true)\n",
    );
    process.exit(1);
  }
  if (verdict.outcome === "unverified") {
    logger.warn(verdict.warning);
    return null;
  }
  logger.info({ userId: verdict.userId }, "Mercado Pago credentials verified");
  return verdict.siteId;
}
