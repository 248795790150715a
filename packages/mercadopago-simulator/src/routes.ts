// HTTP face of the simulator: the Mercado Pago API under `/mp` (bearer token required), test
// helpers under `/api` (no token, never expose it), the customer page at `/` and QR images.

import express from "express";
import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from "express";
import QRCode from "qrcode";

import type { FaultController, FaultDecision, FaultEndpoint } from "./faults.ts";
import { FaultRuleError } from "./faults.ts";
import type { Notifier } from "./notifier.ts";
import { ControlsError } from "./notifier.ts";
import { PAGE_SCRIPT, renderPage } from "./page.ts";
import type { RefundSettings } from "./state/types.ts";
import type { PayOptions, PayOutcome, PosInfo, SimulatorState } from "./state/index.ts";
import type { ApiPayOutcome } from "./state/types.ts";
import { SimulatorError, isRecord, mpError } from "./util.ts";

export interface RequestLogEntry {
  seq: number;
  method: string;
  /** Path below `/mp`, with the query string. */
  path: string;
  status: number | null;
  aborted: boolean;
  durationMs: number;
}

/** What the router needs from a simulator (see `createSimulator`). */
export interface SimulatorParts {
  state: SimulatorState;
  notifier: Notifier;
  faults: FaultController;
  /** Calls received on `/mp` (method, path, status), for tests that count API calls. */
  requests: RequestLogEntry[];
  /** Absolute URL where the router is reachable; default: derived from each request. */
  publicUrl?: string | null;
}

export interface PosWithQr extends PosInfo {
  qr: { image: string; template_document: string; template_image: string };
}

interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const MAX_REQUEST_LOG = 5000;
const PAY_OUTCOMES: readonly string[] = ["approved", "rejected", "pending", "in_process"];

const FAULT_500: Partial<Record<FaultEndpoint, { error: string; message: string }>> = {
  put_order: { error: "in_store_order_creation_error", message: "Failed to create order." },
  get_order: { error: "in_store_order_creation_error", message: "Failed to get order." },
  delete_order: { error: "in_store_order_creation_error", message: "Failed to delete order." },
};

const HTML_502 = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>simulated proxy</center></body>
</html>
`;

function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === "string" ? value : "";
}

function queryString(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  return typeof value === "string" ? value : undefined;
}

function errorResponse(err: unknown): SimResponse {
  if (err instanceof SimulatorError) return { status: err.status, body: err.body };
  if (err instanceof FaultRuleError || err instanceof ControlsError) {
    return { status: 400, body: mpError(400, "bad_request", err.message) };
  }
  throw err;
}

function send(res: Response, result: SimResponse): void {
  if (res.headersSent) return;
  for (const [key, value] of Object.entries(result.headers ?? {})) res.setHeader(key, value);
  if (result.status === 204 || result.body === undefined) {
    res.status(result.status).end();
    return;
  }
  res.status(result.status).json(result.body);
}

/** Hides an access token sent the legacy way (`?access_token=`) before a path is logged. */
export function redactPath(path: string): string {
  return path.replace(/([?&]access_token=)[^&#]*/gi, "$1[redacted]");
}

function numericId(raw: string): number | null {
  return /^\d{1,16}$/.test(raw) ? Number(raw) : null;
}

export function createSimulatorRouter(sim: SimulatorParts): Router {
  const { state, notifier, faults } = sim;
  const router = express.Router();
  const qrCache = new Map<string, Buffer>();
  let requestSeq = 0;

  router.use(express.json({ limit: "1mb" }));

  function publicBase(req: Request): string {
    if (sim.publicUrl) return sim.publicUrl.replace(/\/+$/, "");
    return `${req.protocol}://${req.get("host") ?? "127.0.0.1"}${req.baseUrl}`;
  }

  function withQr(req: Request, pos: PosInfo): PosWithQr {
    const image = `${publicBase(req)}/qr/${encodeURIComponent(pos.external_id)}.png`;
    // Printable templates are not simulated: every link serves the same PNG.
    return {
      ...pos,
      qr: {
        image,
        template_document: `${image}?template=document`,
        template_image: `${image}?template=image`,
      },
    };
  }

  // ----- fault handling --------------------------------------------------------------------

  /** Resolves when the client goes away (or the response is done). */
  function closed(res: Response): Promise<"aborted"> {
    return new Promise((resolve) => res.once("close", () => resolve("aborted")));
  }

  type FaultOutcome = "answered" | "released" | "gone";

  async function applyFault(
    decision: FaultDecision,
    endpoint: FaultEndpoint,
    req: Request,
    res: Response,
    gone: Promise<"aborted">,
  ): Promise<FaultOutcome> {
    switch (decision.kind) {
      case "500": {
        const spec = FAULT_500[endpoint] ?? {
          error: "internal_error",
          message: "Internal server error",
        };
        res.status(500).json(mpError(500, spec.error, spec.message));
        return "answered";
      }
      case "429":
        res.setHeader("Retry-After", String(decision.retryAfterSeconds));
        res.status(429).json(mpError(429, "too_many_requests", "Too many requests"));
        return "answered";
      case "html":
        res.status(502).type("text/html").send(HTML_502);
        return "answered";
      case "empty204":
        res.status(204).end();
        return "answered";
      case "hang": {
        // No timer: the request waits until the fault is cleared or the client gives up.
        const waiter = faults.hang(decision.rule);
        const result = await Promise.race([waiter.promise, gone]);
        waiter.cancel();
        if (result === "released") return "released";
        if (result === "stopped") req.socket.destroy();
        return "gone";
      }
      default:
        return "released";
    }
  }

  /** Wraps an `/mp` handler with fault injection and MP-style error mapping. */
  function mp(endpoint: FaultEndpoint, handler: (req: Request) => SimResponse): RequestHandler {
    return async (req, res) => {
      const gone = closed(res);
      const run = (): SimResponse => {
        try {
          return handler(req);
        } catch (err) {
          return errorResponse(err);
        }
      };
      const decision = faults.decide(endpoint);
      if (!decision) {
        send(res, run());
        return;
      }
      if (decision.latencyMs > 0) {
        const sleep = faults.sleep(decision.latencyMs);
        const waited = await Promise.race([sleep.promise, gone]);
        sleep.cancel();
        if (waited === "stopped") req.socket.destroy();
        if (waited !== "released") return;
      }
      if (decision.kind === null) {
        send(res, run());
        return;
      }
      // `after`: the effect happens, then the client gets the fault (indeterminate result).
      const early = decision.after ? run() : null;
      const outcome = await applyFault(decision, endpoint, req, res, gone);
      if (outcome === "released") send(res, early ?? run());
    };
  }

  // ----- Mercado Pago API ------------------------------------------------------------------

  router.use("/mp", (req, res, next) => {
    const started = Date.now();
    requestSeq += 1;
    const entry: RequestLogEntry = {
      seq: requestSeq,
      method: req.method,
      path: redactPath(req.url),
      status: null,
      aborted: false,
      durationMs: 0,
    };
    sim.requests.push(entry);
    if (sim.requests.length > MAX_REQUEST_LOG) sim.requests.splice(0, 1);
    res.once("close", () => {
      entry.durationMs = Date.now() - started;
      if (res.writableFinished) entry.status = res.statusCode;
      else entry.aborted = true;
    });

    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1] || !state.isValidAccessToken(match[1])) {
      res.status(401).json(mpError(401, "unauthorized", "invalid access token"));
      return;
    }
    next();
  });

  router.put(
    "/mp/instore/qr/seller/collectors/:userId/stores/:storeId/pos/:posId/orders",
    mp("put_order", (req) => {
      state.putOrder(param(req, "userId"), param(req, "storeId"), param(req, "posId"), req.body);
      return { status: 204 };
    }),
  );

  router.get(
    "/mp/instore/qr/seller/collectors/:userId/pos/:posId/orders",
    mp("get_order", (req) => ({
      status: 200,
      body: state.getOrder(param(req, "userId"), param(req, "posId")),
    })),
  );

  router.delete(
    "/mp/instore/qr/seller/collectors/:userId/pos/:posId/orders",
    mp("delete_order", (req) => {
      state.deleteOrder(param(req, "userId"), param(req, "posId"));
      return { status: 204 };
    }),
  );

  const searchMerchantOrders = mp("search_merchant_orders", (req) => {
    const intParam = (name: string): number | undefined => {
      const raw = queryString(req, name);
      if (raw === undefined) return undefined;
      if (!/^\d+$/.test(raw)) {
        throw new SimulatorError(400, "ds_search_query", `${name} must be a number`);
      }
      return Number(raw);
    };
    const query: Parameters<SimulatorState["searchMerchantOrders"]>[0] = {};
    const ref = queryString(req, "external_reference");
    const status = queryString(req, "status");
    const limit = intParam("limit");
    const offset = intParam("offset");
    if (ref !== undefined) query.external_reference = ref;
    if (status !== undefined) query.status = status;
    if (limit !== undefined) query.limit = limit;
    if (offset !== undefined) query.offset = offset;
    return { status: 200, body: state.searchMerchantOrders(query) };
  });
  router.get("/mp/merchant_orders/search", searchMerchantOrders);
  router.get("/mp/merchant_orders", searchMerchantOrders);

  router.get(
    "/mp/merchant_orders/:id",
    mp("get_merchant_order", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) {
        throw new SimulatorError(400, "invalid_format", "invalid merchant order id");
      }
      return { status: 200, body: state.getMerchantOrder(id) };
    }),
  );

  router.get(
    "/mp/v1/payments/:id",
    mp("get_payment", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) throw new SimulatorError(400, "bad_request", "invalid payment id");
      return { status: 200, body: state.getPayment(id) };
    }),
  );

  // Whose token this is: the service asks once at boot (MP_VERIFY_CREDENTIALS).
  router.get("/mp/users/me", (_req, res) => {
    res.status(200).json({
      id: state.collectorId,
      nickname: `SIMULATOR${state.collectorId}`,
      site_id: state.siteId,
    });
  });

  router.post(
    "/mp/v1/payments/:id/refunds",
    mp("refund_payment", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) throw new SimulatorError(400, "bad_request", "invalid payment id");
      const key = req.get("x-idempotency-key");
      if (!key) {
        throw new SimulatorError(400, "4292", "Header X-Idempotency-Key can't be null");
      }
      const raw: unknown = isRecord(req.body) ? req.body["amount"] : undefined;
      if (raw !== undefined && typeof raw !== "number") {
        throw new SimulatorError(400, "invalid_amount", "amount must be a number");
      }
      return { status: 201, body: state.createRefund(id, raw, key) };
    }),
  );

  router.get(
    "/mp/v1/payments/:id/refunds",
    mp("list_refunds", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) throw new SimulatorError(400, "bad_request", "invalid payment id");
      return { status: 200, body: state.listRefunds(id) };
    }),
  );

  router.post(
    "/mp/users/:userId/stores",
    mp("create_store", (req) => ({
      status: 200,
      body: state.createStore(param(req, "userId"), req.body),
    })),
  );

  router.get(
    "/mp/users/:userId/stores/search",
    mp("search_stores", (req) => {
      const results = state.searchStores(param(req, "userId"), queryString(req, "external_id"));
      return {
        status: 200,
        body: { paging: { total: results.length, offset: 0, limit: 50 }, results },
      };
    }),
  );

  router.post(
    "/mp/pos",
    mp("create_pos", (req) => ({ status: 201, body: withQr(req, state.createPos(req.body)) })),
  );

  router.get(
    "/mp/pos",
    mp("get_pos", (req) => {
      const filter: Parameters<SimulatorState["searchPos"]>[0] = {};
      const externalId = queryString(req, "external_id");
      const externalStoreId = queryString(req, "external_store_id");
      const storeId = queryString(req, "store_id");
      if (externalId !== undefined) filter.external_id = externalId;
      if (externalStoreId !== undefined) filter.external_store_id = externalStoreId;
      if (storeId !== undefined) filter.store_id = storeId;
      const results = state.searchPos(filter).map((p) => withQr(req, p));
      return {
        status: 200,
        body: { paging: { total: results.length, offset: 0, limit: 50 }, results },
      };
    }),
  );

  router.get(
    "/mp/pos/:id",
    mp("get_pos", (req) => {
      const id = numericId(param(req, "id"));
      if (id === null) throw new SimulatorError(400, "INVALID_POS_ID", "invalid POS id");
      return { status: 200, body: withQr(req, state.getPos(id)) };
    }),
  );

  // Orders API for QR: X-Idempotency-Key is required on every write (checked by the state, so
  // a replay answers what the first call answered).
  router.post(
    "/mp/v1/orders",
    mp("create_api_order", (req) => {
      const body: unknown = req.body;
      return state.createApiOrder(body, req.get("x-idempotency-key"));
    }),
  );

  router.get(
    "/mp/v1/orders/:id",
    mp("get_api_order", (req) => ({ status: 200, body: state.getApiOrder(param(req, "id")) })),
  );

  router.post(
    "/mp/v1/orders/:id/cancel",
    mp("cancel_api_order", (req) =>
      state.cancelApiOrder(param(req, "id"), req.get("x-idempotency-key")),
    ),
  );

  router.post(
    "/mp/v1/orders/:id/refund",
    mp("refund_api_order", (req) => {
      const body: unknown = req.body;
      return state.refundApiOrder(param(req, "id"), body, req.get("x-idempotency-key"));
    }),
  );

  router.use("/mp", (_req, res) => {
    res.status(404).json(mpError(404, "not_found", "resource not found"));
  });

  // ----- QR images and the page --------------------------------------------------------------

  router.get("/qr/:file", async (req, res) => {
    const file = param(req, "file");
    const externalId = file.endsWith(".png") ? file.slice(0, -4) : "";
    const pos = externalId ? state.findPosByExternalId(externalId) : null;
    if (!pos) {
      res.status(404).json(mpError(404, "not_found", "unknown POS"));
      return;
    }
    let png = qrCache.get(externalId);
    if (!png) {
      // The content only identifies the POS; it is not a real Mercado Pago EMVCo payload.
      const content = `mpsim:pos:${state.collectorId}:${pos.external_store_id}:${pos.external_id}`;
      png = await QRCode.toBuffer(content, { type: "png", width: 256, margin: 2 });
      qrCache.set(externalId, png);
    }
    res.setHeader("Cache-Control", "no-cache");
    res.type("image/png").send(png);
  });

  router.get("/page.js", (_req, res) => {
    res.type("text/javascript").send(PAGE_SCRIPT);
  });

  router.get("/", (req, res) => {
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'",
    );
    res.type("text/html").send(renderPage(req.baseUrl));
  });

  // ----- test helpers (no token; must never reveal it) ---------------------------------------

  function helper(handler: (req: Request) => SimResponse): RequestHandler {
    return (req, res) => {
      let result: SimResponse;
      try {
        result = handler(req);
      } catch (err) {
        result = errorResponse(err);
      }
      send(res, result);
    };
  }

  function body(req: Request): Record<string, unknown> {
    const value: unknown = req.body;
    return isRecord(value) ? value : {};
  }

  function requireNumericId(raw: string, what: string): number {
    const id = numericId(raw);
    if (id === null) throw new SimulatorError(400, "bad_request", `invalid ${what} id`);
    return id;
  }

  /** `{ mode?, settle_ms?, outcome? }` of `PUT /api/refunds`; what is absent stays. */
  function refundSettingsOf(b: Record<string, unknown>): Partial<RefundSettings> {
    const change: Partial<RefundSettings> = {};
    const { mode, settle_ms: settleMs, outcome } = b;
    if (mode !== undefined) {
      if (mode !== "sync" && mode !== "async") {
        throw new SimulatorError(400, "bad_request", "mode must be sync or async");
      }
      change.mode = mode;
    }
    if (settleMs !== undefined) {
      if (typeof settleMs !== "number" || !Number.isInteger(settleMs) || settleMs < 0) {
        throw new SimulatorError(400, "bad_request", "settle_ms must be a whole number ≥ 0");
      }
      change.settleMs = settleMs;
    }
    if (outcome !== undefined) {
      if (outcome !== "processed" && outcome !== "failed") {
        throw new SimulatorError(400, "bad_request", "outcome must be processed or failed");
      }
      change.outcome = outcome;
    }
    return change;
  }

  function payOptions(req: Request): PayOptions {
    const b = body(req);
    const late = b["late"] === true ? { late: true } : {};
    const status = b["status"] ?? "approved";
    if (typeof status !== "string" || !PAY_OUTCOMES.includes(status)) {
      throw new SimulatorError(
        400,
        "bad_request",
        "status must be approved, rejected, pending or in_process",
      );
    }
    const amount = b["amount"];
    if (amount !== undefined && typeof amount !== "number") {
      throw new SimulatorError(400, "bad_request", "amount must be a number");
    }
    return amount === undefined
      ? { status: status as PayOutcome, ...late }
      : { status: status as PayOutcome, amount, ...late };
  }

  router.get(
    "/api/pos",
    helper((req) => ({
      status: 200,
      body: {
        pos: state.listPos().map((entry) => ({ ...entry, pos: withQr(req, entry.pos) })),
      },
    })),
  );

  /** Outcome of paying an Orders API order: approved (default) or rejected. */
  function apiPayOutcome(req: Request): ApiPayOutcome {
    const status = body(req)["status"] ?? "approved";
    if (status !== "approved" && status !== "rejected") {
      throw new SimulatorError(
        400,
        "bad_request",
        "an Orders API order takes status approved or rejected",
      );
    }
    return status;
  }

  function apiPayAmount(req: Request): number | undefined {
    const amount = body(req)["amount"];
    if (amount === undefined) return undefined;
    if (typeof amount !== "number") {
      throw new SimulatorError(400, "bad_request", "amount must be a number");
    }
    return Math.round(amount * 100);
  }

  // On a POS that holds an Orders API order, scan shows it (Orders API has no merchant order),
  // and pay and expire act on it: whichever API put the order there, the customer pays it.
  router.post(
    "/api/pos/:posId/scan",
    helper((req) => {
      const apiOrder = state.apiOrderOnPos(param(req, "posId"));
      if (apiOrder) return { status: 201, body: apiOrder };
      return { status: 201, body: state.scan(param(req, "posId")) };
    }),
  );

  router.post(
    "/api/pos/:posId/pay",
    helper((req) => {
      const posId = param(req, "posId");
      if (state.apiOrderOnPos(posId)) {
        const order = state.payApiOrder(posId, apiPayOutcome(req), apiPayAmount(req));
        return { status: 201, body: { order } };
      }
      const result = state.pay(param(req, "posId"), payOptions(req));
      return {
        status: 201,
        body: { payment: result.payment, merchant_order: result.merchantOrder },
      };
    }),
  );

  router.post(
    "/api/merchant_orders/:id/pay",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "merchant order");
      const result = state.pay(id, payOptions(req));
      return {
        status: 201,
        body: { payment: result.payment, merchant_order: result.merchantOrder },
      };
    }),
  );

  router.post(
    "/api/pos/:posId/expire",
    helper((req) => {
      const posId = param(req, "posId");
      const apiOrder = state.apiOrderOnPos(posId);
      const expiredOrders = apiOrder ? [state.expireApiOrder(apiOrder.id)] : [];
      return {
        status: 200,
        body: { expired: state.expire(posId), expired_orders: expiredOrders },
      };
    }),
  );

  router.post(
    "/api/orders/:id/pay",
    helper((req) => ({
      status: 201,
      body: {
        order: state.payApiOrder(
          param(req, "id"),
          apiPayOutcome(req),
          apiPayAmount(req),
          body(req)["late"] === true,
        ),
      },
    })),
  );

  // Seller side: the order is cancelled at Mercado Pago outside this integration.
  router.post(
    "/api/orders/:id/cancel",
    helper((req) => ({
      status: 200,
      body: { order: state.cancelApiOrderElsewhere(param(req, "id")) },
    })),
  );
  router.post(
    "/api/pos/:posId/cancel",
    helper((req) => {
      const posId = param(req, "posId");
      if (!state.apiOrderOnPos(posId)) {
        throw new SimulatorError(
          409,
          "conflict",
          `POS ${posId} holds no Orders API order; an instore v2 order is not cancelled at Mercado Pago`,
        );
      }
      return { status: 200, body: { order: state.cancelApiOrderElsewhere(posId) } };
    }),
  );

  // How refunds end from now on, on both APIs: at once, or processing and then made or not.
  const refundsView = (r: RefundSettings) => ({
    mode: r.mode,
    settle_ms: r.settleMs,
    outcome: r.outcome,
  });
  router.get(
    "/api/refunds",
    helper(() => ({ status: 200, body: refundsView(state.refundSettings()) })),
  );
  router.put(
    "/api/refunds",
    helper((req) => ({
      status: 200,
      body: refundsView(state.setRefunds(refundSettingsOf(body(req)))),
    })),
  );

  router.post(
    "/api/orders/:id/expire",
    helper((req) => ({ status: 200, body: { order: state.expireApiOrder(param(req, "id")) } })),
  );

  router.get(
    "/api/orders",
    helper((req) => {
      const ref = queryString(req, "external_reference");
      if (ref === undefined) {
        throw new SimulatorError(400, "bad_request", "external_reference is required");
      }
      return { status: 200, body: { orders: state.apiOrdersByReference(ref) } };
    }),
  );

  router.post(
    "/api/payments/:id/refund",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "payment");
      const amount = body(req)["amount"];
      if (amount !== undefined && typeof amount !== "number") {
        throw new SimulatorError(400, "bad_request", "amount must be a number");
      }
      const result = state.refund(id, amount);
      return {
        status: 200,
        body: { payment: result.payment, merchant_order: result.merchantOrder },
      };
    }),
  );

  router.post(
    "/api/payments/:id/settle",
    helper((req) => {
      const id = requireNumericId(param(req, "id"), "payment");
      const status = body(req)["status"];
      if (status !== "approved" && status !== "rejected") {
        throw new SimulatorError(400, "bad_request", "status must be approved or rejected");
      }
      const result = state.settlePayment(id, status);
      return {
        status: 200,
        body: { payment: result.payment, merchant_order: result.merchantOrder },
      };
    }),
  );

  router.get(
    "/api/truth",
    helper((req) => {
      const ref = queryString(req, "external_reference");
      if (ref === undefined) {
        throw new SimulatorError(400, "bad_request", "external_reference is required");
      }
      return { status: 200, body: state.truth(ref) };
    }),
  );

  router.get(
    "/api/faults",
    helper(() => ({ status: 200, body: { faults: faults.list(), hanging: faults.hanging() } })),
  );
  router.put(
    "/api/faults",
    helper((req) => ({ status: 200, body: { faults: faults.set(req.body) } })),
  );
  router.delete(
    "/api/faults",
    helper((req) => {
      faults.clear(queryString(req, "endpoint"));
      return { status: 200, body: { faults: faults.list() } };
    }),
  );

  router.get(
    "/api/notifications",
    helper(() => ({
      status: 200,
      body: {
        controls: notifier.getControls(),
        stats: notifier.stats(),
        log: notifier.log().slice(-200),
      },
    })),
  );
  router.put(
    "/api/notifications",
    helper((req) => ({ status: 200, body: { controls: notifier.setControls(req.body) } })),
  );
  router.delete(
    "/api/notifications",
    helper(() => ({ status: 200, body: { controls: notifier.resetControls() } })),
  );
  router.post(
    "/api/notifications/release",
    helper(() => ({ status: 200, body: { released: notifier.release() } })),
  );

  router.get(
    "/api/requests",
    helper(() => ({ status: 200, body: { requests: sim.requests.slice(-500) } })),
  );

  router.get(
    "/api/state",
    helper(() => ({
      status: 200,
      body: {
        ...state.summary(),
        notifications: { controls: notifier.getControls(), stats: notifier.stats() },
        faults: faults.list(),
        hanging_requests: faults.hanging(),
        mp_requests: sim.requests.length,
      },
    })),
  );

  router.post(
    "/api/reset",
    helper(() => {
      state.reset();
      faults.clear();
      notifier.resetControls();
      notifier.clearLog();
      sim.requests.length = 0;
      qrCache.clear();
      return { status: 204 };
    }),
  );

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status =
      isRecord(err) &&
      typeof err["status"] === "number" &&
      err["status"] >= 400 &&
      err["status"] < 500
        ? err["status"]
        : 500;
    const message = status === 500 ? "internal error" : "invalid request body";
    res
      .status(status)
      .json(mpError(status, status === 500 ? "internal_error" : "bad_request", message));
  };
  router.use(onError);

  return router;
}
