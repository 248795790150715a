import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import { MercadoPagoError } from "../mercadopago/mercadopago.client.ts";
import type { OAuthCalls } from "../mercadopago/oauth.calls.ts";
import type { SiteId } from "../sites.ts";
import type { Merchant } from "./merchant.ts";
import type { MerchantTokenBox } from "./merchant-tokens.ts";
import { AccountTakenError, type MerchantsRepository } from "./merchants.repository.ts";
import { STATE_TTL_MS, authorizationUrl, randomSecret, stateHash } from "./oauth-flow.ts";

export interface MerchantsServiceDeps {
  repo: MerchantsRepository;
  box: MerchantTokenBox;
  oauth: OAuthCalls;
  logger: Logger;
  now?: () => Date;
  config: {
    clientId: string;
    authUrl: string;
    redirectUri: string;
    /** the site the deployment sells in: a seller of another site cannot sell here */
    site: SiteId;
  };
}

const notFound = (id: string) => new AppError("not_found", `no merchant ${id} here`);

function upstreamError(err: unknown, what: string): AppError {
  if (err instanceof MercadoPagoError && err.kind === "rejected") {
    return new AppError("mercadopago_rejected", `Mercado Pago refused ${what}: ${err.message}`, [
      { status: err.status, code: err.code },
    ]);
  }
  if (err instanceof MercadoPagoError) {
    return new AppError(
      "mercadopago_unavailable",
      `Mercado Pago is unavailable (${what}); start the connection again`,
      [{ reason: err.kind, status: err.status }],
      err.kind === "timeout" ? 504 : 502,
    );
  }
  throw err;
}

/** Merchants and their connection to Mercado Pago by OAuth (platform mode). */
export function createMerchantsService(deps: MerchantsServiceDeps) {
  const { repo, box, oauth, config } = deps;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: "merchants" });

  /** A fresh state and verifier for this merchant, and the URL the seller opens. */
  async function connectUrl(merchantId: string): Promise<string> {
    const state = randomSecret();
    const codeVerifier = randomSecret();
    await repo.createState({
      stateHash: stateHash(state),
      merchantId,
      codeVerifier,
      expiresAt: new Date(now().getTime() + STATE_TTL_MS),
    });
    return authorizationUrl({ ...config, state, codeVerifier });
  }

  async function get(id: string): Promise<Merchant> {
    const merchant = await repo.find(id);
    if (!merchant) throw notFound(id);
    return merchant;
  }

  return {
    stateTtlMs: STATE_TTL_MS,
    async create(name: string): Promise<{ merchant: Merchant; connectUrl: string }> {
      const merchant = await repo.create(name);
      return { merchant, connectUrl: await connectUrl(merchant.id) };
    },
    list: () => repo.list(),
    get,
    /** A new connect URL (the last one expired, or the merchant was disconnected). */
    async connect(id: string): Promise<{ merchant: Merchant; connectUrl: string }> {
      const merchant = await get(id);
      if (merchant.status === "connected") {
        throw new AppError(
          "conflict",
          `merchant ${id} is connected; DELETE /merchants/${id}/connection first to connect another account`,
        );
      }
      return { merchant, connectUrl: await connectUrl(id) };
    },

    /**
     * The seller came back from Mercado Pago. The state is used up first, in one statement, so a
     * forged, expired or replayed one changes nothing; then the code is exchanged (with the PKCE
     * verifier), the account read, and only then are the sealed tokens stored.
     */
    async finishConnection(input: { code: string; state: string }): Promise<Merchant> {
      const found = await repo.consumeState(stateHash(input.state), now());
      if (!found) {
        throw new AppError(
          "validation_failed",
          "state: this connection link is unknown, expired or already used; nothing was changed. " +
            "Ask for a new connect_url (POST /merchants/{id}/connect) and authorize again",
        );
      }
      const merchant = await get(found.merchantId);
      let tokens;
      let user;
      try {
        tokens = await oauth.exchangeCode({
          code: input.code,
          redirectUri: config.redirectUri,
          codeVerifier: found.codeVerifier,
        });
        user = await oauth.currentUser(tokens.accessToken);
      } catch (err) {
        throw upstreamError(err, "the authorization code");
      }
      if (user.userId !== tokens.userId) {
        throw new AppError(
          "mercadopago_rejected",
          "Mercado Pago's token answer and its account disagree on the user id; nothing was stored",
        );
      }
      if (user.siteId !== config.site) {
        throw new AppError(
          "unsupported_site",
          `the Mercado Pago account is of site ${user.siteId ?? "unknown"}, but this service sells ` +
            `in ${config.site}; connect an account of ${config.site}`,
          [{ site: user.siteId, expected: config.site }],
        );
      }
      const sealed = box.seal(merchant.id, {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: new Date(now().getTime() + tokens.expiresIn * 1000),
      });
      try {
        const connected = await repo.connect(
          merchant.id,
          { ...sealed, mercadopagoUserId: tokens.userId, site: user.siteId },
          now(),
        );
        log.info({ merchantId: merchant.id, userId: tokens.userId }, "merchant connected");
        return connected;
      } catch (err) {
        if (err instanceof AccountTakenError) {
          throw new AppError(
            "conflict",
            `this Mercado Pago account is connected to another merchant (${err.merchantId}); ` +
              "disconnect it there first",
          );
        }
        throw err;
      }
    },

    /** Forgets the merchant's tokens: its POS refuse sales until it connects again. */
    async disconnect(id: string): Promise<Merchant> {
      const merchant = await repo.disconnect(id, "disconnected by the platform");
      if (!merchant) throw notFound(id);
      log.info({ merchantId: id }, "merchant disconnected");
      return merchant;
    },
  };
}

export type MerchantsService = ReturnType<typeof createMerchantsService>;
