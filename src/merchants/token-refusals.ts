import type { Logger } from "pino";
import { messageOf } from "../errors.ts";
import type { MerchantTokenBox } from "./merchant-tokens.ts";
import type { MerchantsRepository } from "./merchants.repository.ts";

/** What a second look at a refused token found. */
export type TokenCheck = "refused" | "accepted" | "unknown";

export const REFUSED_TOKEN_REASON =
  "Mercado Pago refused its access token (401): the seller may have revoked the application's access";

/**
 * A merchant's token refused on a call (401) is looked at once more, with a call that changes
 * nothing (GET /users/me): refused again, and still the merchant's current token (a refresh may
 * have replaced it meanwhile), the merchant is marked disconnected, so its POS answer
 * merchant_not_connected in words at once instead of failing every sale at Mercado Pago. A
 * single 401 that the second look does not repeat, or a second look that cannot tell, changes
 * nothing. One look per merchant at a time, however many calls were refused together.
 */
export function createTokenRefusals(deps: {
  repo: Pick<MerchantsRepository, "findWithTokens" | "markDisconnected">;
  box: MerchantTokenBox;
  /** the second look, with this token */
  check(accessToken: string): Promise<TokenCheck>;
  logger: Logger;
}) {
  const log = deps.logger.child({ component: "token-refusals" });
  const looking = new Map<string, Promise<boolean>>();

  async function look(merchantId: string, accessToken: string): Promise<boolean> {
    const verdict = await deps.check(accessToken);
    if (verdict !== "refused") {
      log.warn({ merchantId, verdict }, "a merchant's token was refused once; it still works");
      return false;
    }
    const current = await deps.repo.findWithTokens(merchantId);
    if (!current || deps.box.open(merchantId, current).accessToken !== accessToken) return false;
    const marked = await deps.repo.markDisconnected(merchantId, REFUSED_TOKEN_REASON);
    if (marked) log.warn({ merchantId }, "merchant disconnected: Mercado Pago refuses its token");
    return marked;
  }

  return {
    /**
     * A call with `accessToken` for the merchant answered 401. Resolves to whether the merchant
     * was marked disconnected; never rejects (a failed look is logged and changes nothing).
     */
    refused(merchantId: string, accessToken: string): Promise<boolean> {
      const running = looking.get(merchantId);
      if (running) return running;
      const p = look(merchantId, accessToken)
        .catch((err: unknown) => {
          log.warn({ merchantId, message: messageOf(err) }, "could not look at a refused token");
          return false;
        })
        .finally(() => looking.delete(merchantId));
      looking.set(merchantId, p);
      return p;
    },
  };
}

export type TokenRefusals = ReturnType<typeof createTokenRefusals>;
