// Entry point of the Mercado Pago simulator: wires state, notifier, faults and router together,
// and can run it on its own loopback port.

import {
  createOAuthServer,
  type OAuthServer,
  type OAuthServerOptions,
} from "./oauth/oauth-server.ts";
import { once } from "node:events";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import express from "express";
import type { Router } from "express";

import { createAccounts } from "./accounts.ts";
import type { Accounts } from "./accounts.ts";
import { createFaultController } from "./faults.ts";
import type { FaultController } from "./faults.ts";
import { createNotifier } from "./notifier.ts";
import type { DeliverFn, Notifier } from "./notifier.ts";
import type { NotificationControls } from "./notification-controls.ts";
import { createSimulatorRouter } from "./routes.ts";
import type { RequestLogEntry } from "./routes.ts";
import type { ApiOrder, ApiPayOutcome } from "./state/types.ts";
import { mpError } from "./util.ts";
import type {
  MerchantOrder,
  PayOptions,
  Payment,
  ReferenceTruth,
  SimulatorState,
  SimulatorStateOptions,
} from "./state/index.ts";

export interface SimulatorOptions extends SimulatorStateOptions {
  /** Seed for every random decision (drops, random delays and orders, fault rates). */
  seed?: number;
  /** How notifications are sent; default: axios POST with Mercado Pago's 22 s timeout. */
  deliver?: DeliverFn;
  /** Initial notification delivery controls. */
  notifications?: Partial<NotificationControls>;
  firstTimeoutMs?: number;
  retryTimeoutMs?: number;
  /** Absolute URL of the router (used in `qr.image`); default: derived from each request. */
  publicUrl?: string;
  /**
   * Period of the background expiry check, so expiry notifications go out even when nobody
   * calls the simulator. Default 1000 ms; 0 disables it (expiry is still evaluated lazily).
   */
  sweepIntervalMs?: number;
  /**
   * Where `order` Webhooks (Orders API) are sent: Mercado Pago takes it from the application's
   * settings, not from the order. Default none (the service passes its /webhooks/mercadopago).
   */
  ordersNotificationUrl?: string | null;
  /** Secret that signs `order` Webhooks (x-signature); default DEFAULT_ORDERS_WEBHOOK_SECRET. */
  ordersWebhookSecret?: string;
  /** An application sellers connect to by OAuth (platform mode); default none. */
  oauth?: OAuthServerOptions;
  /** Casing of `data.id` in the signed manifest, default `original`. */
  ordersSignatureIdCase?: "original" | "lower";
}

export interface Simulator {
  /** The simulator's own account (the one `accessToken` reads and writes). */
  state: SimulatorState;
  /** Every seller's account: the simulator's own and, with `oauth`, each OAuth seller's. */
  accounts: Accounts;
  notifier: Notifier;
  faults: FaultController;
  router: Router;
  /** Simulated OAuth: sellers, their grants, revocation; null without `oauth` options. */
  oauth: OAuthServer | null;
  /** Calls received on the Mercado Pago API (`/mp`). */
  requests: RequestLogEntry[];
  // The customer's side finds a merchant order, payment or order by id in any account, and a POS
  // in the account of `userId` when given, else as `Accounts.withPos` says.
  scan(posExternalId: string, userId?: number): MerchantOrder;
  pay(
    target: string | number,
    options: PayOptions,
    userId?: number,
  ): { payment: Payment; merchantOrder: MerchantOrder };
  settle(
    paymentId: number,
    status: "approved" | "rejected",
  ): { payment: Payment; merchantOrder: MerchantOrder };
  expire(posExternalId: string, userId?: number): MerchantOrder[];
  refund(paymentId: number, amount?: number): { payment: Payment; merchantOrder: MerchantOrder };
  /** What every account knows of the reference. */
  truth(externalReference: string): ReferenceTruth;
  /** Pays (or rejects the attempt on) an Orders API order, by order id or by its POS. */
  payOrder(target: string, outcome?: ApiPayOutcome, userId?: number): ApiOrder;
  /** Makes a `created` Orders API order (by id or POS) expire now. */
  expireOrder(target: string, userId?: number): ApiOrder;
  /** Cancels timers, releases hanging requests and stops notifications. */
  stop(): void;
}

export function createSimulator(opts: SimulatorOptions): Simulator {
  const oauth = opts.oauth
    ? createOAuthServer({
        ...(opts.now ? { now: () => opts.now!().getTime() } : {}),
        ...opts.oauth,
      })
    : null;
  // the simulator's own account, and one per OAuth seller
  const accounts = createAccounts(opts, oauth?.sellers() ?? []);
  const state = accounts.main;
  const notifier = createNotifier({
    collectorId: opts.collectorId,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.deliver ? { deliver: opts.deliver } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.notifications ? { controls: opts.notifications } : {}),
    ...(opts.firstTimeoutMs !== undefined ? { firstTimeoutMs: opts.firstTimeoutMs } : {}),
    ...(opts.retryTimeoutMs !== undefined ? { retryTimeoutMs: opts.retryTimeoutMs } : {}),
    ...(opts.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: opts.utcOffsetMinutes } : {}),
    ...(opts.ordersNotificationUrl !== undefined
      ? { ordersNotificationUrl: opts.ordersNotificationUrl }
      : {}),
    ...(opts.ordersWebhookSecret !== undefined
      ? { ordersWebhookSecret: opts.ordersWebhookSecret }
      : {}),
    ...(opts.ordersSignatureIdCase !== undefined
      ? { ordersSignatureIdCase: opts.ordersSignatureIdCase }
      : {}),
  });
  const faults = createFaultController(opts.seed !== undefined ? { seed: opts.seed } : {});
  // the accounts share their listeners: this hears every seller's events
  const unsubscribe = state.subscribe((event) => notifier.notify(event));
  const requests: RequestLogEntry[] = [];
  const router = createSimulatorRouter({
    oauth,
    state,
    accounts,
    notifier,
    faults,
    requests,
    publicUrl: opts.publicUrl ?? null,
  });

  const sweepMs = opts.sweepIntervalMs ?? 1000;
  const sweeper = sweepMs > 0 ? setInterval(() => accounts.sweep(), sweepMs) : null;
  sweeper?.unref();

  return {
    state,
    notifier,
    faults,
    router,
    oauth,
    accounts,
    requests,
    scan: (pos, userId) => accounts.withPos(pos, userId).scan(pos),
    pay: (target, options, userId) =>
      (typeof target === "number"
        ? accounts.holding("merchant_order", target)
        : accounts.withPos(target, userId)
      ).pay(target, options),
    settle: (paymentId, status) =>
      accounts.holding("payment", paymentId).settlePayment(paymentId, status),
    expire: (pos, userId) => accounts.withPos(pos, userId).expire(pos),
    refund: (paymentId, amount) => accounts.holding("payment", paymentId).refund(paymentId, amount),
    truth: (ref) => accounts.truth(ref),
    payOrder: (target, outcome = "approved", userId) =>
      accounts.withApiOrderTarget(target, userId).payApiOrder(target, outcome),
    expireOrder: (target, userId) =>
      accounts.withApiOrderTarget(target, userId).expireApiOrder(target),
    stop() {
      if (sweeper) clearInterval(sweeper);
      unsubscribe();
      notifier.stop();
      faults.stop();
    },
  };
}

export interface SimulatorServerOptions extends SimulatorOptions {
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Where the router is mounted, default `/simulator` (as inside the service). */
  mountPath?: string;
  /**
   * Serve the test helpers (`/api`) on this server, default true. The service turns them off on
   * its private upstream port: there they would be reachable without any key.
   */
  helpers?: boolean;
}

export interface SimulatorServer {
  /** Base URL of the simulated Mercado Pago API (what `MP_BASE_URL` should be). */
  baseUrl: string;
  /** URL of the router: the page is here, helpers under `/api`. */
  url: string;
  sim: Simulator;
  server: Server;
  close(): Promise<void>;
}

export async function startSimulatorServer(opts: SimulatorServerOptions): Promise<SimulatorServer> {
  const host = opts.host ?? "127.0.0.1";
  const mountPath = opts.mountPath ?? "/simulator";
  const sim = createSimulator(opts);
  const app = express();
  app.disable("x-powered-by");
  if (opts.helpers === false) {
    app.use(`${mountPath === "/" ? "" : mountPath}/api`, (_req, res) => {
      res.status(404).json(mpError(404, "not_found", "resource not found"));
    });
  }
  app.use(mountPath, sim.router);
  const server = createServer(app);
  server.listen(opts.port ?? 0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const url = `http://${hostPart}:${port}${mountPath === "/" ? "" : mountPath}`;
  let closing: Promise<void> | null = null;
  return {
    baseUrl: `${url}/mp`,
    url,
    sim,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        sim.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
