import express from "express";
import request from "supertest";
import { afterEach, expect } from "vitest";

import type { DeliverFn } from "../src/notifier.ts";
import type { Simulator } from "../src/simulator.ts";
import { orderBody, testSimulator } from "./helpers.ts";

// A simulator with OAuth sellers for the tests of sellers' accounts: tokens got as an
// application gets them, and each seller's store SUC1, POS CAJA1 and paid sales.

export const CLIENT = { clientId: "5550001112223334", clientSecret: "sim-client-secret" };
export const A = 700000001;
export const B = 700000002;
export const BR = 700000003;
export const APP_WEBHOOK = "https://app.example.com/webhooks/mercadopago";
export const IPN_URL = "https://pos.example.com/mp/notifications";

const sims: Simulator[] = [];
afterEach(() => {
  while (sims.length > 0) sims.pop()?.stop();
});

export function setup() {
  const delivered: { url: string; body: unknown }[] = [];
  const deliver: DeliverFn = async (url, body) => {
    delivered.push({ url, body });
    return 200;
  };
  const sim = testSimulator({ oauth: CLIENT, ordersNotificationUrl: APP_WEBHOOK, deliver });
  sims.push(sim);
  const app = express();
  app.use("/simulator", sim.router);
  const agent = request(app);
  const mp = (path: string) => `/simulator/mp${path}`;
  /** The seller approves the application and its code is exchanged: its bearer header. */
  const tokenOf = (userId: number) => {
    const redirectUri = "https://pos.example.com/oauth/callback";
    const code = sim.oauth!.approve({
      userId,
      clientId: CLIENT.clientId,
      redirectUri,
      codeChallenge: null,
      codeChallengeMethod: null,
    });
    const answer = sim.oauth!.token({
      grant_type: "authorization_code",
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      code,
      redirect_uri: redirectUri,
    });
    if (!("access_token" in answer)) throw new Error("no token");
    return { Authorization: `Bearer ${answer.access_token}` };
  };
  return { sim, agent, mp, delivered, tokenOf };
}

export const storeBody = (externalId = "SUC1") => ({
  name: "Sucursal",
  external_id: externalId,
  location: {
    street_number: "1",
    street_name: "Calle",
    city_name: "Ciudad",
    state_name: "Estado",
    latitude: -34.6,
    longitude: -58.4,
  },
});
export const posBody = {
  name: "Caja 1",
  fixed_amount: true,
  external_store_id: "SUC1",
  external_id: "CAJA1",
};
export const instorePath = (userId: number, pos = "CAJA1") =>
  `/instore/qr/seller/collectors/${userId}/stores/SUC1/pos/${pos}/orders`;
export const apiOrderBody = (ref: string, pos = "CAJA1") => ({
  type: "qr",
  external_reference: ref,
  total_amount: "50.00",
  config: { qr: { external_pos_id: pos, mode: "static" } },
  transactions: { payments: [{ amount: "50.00" }] },
});

export type Ctx = ReturnType<typeof setup>;

/** A seller's store SUC1 and POS CAJA1, made with its own token. */
export async function storeAndPos(
  { agent, mp }: Ctx,
  userId: number,
  auth: Record<string, string>,
) {
  const store = await agent
    .post(mp(`/users/${userId}/stores`))
    .set(auth)
    .send(storeBody());
  expect(store.status).toBe(200);
  const pos = await agent.post(mp("/pos")).set(auth).send(posBody);
  expect(pos.status).toBe(201);
  return { store: store.body as { id: string }, pos: pos.body as { id: number; user_id: number } };
}

/** A seller's paid instore sale on CAJA1: its merchant order and payment ids. */
export async function paidInstoreSale(
  ctx: Ctx,
  userId: number,
  auth: Record<string, string>,
  ref: string,
) {
  const put = await ctx.agent
    .put(ctx.mp(instorePath(userId)))
    .set(auth)
    .send(orderBody({ external_reference: ref, notification_url: IPN_URL }));
  expect(put.status).toBe(204);
  const paid = await ctx.agent.post(`/simulator/api/pos/CAJA1/pay?user_id=${userId}`).send({});
  expect(paid.status).toBe(201);
  return paid.body as {
    payment: { id: number; collector_id: number; currency_id: string };
    merchant_order: { id: number; collector: { id: number } };
  };
}
