import {
  MpPosSchema,
  MpPosSearchSchema,
  MpStoreSchema,
  MpStoreSearchSchema,
  UserSchema,
  type MercadoPagoUser,
  type MpPos,
  type MpPosBody,
  type MpStore,
  type MpStoreBody,
} from "./mercadopago.schemas.ts";
import { parse, type CallOptions, type Transport } from "./mercadopago.transport.ts";

/** The seller's account: its stores and POS at Mercado Pago, and the user the token is for. */
export interface AccountCalls {
  /** `POST /users/{collector}/stores`; not retried (a lost answer is resolved by a search). */
  createStore(body: MpStoreBody, o?: CallOptions): Promise<MpStore>;
  /** The seller's stores with this external id (none or one). */
  searchStores(externalId: string, o?: CallOptions): Promise<MpStore[]>;
  /** `POST /pos`; not retried (a lost answer is resolved by a search). */
  createPos(body: MpPosBody, o?: CallOptions): Promise<MpPos>;
  /** The seller's POS with this external id (none or one). */
  searchPos(externalId: string, o?: CallOptions): Promise<MpPos[]>;
  /** The Mercado Pago user the access token belongs to (checked once at boot). */
  getCurrentUser(o?: CallOptions): Promise<MercadoPagoUser>;
}

/** `collector`: the seller's user id, as it stands in a path. */
export function createAccountCalls(
  { send, withRetry }: Transport,
  collector: string,
): AccountCalls {
  return {
    async createStore(body, o) {
      // documented as 200; 201 accepted too
      const res = await send({
        method: "POST",
        url: `/users/${collector}/stores`,
        data: body,
        ok: [200, 201],
        deadline: o?.deadline,
      });
      return parse(MpStoreSchema, res, "store");
    },
    searchStores: (externalId, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: `/users/${collector}/stores/search`,
          params: { external_id: externalId },
          deadline: o?.deadline,
        });
        // the search may match loosely: only an exact external id counts
        const { results } = parse(MpStoreSearchSchema, res, "store search");
        return results.filter((s) => s.external_id === externalId);
      }),
    async createPos(body, o) {
      // the success code is not confirmed (200 or 201): both accepted
      const res = await send({
        method: "POST",
        url: "/pos",
        data: body,
        ok: [200, 201],
        deadline: o?.deadline,
      });
      return parse(MpPosSchema, res, "POS");
    },
    searchPos: (externalId, o) =>
      withRetry(o?.deadline, async () => {
        const res = await send({
          method: "GET",
          url: "/pos",
          params: { external_id: externalId },
          deadline: o?.deadline,
        });
        const { results } = parse(MpPosSearchSchema, res, "POS search");
        return results.filter((p) => p.external_id === externalId);
      }),
    getCurrentUser: (o) =>
      withRetry(o?.deadline, async () =>
        parse(
          UserSchema,
          await send({ method: "GET", url: "/users/me", deadline: o?.deadline }),
          "user",
        ),
      ),
  };
}
