// Fault injection for the simulated Mercado Pago endpoints: server errors, rate limiting,
// hanging requests, HTML error pages, empty 204 answers and extra latency.

import { createRandom } from "./util.ts";

export const FAULT_ENDPOINTS = [
  "put_order",
  "get_order",
  "delete_order",
  "get_merchant_order",
  "search_merchant_orders",
  "get_payment",
  "search_payments",
  "refund_payment",
  "list_refunds",
  "get_chargeback",
  "create_store",
  "search_stores",
  "create_pos",
  "get_pos",
  "create_api_order",
  "get_api_order",
  "cancel_api_order",
  "refund_api_order",
] as const;

export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];
export type FaultKind = "500" | "429" | "hang" | "html" | "empty204";
const FAULT_KINDS: readonly FaultKind[] = ["500", "429", "hang", "html", "empty204"];

export interface FaultRule {
  endpoint: FaultEndpoint | "*";
  /** What the endpoint answers instead of its normal response; null = only latency. */
  kind: FaultKind | null;
  /** Apply to the next N matching calls only; null = until cleared. */
  times: number | null;
  /** Probability (0..1) of applying to a call; null = always. */
  rate: number | null;
  /** Seconds announced in `Retry-After` for the 429 fault. */
  retryAfterSeconds: number;
  /** Extra latency before answering (also without a fault kind). */
  latencyMs: number;
  /**
   * Apply the request's effect first and then answer with the fault (e.g. the PUT did create the
   * order but the client sees a 500 or a hang): an indeterminate result.
   */
  after: boolean;
}

export interface FaultDecision {
  rule: FaultRule;
  kind: FaultKind | null;
  latencyMs: number;
  retryAfterSeconds: number;
  after: boolean;
}

export type WaitResult = "released" | "stopped";

export interface Waiter {
  promise: Promise<WaitResult>;
  /** Forget the waiter (the client went away). */
  cancel(): void;
}

export interface FaultController {
  /** Adds rules; a rule replaces an existing rule for the same endpoint. */
  set(input: unknown): FaultRule[];
  /** Removes all rules (or the one for `endpoint`) and releases requests hanging on them. */
  clear(endpoint?: string): void;
  list(): FaultRule[];
  /** Picks the rule for a call (consuming `times`), or null. */
  decide(endpoint: FaultEndpoint): FaultDecision | null;
  /** Waits until the rule's fault is cleared. */
  hang(rule: FaultRule): Waiter;
  /** Cancellable sleep, released early by `stop()`. */
  sleep(ms: number): Waiter;
  hanging(): number;
  stop(): void;
}

export class FaultRuleError extends Error {}

function parseRule(raw: unknown): FaultRule {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new FaultRuleError("a fault rule must be an object");
  }
  const r = raw as Record<string, unknown>;
  const known = new Set([
    "endpoint",
    "kind",
    "times",
    "rate",
    "retryAfterSeconds",
    "latencyMs",
    "after",
  ]);
  for (const key of Object.keys(r)) {
    if (!known.has(key)) throw new FaultRuleError(`unknown fault field: ${key}`);
  }
  const endpoint = r["endpoint"];
  if (endpoint !== "*" && !FAULT_ENDPOINTS.includes(endpoint as FaultEndpoint)) {
    throw new FaultRuleError(`endpoint must be '*' or one of: ${FAULT_ENDPOINTS.join(", ")}`);
  }
  const rawKind = r["kind"];
  const kind = typeof rawKind === "number" ? String(rawKind) : (rawKind ?? null);
  if (kind !== null && !FAULT_KINDS.includes(kind as FaultKind)) {
    throw new FaultRuleError(`kind must be one of: ${FAULT_KINDS.join(", ")}`);
  }
  const times = r["times"] ?? null;
  if (times !== null && (typeof times !== "number" || !Number.isInteger(times) || times < 1)) {
    throw new FaultRuleError("times must be a positive integer");
  }
  const rate = r["rate"] ?? null;
  if (rate !== null && (typeof rate !== "number" || !(rate >= 0 && rate <= 1))) {
    throw new FaultRuleError("rate must be between 0 and 1");
  }
  const retryAfter = r["retryAfterSeconds"] ?? 1;
  if (typeof retryAfter !== "number" || !Number.isInteger(retryAfter) || retryAfter < 0) {
    throw new FaultRuleError("retryAfterSeconds must be a non-negative integer");
  }
  const latency = r["latencyMs"] ?? 0;
  if (typeof latency !== "number" || !Number.isFinite(latency) || latency < 0) {
    throw new FaultRuleError("latencyMs must be a non-negative number");
  }
  const after = r["after"] ?? false;
  if (typeof after !== "boolean") throw new FaultRuleError("after must be boolean");
  if (kind === null && latency === 0) {
    throw new FaultRuleError("a rule needs a kind or a latencyMs");
  }
  return {
    endpoint: endpoint as FaultEndpoint | "*",
    kind: kind as FaultKind | null,
    times: times as number | null,
    rate: rate as number | null,
    retryAfterSeconds: retryAfter,
    latencyMs: latency,
    after,
  };
}

/** Accepts a rule, a list of rules or `{ faults: [...] }`. */
export function parseFaultRules(input: unknown): FaultRule[] {
  if (Array.isArray(input)) return input.map(parseRule);
  if (typeof input === "object" && input !== null && "faults" in input) {
    const list = (input as { faults: unknown }).faults;
    if (!Array.isArray(list)) throw new FaultRuleError("faults must be a list");
    return list.map(parseRule);
  }
  return [parseRule(input)];
}

export function createFaultController(opts: { seed?: number } = {}): FaultController {
  const random = createRandom((opts.seed ?? 0x5eed) ^ 0xfa017);
  let rules: FaultRule[] = [];
  const hangs = new Set<{ rule: FaultRule; resolve: (r: WaitResult) => void }>();
  const sleeps = new Set<{ timer: NodeJS.Timeout; resolve: (r: WaitResult) => void }>();

  function releaseHangs(match: (rule: FaultRule) => boolean): void {
    for (const h of [...hangs]) {
      if (!match(h.rule)) continue;
      hangs.delete(h);
      h.resolve("released");
    }
  }

  return {
    set(input) {
      const parsed = parseFaultRules(input);
      for (const rule of parsed) {
        const replaced = rules.filter((r) => r.endpoint === rule.endpoint);
        rules = rules.filter((r) => r.endpoint !== rule.endpoint);
        rules.push(rule);
        releaseHangs((r) => replaced.includes(r));
      }
      return rules.map((r) => ({ ...r }));
    },
    clear(endpoint) {
      const removed = endpoint === undefined ? rules : rules.filter((r) => r.endpoint === endpoint);
      rules = rules.filter((r) => !removed.includes(r));
      releaseHangs((r) => endpoint === undefined || removed.includes(r) || r.endpoint === endpoint);
    },
    list: () => rules.map((r) => ({ ...r })),
    decide(endpoint) {
      const rule =
        rules.find((r) => r.endpoint === endpoint) ?? rules.find((r) => r.endpoint === "*");
      if (!rule) return null;
      if (rule.rate !== null && random() >= rule.rate) return null;
      if (rule.times !== null) {
        rule.times -= 1;
        if (rule.times <= 0) rules = rules.filter((r) => r !== rule);
      }
      return {
        rule,
        kind: rule.kind,
        latencyMs: rule.latencyMs,
        retryAfterSeconds: rule.retryAfterSeconds,
        after: rule.after,
      };
    },
    hang(rule) {
      let entry: { rule: FaultRule; resolve: (r: WaitResult) => void } | undefined;
      const promise = new Promise<WaitResult>((resolve) => {
        entry = { rule, resolve };
        // A rule limited by `times` is removed from the list as soon as it is used up; such a
        // hang is released by clearing the endpoint (or everything).
        hangs.add(entry);
      });
      return {
        promise,
        cancel() {
          if (entry) hangs.delete(entry);
        },
      };
    },
    sleep(ms) {
      let entry: { timer: NodeJS.Timeout; resolve: (r: WaitResult) => void } | undefined;
      const promise = new Promise<WaitResult>((resolve) => {
        const timer = setTimeout(() => {
          if (entry) sleeps.delete(entry);
          resolve("released");
        }, ms);
        entry = { timer, resolve };
        sleeps.add(entry);
      });
      return {
        promise,
        cancel() {
          if (!entry) return;
          clearTimeout(entry.timer);
          sleeps.delete(entry);
        },
      };
    },
    hanging: () => hangs.size,
    stop() {
      rules = [];
      for (const h of hangs) h.resolve("stopped");
      hangs.clear();
      for (const s of sleeps) {
        clearTimeout(s.timer);
        s.resolve("stopped");
      }
      sleeps.clear();
    },
  };
}
