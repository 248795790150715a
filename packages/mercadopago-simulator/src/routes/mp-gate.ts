// The gate of the Mercado Pago API (`/mp`): every call is logged (method, path, status) and
// needs a bearer access token, without which it is 401; the token says whose account the call
// reads and writes (the simulator's own token its own account, an OAuth token its seller's).

import type { Request, RequestHandler } from "express";

import type { SimulatorState } from "../state/index.ts";
import { mpError } from "../util.ts";
import type { RequestLogEntry, SimulatorParts } from "./context.ts";

const accountOfRequest = new WeakMap<Request, SimulatorState>();

/** The account of the seller whose token the `/mp` call carries (the gate let it through). */
export function accountOf(req: Request): SimulatorState {
  const account = accountOfRequest.get(req);
  if (!account) throw new Error("a Mercado Pago API call reached a handler without the gate");
  return account;
}

/** The account a token is for, or null when the simulator does not take it. */
function accountForToken(sim: SimulatorParts, token: string): SimulatorState | null {
  if (sim.state.isValidAccessToken(token)) return sim.state;
  const seller = sim.oauth?.sellerOf(token);
  return seller ? sim.accounts.of(seller.userId) : null;
}

const MAX_REQUEST_LOG = 5000;

/** Hides an access token sent the legacy way (`?access_token=`) before a path is logged. */
export function redactPath(path: string): string {
  return path.replace(/([?&]access_token=)[^&#]*/gi, "$1[redacted]");
}

export function mpGate(sim: SimulatorParts): RequestHandler {
  let requestSeq = 0;
  return (req, res, next) => {
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
    const token = match?.[1];
    const account = token ? accountForToken(sim, token) : null;
    if (!account) {
      res.status(401).json(mpError(401, "unauthorized", "invalid access token"));
      return;
    }
    accountOfRequest.set(req, account);
    next();
  };
}
