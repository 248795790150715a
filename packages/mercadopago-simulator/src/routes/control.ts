// Test helpers that control the simulator itself (`/api/*`, no token; they must never reveal
// it): how refunds end, the truth of a reference, faults, notification delivery, the request
// log, a summary and a reset.

import type { Router } from "express";

import type { RefundSettings } from "../state/types.ts";
import { SimulatorError } from "../util.ts";
import type { RouteContext } from "./context.ts";
import { body, helper, queryString, requiredReference } from "./respond.ts";

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

const refundsView = (r: RefundSettings) => ({
  mode: r.mode,
  settle_ms: r.settleMs,
  outcome: r.outcome,
});

export function registerControlRoutes(router: Router, { sim, qrCache }: RouteContext): void {
  const { state, notifier, faults } = sim;

  // How refunds end from now on, on both APIs: at once, or processing and then made or not.
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

  // what every seller's account knows of the reference
  router.get(
    "/api/truth",
    helper((req) => {
      const ref = requiredReference(req);
      return { status: 200, body: sim.accounts.truth(ref) };
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
        // the OAuth sellers' accounts, each summarised as the own one is above
        sellers: sim.accounts
          .list()
          .filter((account) => account !== state)
          .map((account) => account.summary()),
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
      sim.accounts.reset();
      faults.clear();
      notifier.resetControls();
      notifier.clearLog();
      sim.requests.length = 0;
      qrCache.clear();
      return { status: 204 };
    }),
  );
}
