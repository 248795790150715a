import { createServer, type RequestListener, type Server } from "node:http";

/** How long a client may take; these bound what a slow or idle client can hold. */
export interface HttpLimits {
  /** the whole request head must arrive within this (then 408 and the socket is closed) */
  headersTimeoutMs: number;
  /** the whole request, body included */
  requestTimeoutMs: number;
  /** an idle keep-alive socket is closed after this */
  keepAliveTimeoutMs: number;
  /**
   * How often Node looks for requests past the two timeouts above. Node's default (30 s) lets a
   * slow client hold a socket up to 30 s past its limit, and it can only be set when the server
   * is created, not on a running one.
   */
  connectionsCheckingIntervalMs: number;
}

export const HTTP_LIMITS: HttpLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
});

/** The service's HTTP server, with its limits in force from the first connection. */
export function createHttpServer(
  handler: RequestListener,
  limits: HttpLimits = HTTP_LIMITS,
): Server {
  return createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    },
    handler,
  );
}

/** A listen failure in words that name the variable to change. */
export function listenError(err: unknown, port: number): Error {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "EADDRINUSE")
    return new Error(
      `PORT: port ${port} is already in use by another process; stop that process or set PORT to a free port`,
    );
  if (code === "EACCES")
    return new Error(
      `PORT: port ${port} needs privileges this process does not have; use a port above 1023 (and a proxy in front)`,
    );
  return err instanceof Error ? err : new Error(String(err));
}

/** Listens on `port` and resolves once the server accepts connections. */
export function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => reject(listenError(err, port));
    server.once("error", fail);
    server.listen(port, () => {
      server.off("error", fail);
      resolve();
    });
  });
}
