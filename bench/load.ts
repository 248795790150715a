// A thin wrapper around autocannon: a warm-up run that is thrown away, then the measured run.
import autocannon from "autocannon";
import { cpuMsOf } from "./proc.ts";

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  requests: autocannon.Request[];
  headers?: Record<string, string>;
  /** a process whose CPU time over the measured run is reported (the server under load) */
  cpuPid?: number;
}

export interface LoadFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** socket errors and timeouts plus non-2xx answers */
  errors: number;
  requests: number;
  /** CPU ms (user + system) of `cpuPid` during the measured run, and per request */
  cpuMs?: number;
  cpuMsPerRequest?: number;
}

function run(opts: LoadOptions, durationS: number): Promise<autocannon.Result> {
  return autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: durationS,
    requests: opts.requests,
    headers: opts.headers ?? {},
    timeout: 10,
  });
}

export async function measure(opts: LoadOptions): Promise<LoadFigures> {
  if (opts.warmupS > 0) await run(opts, opts.warmupS);
  const cpuBefore = opts.cpuPid === undefined ? 0 : cpuMsOf(opts.cpuPid);
  const r = await run(opts, opts.durationS);
  const cpuMs = opts.cpuPid === undefined ? undefined : cpuMsOf(opts.cpuPid) - cpuBefore;
  return {
    ...(cpuMs === undefined
      ? {}
      : { cpuMs, cpuMsPerRequest: r.requests.total > 0 ? cpuMs / r.requests.total : NaN }),
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.non2xx,
    requests: r.requests.total,
  };
}
