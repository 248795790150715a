import type { Logger } from "pino";
import type { MerchantTokenBox } from "../merchants/merchant-tokens.ts";
import type { MerchantsRepository } from "../merchants/merchants.repository.ts";
import { REFRESH_LEASE_MS, REFRESH_WINDOW_MS, retryDelayMs } from "../merchants/token-refresh.ts";
import { isRevokedGrant, type OAuthCalls } from "../mercadopago/oauth.calls.ts";
import { createLoop, type Loop } from "./loop.ts";

export interface MerchantTokenRefresherDeps {
  repo: Pick<
    MerchantsRepository,
    | "dueForRefresh"
    | "claimForRefresh"
    | "saveRefreshed"
    | "noteRefreshFailure"
    | "markDisconnected"
  >;
  box: MerchantTokenBox;
  oauth: Pick<OAuthCalls, "refresh">;
  logger: Logger;
  now: () => Date;
  intervalMs?: number;
  windowMs?: number;
}

/**
 * Platform mode: refreshes each connected merchant's token well before it expires (less than 30
 * days left), sealing the new pair with the current key (so a key rotation completes by itself).
 * A failure waits and tries again with backoff; Mercado Pago refusing the refresh token (the
 * seller revoked the grant, or it expired: 401, invalid_grant) marks the merchant disconnected,
 * and its POS then refuse sales in words until it connects again.
 */
export function createMerchantTokenRefresher(deps: MerchantTokenRefresherDeps): Loop {
  const log = deps.logger.child({ component: "merchant-token-refresher" });
  const windowMs = deps.windowMs ?? REFRESH_WINDOW_MS;

  async function refreshOne(m: Awaited<ReturnType<typeof deps.repo.dueForRefresh>>[number]) {
    const now = deps.now();
    if (!(await deps.repo.claimForRefresh(m.id, now, new Date(now.getTime() + REFRESH_LEASE_MS))))
      return; // another replica has it
    let refreshToken: string;
    try {
      refreshToken = deps.box.open(m.id, m).refreshToken;
    } catch (err) {
      // a key removed too early (docs/platform.md#key-rotation): nothing but a new connection helps
      log.error({ err, merchantId: m.id, keyId: m.tokenKeyId }, "merchant tokens cannot be opened");
      await deps.repo.markDisconnected(
        m.id,
        `its tokens were sealed with key ${m.tokenKeyId}, which is not configured: connect again`,
      );
      return;
    }
    try {
      const t = await deps.oauth.refresh(refreshToken);
      const sealed = deps.box.seal(m.id, {
        accessToken: t.accessToken,
        refreshToken: t.refreshToken,
        expiresAt: new Date(deps.now().getTime() + t.expiresIn * 1000),
      });
      await deps.repo.saveRefreshed(m.id, m.refreshTokenSealed, sealed);
      log.info({ merchantId: m.id, expiresAt: sealed.tokenExpiresAt }, "merchant token refreshed");
    } catch (err) {
      if (isRevokedGrant(err)) {
        await deps.repo.markDisconnected(
          m.id,
          "Mercado Pago refused the refresh (the seller revoked the access, or it expired): connect again",
        );
        log.warn({ merchantId: m.id }, "merchant disconnected: its grant is gone");
        return;
      }
      const retryAt = new Date(deps.now().getTime() + retryDelayMs(m.refreshFailures));
      await deps.repo.noteRefreshFailure(m.id, retryAt);
      log.warn({ err, merchantId: m.id, retryAt }, "merchant token refresh failed; will retry");
    }
  }

  return createLoop({
    name: "merchant-token-refresher",
    logger: log,
    intervalMs: deps.intervalMs ?? 10 * 60_000,
    async tick() {
      const now = deps.now();
      const due = await deps.repo.dueForRefresh(new Date(now.getTime() + windowMs), now);
      for (const m of due) await refreshOne(m);
      return false;
    },
  });
}
