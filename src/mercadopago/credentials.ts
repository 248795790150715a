import { MercadoPagoError, type MercadoPagoClient } from "./mercadopago.client.ts";

/**
 * What boot does with the answer to `GET /users/me`: a token Mercado Pago refuses, or one of
 * another seller, would have every sale fail (or publish orders to the wrong account), so the
 * service does not start; Mercado Pago being unreachable says nothing about the credentials, so
 * the service starts and says so.
 */
export type CredentialsVerdict =
  | { outcome: "verified"; userId: string; siteId: string | null }
  | { outcome: "refused"; problem: string }
  | { outcome: "unverified"; warning: string };

export function credentialsVerdict(
  answer: { userId: string; siteId?: string | null } | { error: unknown },
  collectorId: string,
): CredentialsVerdict {
  if ("userId" in answer) {
    if (answer.userId === collectorId)
      return { outcome: "verified", userId: answer.userId, siteId: answer.siteId ?? null };
    return {
      outcome: "refused",
      problem:
        `MP_COLLECTOR_ID: is ${collectorId} but MP_ACCESS_TOKEN belongs to Mercado Pago user ` +
        `${answer.userId}; set MP_COLLECTOR_ID=${answer.userId} or use that seller's token`,
    };
  }
  const err = answer.error;
  if (err instanceof MercadoPagoError && (err.status === 401 || err.status === 403)) {
    return {
      outcome: "refused",
      problem:
        `MP_ACCESS_TOKEN: Mercado Pago rejected the token (HTTP ${err.status}); copy the ` +
        "Access Token again from Your integrations > Credentials (it may have been revoked or " +
        "belong to another application)",
    };
  }
  const why = err instanceof Error ? err.message : String(err);
  return {
    outcome: "unverified",
    warning:
      `could not check MP_ACCESS_TOKEN with Mercado Pago (${why}); starting anyway. ` +
      "Sales will fail with mercadopago_unavailable while Mercado Pago cannot be reached",
  };
}

/** Asks Mercado Pago whose token this is, once, within `timeoutMs` retries included. */
export async function verifyCredentials(
  mp: Pick<MercadoPagoClient, "getCurrentUser">,
  collectorId: string,
  timeoutMs: number,
): Promise<CredentialsVerdict> {
  try {
    const user = await mp.getCurrentUser({ deadline: Date.now() + timeoutMs });
    return credentialsVerdict(
      { userId: String(user.id), siteId: user.site_id ?? null },
      collectorId,
    );
  } catch (error) {
    return credentialsVerdict({ error }, collectorId);
  }
}
