// The gate of the Mercado Pago API (`/mp`): every call is logged (method, path, status) and
// needs the bearer access token; without it, 401.

import type { RequestHandler } from "express";

import { mpError } from "../util.ts";
import type { RequestLogEntry, SimulatorParts } from "./context.ts";

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
    if (!token || (!sim.state.isValidAccessToken(token) && !sim.oauth?.sellerOf(token))) {
      res.status(401).json(mpError(401, "unauthorized", "invalid access token"));
      return;
    }
    next();
  };
}
