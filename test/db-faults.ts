import { once } from "node:events";
import { createServer, connect, type Server, type Socket } from "node:net";

/** A TCP endpoint standing in for a database host that misbehaves. */
export interface FaultyEndpoint {
  port: number;
  /** the same database URL, pointed at this endpoint */
  url(databaseUrl: string): string;
  close(): Promise<void>;
}

function endpoint(server: Server, sockets: Set<Socket>): FaultyEndpoint {
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url(databaseUrl) {
      const u = new URL(databaseUrl);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A frozen network: connections are accepted and then nothing ever comes back. */
export async function startFrozenHost(): Promise<FaultyEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  return endpoint(server, sockets);
}

export interface PostgresProxy extends FaultyEndpoint {
  /** from now on bytes go nowhere in either direction, as when a route drops */
  freeze(): void;
  /** every open connection is cut, as when the database restarts */
  cut(): void;
}

/** A pass-through proxy to Postgres that a test can freeze or cut. */
export async function startPostgresProxy(
  target = { host: "127.0.0.1", port: 5432 },
): Promise<PostgresProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    if (frozen) return;
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("data", (d) => {
      if (!frozen) upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (!frozen) client.write(d);
    });
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    ...endpoint(server, sockets),
    freeze() {
      frozen = true;
    },
    cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
