import type { Server } from "node:http";
import net from "node:net";
import { gzipSync } from "node:zlib";
import nock from "nock";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  buildHarness,
  createTestDb,
  saleBody,
  type Harness,
  type TestDb,
} from "../helpers.ts";
import { trackUnexpectedRequests } from "./support.ts";

const WEBHOOK_SECRET = "whsec_hostile_0123456789";
const SIGNING_SECRET = "mp-signing-hostile-0123456789";
const HOOK = `/webhooks/mercadopago?secret=${WEBHOOK_SECRET}`;

let db: TestDb;
let h: Harness;
let server: Server;
let port: number;
const upstream = trackUnexpectedRequests();

beforeAll(async () => {
  db = await createTestDb();
  h = buildHarness(db, { webhookSecret: WEBHOOK_SECRET, signingSecret: SIGNING_SECRET });
  server = h.app.listen(0);
  port = (server.address() as { port: number }).port;
  upstream.start();
});
afterAll(async () => {
  upstream.stop();
  server.close();
  await db.drop();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

type Headers = Record<string, string>;
const bearer: Headers = { Authorization: `Bearer ${API_KEY}` };
const json: Headers = { "Content-Type": "application/json" };

/** A request through supertest; a string body is sent as is. */
function call(
  method: "get" | "post" | "delete" | "put" | "options",
  path: string,
  headers: Headers = {},
  body?: string | object,
): () => Promise<Reply> {
  return async () => {
    let test = request(server)[method](path).set(headers);
    if (body !== undefined) test = test.send(body);
    const res = await test;
    return { status: res.status, headers: res.headers, text: res.text };
  };
}

/** Bytes straight onto a socket, for what HTTP clients refuse to send. */
function raw(head: string, body: Buffer | string = ""): () => Promise<Reply> {
  return () =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(head);
        socket.write(body);
      });
      socket.setTimeout(5000, () => socket.destroy(new Error("no answer in 5 s")));
      socket.on("data", (c) => {
        chunks.push(c);
        const text = Buffer.concat(chunks).toString("latin1");
        const end = text.indexOf("\r\n\r\n");
        if (end === -1) return;
        const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end));
        if (!length || text.length - end - 4 >= Number(length[1])) socket.end();
      });
      socket.on("close", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const [head = "", body = ""] = text.split("\r\n\r\n", 2);
        const [statusLine = "", ...lines] = head.split("\r\n");
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const i = line.indexOf(":");
          headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        }
        resolve({ status: Number(statusLine.split(" ")[1]), headers, text: body });
      });
      socket.on("error", reject);
    });
}

function rawPost(path: string, headers: Headers, body: Buffer | string): () => Promise<Reply> {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${lines.join("")}` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return raw(head, body);
}

const sale = () => JSON.stringify(saleBody());
/** A valid sale's JSON with `fragment` spliced in as its first member. */
const saleWith = (fragment: string) => `{${fragment},${sale().slice(1)}`;
/** A valid sale's JSON whose first item's unit_price is this literal text. */
// the price's own key is replaced, never a "7777" that a random reference or POS id may hold
const priced = (literal: string) =>
  JSON.stringify(saleBody({ items: [{ title: "Coffee", unit_price: 7777, quantity: 1 }] })).replace(
    '"unit_price":7777',
    `"unit_price":${literal}`,
  );
const megabyte = "x".repeat(1024 * 1024);
const gzipBomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));

interface Case {
  name: string;
  send: () => Promise<Reply>;
  status: number;
  /** the error code expected in the body (our own answers only; Node's own 400/431 have none) */
  code?: string;
  check?: (res: Reply) => void;
}

const ipn = (query: string, body: object = {}) => call("post", `${HOOK}&${query}`, json, body);

const CASES: Case[] = [
  // POST /sales: size, type and encoding
  {
    name: "POST /sales with a 1 MB body",
    send: call("post", "/sales", { ...bearer, ...json }, { ...saleBody(), pad: megabyte }),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "POST /sales with a gzip bomb (2 MB of spaces in 2 kB)",
    send: rawPost("/sales", { ...bearer, ...json, "Content-Encoding": "gzip" }, gzipBomb),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "POST /sales gzip-encoded garbage",
    send: rawPost("/sales", { ...bearer, ...json, "Content-Encoding": "gzip" }, "not gzip"),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with an unknown content encoding",
    send: rawPost("/sales", { ...bearer, ...json, "Content-Encoding": "compress" }, sale()),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /sales as text/plain",
    send: call("post", "/sales", { ...bearer, "Content-Type": "text/plain" }, sale()),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /sales as a form",
    send: call("post", "/sales", bearer, "store_id=SUC001&pos_id=P1"),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /sales as XML",
    send: call("post", "/sales", { ...bearer, "Content-Type": "application/xml" }, "<sale/>"),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /sales with no content type",
    send: rawPost("/sales", bearer, sale()),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /sales as JSON in latin1",
    send: call(
      "post",
      "/sales",
      { ...bearer, "Content-Type": "application/json; charset=iso-8859-1" },
      sale(),
    ),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /sales as JSON declared UTF-16 but sent in UTF-8",
    send: call(
      "post",
      "/sales",
      { ...bearer, "Content-Type": "application/json; charset=utf-16" },
      sale(),
    ),
    status: 400,
    code: "validation_failed",
  },
  // POST /sales: JSON that is not what it seems
  {
    name: "POST /sales with malformed JSON",
    send: call("post", "/sales", { ...bearer, ...json }, '{"store_id": "SUC001",'),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with NaN as JSON text",
    send: call("post", "/sales", { ...bearer, ...json }, priced("NaN")),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with Infinity as JSON text",
    send: call("post", "/sales", { ...bearer, ...json }, priced("Infinity")),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with 1e309 (parses to Infinity)",
    send: call("post", "/sales", { ...bearer, ...json }, priced("1e309")),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with -1e309",
    send: call("post", "/sales", { ...bearer, ...json }, priced("-1e309")),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with 5e-324 (rounds to no cents)",
    send: call("post", "/sales", { ...bearer, ...json }, priced("5e-324")),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a price of 123456789012345678901234567890",
    send: call("post", "/sales", { ...bearer, ...json }, priced("123456789012345678901234567890")),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a __proto__ key",
    send: call("post", "/sales", { ...bearer, ...json }, saleWith('"__proto__":{"isAdmin":true}')),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with constructor.prototype",
    send: call(
      "post",
      "/sales",
      { ...bearer, ...json },
      saleWith('"constructor":{"prototype":{"isAdmin":true}}'),
    ),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with __proto__ inside an item",
    send: call(
      "post",
      "/sales",
      { ...bearer, ...json },
      JSON.stringify(saleBody()).replace(
        '{"title":"Coffee"',
        '{"__proto__":{"x":1},"title":"Coffee"',
      ),
    ),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a NUL in the title as JSON text",
    send: call("post", "/sales", { ...bearer, ...json }, saleWith('"title":"Mesa\\u00004"')),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a path traversal pos_id",
    send: call("post", "/sales", { ...bearer, ...json }, saleBody({ pos_id: "../../stores/x" })),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a percent-encoded slash in store_id",
    send: call("post", "/sales", { ...bearer, ...json }, saleBody({ store_id: "SUC%2F001" })),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a 10 000 character title",
    send: call("post", "/sales", { ...bearer, ...json }, saleBody({ title: "t".repeat(10_000) })),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with 5 000 levels of nesting",
    send: call(
      "post",
      "/sales",
      { ...bearer, ...json },
      saleWith(`"deep":${"[".repeat(5000)}${"]".repeat(5000)}`),
    ),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with 3 000 unknown keys",
    send: call(
      "post",
      "/sales",
      { ...bearer, ...json },
      saleWith(Array.from({ length: 3000 }, (_, i) => `"k${i}":1`).join(",")),
    ),
    status: 400,
    code: "validation_failed",
    check: (res) => expect(res.text.length).toBeLessThan(20_000),
  },
  {
    name: "POST /sales with a JSON null body",
    send: call("post", "/sales", { ...bearer, ...json }, "null"),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "POST /sales with a JSON string body",
    send: call("post", "/sales", { ...bearer, ...json }, '"sale"'),
    status: 400,
    code: "validation_failed",
  },
  // headers
  {
    name: "a CR inside a header value (header injection)",
    send: raw(
      "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Request-Id: a\rSet-Cookie: x=1\r\n\r\n",
    ),
    status: 400,
    check: (res) => expect(res.headers["set-cookie"]).toBeUndefined(),
  },
  {
    name: "an obsolete folded header line carrying a Set-Cookie",
    send: raw(
      "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Request-Id: a\r\n Set-Cookie: x=1\r\n\r\n",
    ),
    status: 400,
    check: (res) => expect(res.headers["set-cookie"]).toBeUndefined(),
  },
  {
    name: "both Transfer-Encoding and Content-Length (request smuggling)",
    send: raw(
      "POST /sales HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
    ),
    status: 400,
  },
  {
    name: "an X-Request-Id with markup is not echoed",
    send: call("get", "/health", { "X-Request-Id": "<script>alert(1)</script>" }),
    status: 200,
    check: (res) => expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/),
  },
  {
    name: "a 300 character X-Request-Id is not echoed",
    send: call("get", "/health", { "X-Request-Id": "a".repeat(300) }),
    status: 200,
    check: (res) => expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/),
  },
  {
    name: "a 20 kB header",
    send: raw(
      `GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: c=${"x".repeat(20_000)}\r\n\r\n`,
    ),
    status: 431,
  },
  {
    name: "an 8 kB bearer token",
    send: call("get", "/orders/x", { Authorization: `Bearer ${"k".repeat(8000)}` }),
    status: 401,
    code: "unauthorized",
  },
  {
    name: "the API key followed by a latin1 character",
    send: call("get", "/orders/x", { Authorization: `Bearer ${API_KEY}\u00a0` }),
    status: 401,
    code: "unauthorized",
  },
  {
    name: "the API key in the query string instead of the header",
    send: call("get", `/orders/x?api_key=${API_KEY}&access_token=${API_KEY}`),
    status: 401,
    code: "unauthorized",
  },
  // :ref
  {
    name: "GET /orders/ with an encoded path traversal",
    send: call("get", "/orders/..%2F..%2Fetc%2Fpasswd", bearer),
    status: 404,
    code: "not_found",
  },
  {
    name: "GET /orders/%2e%2e",
    send: call("get", "/orders/%2e%2e", bearer),
    status: 404,
    code: "not_found",
  },
  {
    name: "GET /orders/ with a NUL",
    send: call("get", "/orders/ref%00", bearer),
    status: 404,
    code: "not_found",
  },
  {
    name: "GET /orders/ with a malformed escape",
    send: call("get", "/orders/%E0%A4%A", bearer),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "GET /orders/ with a 65 character reference",
    send: call("get", `/orders/${"r".repeat(65)}`, bearer),
    status: 404,
    code: "not_found",
  },
  {
    name: "DELETE /orders/ with unicode and control characters",
    send: call("delete", `/orders/${encodeURIComponent("réf\u0007\u202e")}`, bearer),
    status: 404,
    code: "not_found",
  },
  {
    name: "POST /orders/:ref/refresh with SQL in the reference",
    send: call("post", `/orders/${encodeURIComponent("x' OR '1'='1")}/refresh`, bearer),
    status: 404,
    code: "not_found",
  },
  {
    name: "GET /orders/:ref?include twice",
    send: call("get", "/orders/some-ref?include=events&include=events", bearer),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "GET /orders/:ref?include=__proto__",
    send: call("get", "/orders/some-ref?include=__proto__", bearer),
    status: 400,
    code: "validation_failed",
  },
  {
    name: "PUT /orders/:ref (no such route)",
    send: call("put", "/orders/some-ref", { ...bearer, ...json }, {}),
    status: 404,
    code: "not_found",
  },
  // the webhook: acknowledged, nothing stored, nothing read
  {
    name: "webhook with a 30 digit id",
    send: ipn(`topic=merchant_order&id=${"9".repeat(30)}`),
    status: 200,
  },
  { name: "webhook with a non-numeric id", send: ipn("topic=merchant_order&id=abc"), status: 200 },
  { name: "webhook with a negative id", send: ipn("topic=merchant_order&id=-5"), status: 200 },
  { name: "webhook with a decimal id", send: ipn("topic=payment&id=1.5"), status: 200 },
  { name: "webhook with an exponent id", send: ipn("topic=payment&id=1e10"), status: 200 },
  { name: "webhook with a leading-zero id", send: ipn("topic=payment&id=0123"), status: 200 },
  {
    name: "webhook with SQL in the id",
    send: ipn(`topic=merchant_order&id=${encodeURIComponent("1;DROP TABLE sales")}`),
    status: 200,
  },
  {
    name: "webhook with Arabic-Indic digits",
    send: ipn(`topic=merchant_order&id=${encodeURIComponent("١٢٣")}`),
    status: 200,
  },
  {
    name: "webhook with fullwidth digits",
    send: ipn(`topic=merchant_order&id=${encodeURIComponent("１２３")}`),
    status: 200,
  },
  {
    name: "webhook with a wrong topic",
    send: ipn("topic=point_integration_ipn&id=123"),
    status: 200,
  },
  { name: "webhook with topic __proto__", send: ipn("topic=__proto__&id=123"), status: 200 },
  {
    name: "webhook with the topic given twice",
    send: ipn("topic=point_integration_ipn&topic=merchant_order&id=123"),
    status: 200,
  },
  {
    name: "webhook with a foreign resource host",
    send: ipn("", {
      topic: "merchant_order",
      resource: "https://evil.example/merchant_orders/123",
    }),
    status: 200,
  },
  {
    name: "webhook with a look-alike resource host (evilmercadopago.com)",
    send: ipn("topic=merchant_order&id=123", {
      topic: "merchant_order",
      resource: "https://evilmercadopago.com/merchant_orders/123",
    }),
    status: 200,
  },
  {
    name: "webhook with api.mercadolibre.com as a subdomain of another host",
    send: ipn("", {
      topic: "merchant_order",
      resource: "https://api.mercadolibre.com.evil.example/merchant_orders/123",
    }),
    status: 200,
  },
  {
    name: "webhook with api.mercadopago.com as userinfo",
    send: ipn("", {
      topic: "payment",
      resource: "https://api.mercadopago.com@evil.example/v1/payments/123",
    }),
    status: 200,
  },
  {
    name: "webhook with a file: resource",
    send: ipn("", { topic: "merchant_order", resource: "file:///etc/passwd/123" }),
    status: 200,
  },
  {
    name: "webhook with an object as data.id",
    send: ipn("", { type: "payment", data: { id: { $gt: 1 } } }),
    status: 200,
  },
  {
    name: "webhook body whose topic hides in __proto__",
    send: call(
      "post",
      HOOK,
      json,
      '{"__proto__":{"topic":"merchant_order"},"resource":"https://api.mercadolibre.com/merchant_orders/123"}',
    ),
    status: 200,
  },
  {
    name: "webhook with a form body shaped like an IPN",
    send: call("post", HOOK, {}, "topic=merchant_order&id=123"),
    status: 200,
  },
  {
    name: "webhook with an XML body",
    send: call(
      "post",
      HOOK,
      { "Content-Type": "text/xml" },
      "<topic>merchant_order</topic><id>123</id>",
    ),
    status: 200,
  },
  {
    name: "webhook with malformed JSON",
    send: call("post", `${HOOK}&type=payment`, json, '{"data":{"id":"123"'),
    status: 200,
  },
  {
    name: "webhook with a 1 MB body",
    send: call("post", `${HOOK}&topic=merchant_order&id=123`, json, { pad: megabyte }),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "webhook with a gzip bomb",
    send: rawPost(
      `${HOOK}&topic=merchant_order&id=123`,
      { ...json, "Content-Encoding": "gzip" },
      gzipBomb,
    ),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "webhook with an unknown charset",
    send: call(
      "post",
      `${HOOK}&topic=merchant_order&id=123`,
      { "Content-Type": "text/plain; charset=x-unknown" },
      "{}",
    ),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "webhook without the secret",
    send: call("post", "/webhooks/mercadopago?topic=merchant_order&id=123", json, {}),
    status: 200,
  },
  {
    name: "webhook with the secret in a header instead of the URL",
    send: call("post", "/webhooks/mercadopago?topic=merchant_order&id=123", {
      ...json,
      "X-Secret": WEBHOOK_SECRET,
    }),
    status: 200,
  },
  {
    name: "webhook with a forged x-signature",
    send: call("post", `${HOOK}&data.id=123&type=payment`, {
      ...json,
      "x-signature": `ts=1,v1=${"f".repeat(64)}`,
      "x-request-id": "r-1",
    }),
    status: 200,
  },
  {
    name: "GET on the webhook",
    send: call("get", `${HOOK}&topic=merchant_order&id=123`),
    status: 404,
    code: "not_found",
  },
];

async function rows() {
  return {
    sales: await db.prisma.sale.count(),
    events: await db.prisma.saleEvent.count(),
    notifications: await db.prisma.notification.count(),
  };
}

describe("hostile requests", () => {
  it(`the table has at least 40 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)("$name → $status", async (c) => {
    const before = await rows();

    const res = await c.send();

    expect(res.status).toBe(c.status);
    if (c.code) {
      const body = JSON.parse(res.text);
      expect(body.error.code).toBe(c.code);
      expect(body.error.request_id).toBe(res.headers["x-request-id"]);
    }
    if (c.status === 200 && c.name.startsWith("webhook")) {
      expect(JSON.parse(res.text)).toEqual({ received: true });
    }
    c.check?.(res);
    expect(await rows()).toEqual(before);
    expect(upstream.seen).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("afterwards nothing is queued for Mercado Pago and the service is up", async () => {
    expect(await rows()).toEqual({ sales: 0, events: 0, notifications: 0 });
    await h.worker.runOnce();
    await h.sweeper.runOnce();
    expect(upstream.seen).toEqual([]);
    await request(server).get("/health").expect(200);
    await request(server).get("/ready").expect(200);
  });
});
