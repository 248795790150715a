// Fault injection on the Mercado Pago API: each `/mp` handler is wrapped so that a fault rule
// (see ../faults.ts) can delay it, answer 500/429/502/empty 204 instead, hang it, or let it act
// and then answer with the fault (an indeterminate result).

import type { Request, Response } from "express";

import type { FaultController, FaultDecision, FaultEndpoint } from "../faults.ts";
import { mpError } from "../util.ts";
import type { MpHandler, SimResponse } from "./context.ts";
import { errorResponse, send } from "./respond.ts";

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

/** Resolves when the client goes away (or the response is done). */
function closed(res: Response): Promise<"aborted"> {
  return new Promise((resolve) => res.once("close", () => resolve("aborted")));
}

type FaultOutcome = "answered" | "released" | "gone";

async function applyFault(
  faults: FaultController,
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

/** The wrapper of `/mp` handlers, deciding faults with `faults`. */
export function faultInjecting(faults: FaultController): MpHandler {
  return (endpoint, handler) => async (req, res) => {
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
    const outcome = await applyFault(faults, decision, endpoint, req, res, gone);
    if (outcome === "released") send(res, early ?? run());
  };
}
