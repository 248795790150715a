import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { resolveTarget, type UrlPolicy } from "./endpoint-url.ts";

/** The most of a receiver's answer that is read (and kept as the error): a few KB. */
export const MAX_BODY_BYTES = 4096;

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** what went wrong, short; null on a 2xx */
  error: string | null;
}

/**
 * One POST to a receiver: the host is resolved and checked now and the connection pinned to the
 * checked address; no redirect is followed (a 3xx is a failure); the whole attempt ends at
 * `timeoutMs`, whatever the receiver does; at most MAX_BODY_BYTES of its answer are read.
 */
export async function send(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; policy: UrlPolicy },
): Promise<SendResult> {
  const started = Date.now();
  const target = await resolveTarget(rawUrl, opts.policy);
  if (!target.ok) {
    return { ok: false, statusCode: null, latencyMs: Date.now() - started, error: target.reason };
  }
  const { url, address, family } = target;
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
      resolve({ ok, statusCode, latencyMs: Date.now() - started, error: ok ? null : error });
    };
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
        servername: url.hostname,
      },
      (res) => {
        const code = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = Buffer.concat(chunks).toString("utf8").slice(0, 200);
          finish(code, code >= 200 && code < 300 ? null : `HTTP ${code}${text ? `: ${text}` : ""}`);
        };
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
          size += chunk.length;
          if (size >= MAX_BODY_BYTES) done();
        });
        res.on("end", done);
        res.on("error", () => done());
      },
    );
    const timer = setTimeout(
      () => finish(null, `no answer within ${opts.timeoutMs} ms`),
      opts.timeoutMs,
    );
    req.on("error", (err: NodeJS.ErrnoException) =>
      finish(null, err.code ? `connection failed: ${err.code}` : "connection failed"),
    );
    req.end(body);
  });
}
