import nock from "nock";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Records every outbound request no nock interceptor answered (loopback excluded: that is
 * supertest and Postgres). Tests assert the list is empty: nothing reached "Mercado Pago" or
 * anywhere else unplanned.
 */
export function trackUnexpectedRequests() {
  const seen: string[] = [];
  const listener = (req: { method?: string; url?: string }) => {
    const url = new URL(req.url ?? "http://unknown/");
    if (!LOOPBACK.has(url.hostname)) seen.push(`${req.method} ${url.origin}${url.pathname}`);
  };
  return {
    seen,
    start() {
      nock.emitter.on("no match", listener);
    },
    stop() {
      nock.emitter.removeListener("no match", listener);
    },
    clear() {
      seen.length = 0;
    },
  };
}
