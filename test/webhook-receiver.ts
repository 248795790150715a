import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A store's system on a loopback port, as the webhooks-out tests meet it.

export interface Received {
  id: string;
  type: string;
  ref: string;
  status: string;
  refunded: number;
  verified: boolean;
  /** the body as sent */
  body: Record<string, unknown>;
}

/** The Standard Webhooks check, written out here from the scheme (not the service's code). */
function verify(secret: string, req: IncomingMessage, body: string): boolean {
  const id = req.headers["webhook-id"];
  const ts = req.headers["webhook-timestamp"];
  const sig = req.headers["webhook-signature"];
  if (typeof id !== "string" || typeof ts !== "string" || typeof sig !== "string") return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  return sig.split(" ").some((s) => s === `v1,${expected}`);
}

/** A receiver on a loopback port: records what it gets, verifying each signature. */
export async function startReceiver(opts: { port?: number; hang?: boolean } = {}) {
  const got: Received[] = [];
  let secret = "";
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (opts.hang) return; // never answers
      const event = JSON.parse(body) as {
        id: string;
        type: string;
        data: { sale: { external_reference: string; status: string; refunded_amount: number } };
      };
      got.push({
        id: event.id,
        type: event.type,
        ref: event.data.sale.external_reference,
        status: event.data.sale.status,
        refunded: event.data.sale.refunded_amount,
        verified: verify(secret, req, body) && req.headers["webhook-id"] === event.id,
        body: event as unknown as Record<string, unknown>,
      });
      res.writeHead(204).end();
    });
  });
  server.listen(opts.port ?? 0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const port = (server.address() as AddressInfo).port;
  return {
    got,
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    setSecret: (s: string) => (secret = s),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
