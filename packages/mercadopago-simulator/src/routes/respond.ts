// Reading a request and sending a handler's answer, for every routes module of the simulator:
// path and query parameters, the state's errors mapped to Mercado Pago style answers, and the
// wrapper of the test helpers (`/api/*`).

import type { Request, RequestHandler, Response } from "express";

import { FaultRuleError } from "../faults.ts";
import { ControlsError } from "../notification-controls.ts";
import { SimulatorError, isRecord, mpError } from "../util.ts";
import type { SimResponse } from "./context.ts";

export function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === "string" ? value : "";
}

export function queryString(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  return typeof value === "string" ? value : undefined;
}

export function errorResponse(err: unknown): SimResponse {
  if (err instanceof SimulatorError) return { status: err.status, body: err.body };
  if (err instanceof FaultRuleError || err instanceof ControlsError) {
    return { status: 400, body: mpError(400, "bad_request", err.message) };
  }
  throw err;
}

export function send(res: Response, result: SimResponse): void {
  if (res.headersSent) return;
  for (const [key, value] of Object.entries(result.headers ?? {})) res.setHeader(key, value);
  if (result.status === 204 || result.body === undefined) {
    res.status(result.status).end();
    return;
  }
  res.status(result.status).json(result.body);
}

export function numericId(raw: string): number | null {
  return /^\d{1,16}$/.test(raw) ? Number(raw) : null;
}

/** A test helper's handler (no token, no faults): its answer, or its error mapped. */
export function helper(handler: (req: Request) => SimResponse): RequestHandler {
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

export function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  return isRecord(value) ? value : {};
}

export function requireNumericId(raw: string, what: string): number {
  const id = numericId(raw);
  if (id === null) throw new SimulatorError(400, "bad_request", `invalid ${what} id`);
  return id;
}

/** `?external_reference=` of the helpers that look a reference up: 400 without it. */
export function requiredReference(req: Request): string {
  const ref = queryString(req, "external_reference");
  if (ref === undefined) {
    throw new SimulatorError(400, "bad_request", "external_reference is required");
  }
  return ref;
}

/**
 * The seller a customer helper names (`?user_id=`, or `user_id` in the body), for a POS that two
 * sellers may both have; undefined when none is named. 400 unless it is a user id.
 */
export function sellerParam(req: Request): number | undefined {
  const raw: unknown = queryString(req, "user_id") ?? body(req)["user_id"];
  if (raw === undefined) return undefined;
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || !/^\d{1,16}$/.test(text)) {
    throw new SimulatorError(400, "bad_request", "user_id must be a Mercado Pago user id");
  }
  return Number(text);
}
