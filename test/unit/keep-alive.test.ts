import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Socket } from "node:net";
import nock from "nock";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTransport } from "../../src/mercadopago/mercadopago.transport.ts";

/**
 * Node skips the system call of setKeepAlive when a socket's keep-alive is already set the same
 * way. axios sets 60 s on every request's socket and the agent sets its own delay each time it
 * takes a socket back: if the two differ, every call on a reused socket pays for both. nock is
 * off for this file (its interceptor hands each request a socket of its own, so none is reused);
 * the only server called is this file's, on loopback.
 */
describe("Mercado Pago calls' keep-alive", () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    nock.restore();
    server = createServer((_req, res) => {
      res.setHeader("Content-Type", "application/json");
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    nock.activate();
  });

  it("sets one keep-alive delay on a reused socket, so Node sets it once", async () => {
    const transport = createTransport({
      baseUrl,
      accessToken: "APP_USR-test",
      collectorId: "1",
      timeoutMs: 2_000,
      logger: pino({ level: "silent" }),
    });
    const delays: number[] = [];
    const sockets = new Set<Socket>();
    const spy = vi.spyOn(Socket.prototype, "setKeepAlive").mockImplementation(function (
      this: Socket,
      enable?: boolean,
      delay?: number,
    ) {
      sockets.add(this);
      if (enable) delays.push(delay ?? 0);
      return this;
    });
    try {
      for (let i = 0; i < 3; i++) {
        await transport.send({ method: "GET", url: "/ping" });
        // the agent takes the socket back once the response has ended, a turn after axios answers
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      spy.mockRestore();
    }
    expect(sockets.size).toBe(1);
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(new Set(delays)).toEqual(new Set([60_000]));
  });
});
