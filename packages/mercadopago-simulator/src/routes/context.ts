// What every routes module of the simulator shares: the parts of a simulator the router serves,
// the request log of `/mp`, and the answer a handler returns before it is sent.

import type { RequestHandler, Request } from "express";

import type { Accounts } from "../accounts.ts";
import type { FaultController, FaultEndpoint } from "../faults.ts";
import type { Notifier } from "../notifier.ts";
import type { OAuthServer } from "../oauth/oauth-server.ts";
import type { PosInfo, SimulatorState } from "../state/index.ts";

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
  /** The simulator's own account. */
  state: SimulatorState;
  /** Every seller's account (the own one and OAuth sellers'); a call's token picks one. */
  accounts: Accounts;
  notifier: Notifier;
  faults: FaultController;
  /** Calls received on `/mp` (method, path, status), for tests that count API calls. */
  requests: RequestLogEntry[];
  /** Absolute URL where the router is reachable; default: derived from each request. */
  publicUrl?: string | null;
  /** Simulated OAuth (platform mode), when the simulator was given an application. */
  oauth?: OAuthServer | null;
}

export interface PosWithQr extends PosInfo {
  qr: { image: string; template_document: string; template_image: string };
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Wraps an `/mp` handler with fault injection and MP-style error mapping. */
export type MpHandler = (
  endpoint: FaultEndpoint,
  handler: (req: Request) => SimResponse,
) => RequestHandler;

/** What a routes module is given to register its routes. */
export interface RouteContext {
  sim: SimulatorParts;
  mp: MpHandler;
  /** PNG of each POS's QR, by seller and external id; emptied by `POST /api/reset`. */
  qrCache: Map<string, Buffer>;
}
