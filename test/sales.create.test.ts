import nock from "nock";
import request from "supertest";
import { describe, expect, it } from "vitest";
import {
  API_KEY,
  MP_BASE,
  NOTIFICATION_URL,
  TOKEN,
  auth,
  useHarness,
  expectPut,
  merchantOrder,
  posPath,
  putPath,
  slowReply,
  saleBody,
  uniquePos,
  uniqueRef,
} from "./helpers.ts";

const t = useHarness();

async function saleRow(ref: string) {
  return t.db.prisma.sale.findUnique({ where: { externalReference: ref } });
}

describe("POST /sales", () => {
  it("when the sale is valid, then it is stored pending and its order is PUT on the POS", async () => {
    const body = saleBody({
      title: "Mesa 4",
      items: [
        { title: "Coffee", unit_price: 2.5, quantity: 2, sku_number: "C1", category: "drinks" },
        { title: "Cake", unit_price: 0.1, quantity: 3, unit_measure: "pack", description: "slice" },
      ],
    });
    const sent: { body?: unknown } = {};
    expectPut("SUC001", body.pos_id, sent);

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(201);
    expect(res.headers["x-request-id"]).toBeTruthy();
    expect(res.body).toMatchObject({
      external_reference: body.external_reference,
      status: "pending",
      merchant_order_status: null,
      merchant_order_id: null,
      store_id: "SUC001",
      pos_id: body.pos_id,
      total_amount: 5.3,
      paid_amount: 0,
      payments: [],
      paid_at: null,
    });
    const put = sent.body as Record<string, unknown>;
    expect(put).toMatchObject({
      external_reference: body.external_reference,
      title: "Mesa 4",
      description: "Mesa 4",
      notification_url: NOTIFICATION_URL,
      total_amount: 5.3,
      items: [
        {
          title: "Coffee",
          unit_price: 2.5,
          quantity: 2,
          unit_measure: "unit",
          total_amount: 5,
          sku_number: "C1",
          category: "drinks",
        },
        {
          title: "Cake",
          unit_price: 0.1,
          quantity: 3,
          unit_measure: "pack",
          total_amount: 0.3,
          description: "slice",
        },
      ],
    });
    expect(typeof put.external_reference).toBe("string");
    expect(put.expiration_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    const expires = Date.parse(put.expiration_date as string);
    expect(expires - Date.now()).toBeGreaterThan(590_000);
    expect(expires - Date.now()).toBeLessThan(610_000);

    const row = await saleRow(body.external_reference);
    expect(row?.status).toBe("pending");
    expect(row?.totalCents).toBe(530n);
    const events = await t.db.prisma.saleEvent.findMany({ where: { saleId: row?.id } });
    expect(events.map((e) => [e.fromStatus, e.toStatus, e.source])).toEqual([
      [null, "pending", "create"],
    ]);
  });

  it("when no external_reference is sent, then the server makes one", async () => {
    const body = saleBody();
    delete (body as Record<string, unknown>).external_reference;
    const sent: { body?: { external_reference?: string } } = {};
    expectPut("SUC001", body.pos_id, sent);

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(201);
    expect(res.body.external_reference).toMatch(/^sale-[0-9a-f]{24}$/);
    expect(sent.body?.external_reference).toBe(res.body.external_reference);
    expect(res.body.title).toBe(`Sale ${res.body.external_reference}`);
  });

  it("when the same request is replayed, then the same sale is returned and nothing is sent again", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    const first = await request(t.h.app).post("/sales").set(auth).send(body);
    expect(first.status).toBe(201);

    const replay = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(replay.status).toBe(200);
    expect(replay.body.created_at).toBe(first.body.created_at);
    expect(
      await t.db.prisma.sale.count({ where: { externalReference: body.external_reference } }),
    ).toBe(1);
  });

  it("when a reference is reused with a different body, then 409 conflict and nothing changes", async () => {
    const body = saleBody();
    expectPut("SUC001", body.pos_id);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);

    const res = await request(t.h.app)
      .post("/sales")
      .set(auth)
      .send({ ...body, items: [{ title: "Tea", unit_price: 1, quantity: 1 }] });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    expect((await saleRow(body.external_reference))?.totalCents).toBe(500n);
  });

  it("when the POS already has a pending sale, then 409 pos_busy and no second order is sent", async () => {
    const pos = uniquePos();
    expectPut("SUC001", pos);
    await request(t.h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ pos_id: pos }))
      .expect(201);

    const second = saleBody({ pos_id: pos });
    const res = await request(t.h.app).post("/sales").set(auth).send(second);

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("pos_busy");
    expect(await saleRow(second.external_reference)).toBeNull();
  });

  it("when two sales for one POS race, then exactly one is created", async () => {
    const pos = uniquePos();
    expectPut("SUC001", pos);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() =>
        request(t.h.app)
          .post("/sales")
          .set(auth)
          .send(saleBody({ pos_id: pos })),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(await t.db.prisma.sale.count({ where: { posId: pos } })).toBe(1);
  });

  it("when Mercado Pago refuses the order (400), then the sale is failed and 502 mercadopago_rejected", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(400, {
      error: "invalid_total_amount",
      message: "total_amount must be number",
      status: 400,
      cause: [],
    });

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_rejected");
    expect(res.body.error.details).toEqual([
      { mercadopago_error: "invalid_total_amount", status: 400 },
    ]);
    expect((await saleRow(body.external_reference))?.status).toBe("failed");
  });

  it("when the PUT fails with 500 and the POS has no order of ours, then failed and 502 mercadopago_unavailable", async () => {
    const body = saleBody();
    nock(MP_BASE)
      .put(putPath("SUC001", body.pos_id))
      .reply(500, { error: "in_store_order_creation_error" });
    nock(MP_BASE)
      .get(posPath(body.pos_id))
      .reply(404, { error: "point_of_sale_in_store_order_not_found" });
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: body.external_reference })
      .reply(200, { elements: null, next_offset: 0, total: 0 });

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect((await saleRow(body.external_reference))?.status).toBe("failed");
    // the POS is free again for the next sale
    expectPut("SUC001", body.pos_id);
    await request(t.h.app)
      .post("/sales")
      .set(auth)
      .send(saleBody({ pos_id: body.pos_id }))
      .expect(201);
  });

  it("when the PUT fails with 500 but the order did land on the POS, then the sale stays pending (201)", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(502, "<html>Bad gateway</html>");
    nock(MP_BASE)
      .get(posPath(body.pos_id))
      .reply(200, { external_reference: body.external_reference, total_amount: 5 });

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(201);
    expect(res.body.status).toBe("pending");
    expect((await saleRow(body.external_reference))?.status).toBe("pending");
  });

  it("when the PUT times out and the POS cannot be read either, then the order is removed, failed, 504", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(slowReply(1500, 204));
    nock(MP_BASE).get(posPath(body.pos_id)).times(3).reply(503);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: body.external_reference })
      .reply(200, { elements: null, next_offset: 0, total: 0 });
    nock(MP_BASE).delete(posPath(body.pos_id)).reply(204);

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    const row = await saleRow(body.external_reference);
    expect(row?.status).toBe("failed");
    const events = await t.db.prisma.saleEvent.findMany({
      where: { saleId: row?.id },
      orderBy: { id: "asc" },
    });
    expect(events.at(-1)?.detail).toMatchObject({ reason: "timeout", verified: false });
  });

  it("when the PUT times out and the order is a different one, then failed", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(slowReply(1500, 204));
    nock(MP_BASE)
      .get(posPath(body.pos_id))
      .reply(200, [{ external_reference: "someone-else" }]);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: body.external_reference })
      .reply(200, { elements: null, next_offset: 0, total: 0 });

    const res = await request(t.h.app).post("/sales").set(auth).send(body);

    expect(res.status).toBe(504);
    expect((await saleRow(body.external_reference))?.status).toBe("failed");
  });

  it("sends the bearer token and an idempotency key on the PUT", async () => {
    const body = saleBody();
    nock(MP_BASE, {
      reqheaders: {
        authorization: `Bearer ${TOKEN}`,
        "x-idempotency-key": /^[0-9a-f-]{36}$/,
        "content-type": /application\/json/,
      },
    })
      .put(putPath("SUC001", body.pos_id))
      .reply(204);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
  });

  it("sends Colombian taxes with the order as absolute amounts", async () => {
    const body = saleBody({
      items: [{ title: "Almuerzo", unit_price: 3000, quantity: 2 }],
      taxes: [{ type: "IVA", value: 1140 }],
    });
    const sent: { body?: Record<string, unknown> } = {};
    expectPut("SUC001", body.pos_id, sent);
    await request(t.h.app).post("/sales").set(auth).send(body).expect(201);
    expect(sent.body?.taxes).toEqual([{ type: "IVA", value: 1140 }]);
    expect(sent.body?.total_amount).toBe(6000);
  });
});

describe("replaying a create", () => {
  const post = (body: unknown) =>
    request(t.h.app)
      .post("/sales")
      .set(auth)
      .send(body as object);

  it("when the order is still being published, then the replay answers 409 in_progress with Retry-After", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(slowReply(700, 204));
    const first = post(body).then((r) => r);
    for (let i = 0; i < 50 && !(await saleRow(body.external_reference)); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }

    const replay = await post(body);

    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe("in_progress");
    expect(Number(replay.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(replay.body.error.details).toEqual([
      { external_reference: body.external_reference, status: "pending" },
    ]);
    expect((await first).status).toBe(201);
    const later = await post(body);
    expect(later.status).toBe(200);
    expect(later.body.status).toBe("pending");
    expect((await saleRow(body.external_reference))?.orderState).toBe("on_pos");
  });

  it("when a sale is cancelled while its order is being published, then 409 in_progress and nothing is deleted", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(slowReply(700, 204));
    const first = post(body).then((r) => r);
    for (let i = 0; i < 50 && !(await saleRow(body.external_reference)); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }

    const cancel = await request(t.h.app).delete(`/orders/${body.external_reference}`).set(auth);

    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("in_progress");
    expect(Number(cancel.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await first).status).toBe(201);
    expect((await saleRow(body.external_reference))?.status).toBe("pending");
  });

  it("when the create was refused (400), then the replay answers 502 mercadopago_rejected naming the failed sale", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(400, {
      error: "invalid_total_amount",
      message: "total_amount must be number",
      status: 400,
      cause: [],
    });
    const first = await post(body);
    expect(first.status).toBe(502);

    const replay = await post(body); // no interceptor: nothing may be sent again

    expect(replay.status).toBe(502);
    expect(replay.body.error.code).toBe("mercadopago_rejected");
    expect(replay.body.error.details).toEqual([
      ...first.body.error.details,
      { external_reference: body.external_reference, status: "failed" },
    ]);
    expect(replay.body.error.message).toContain("new external_reference");
    expect(replay.body.error.message).toContain(first.body.error.message);
  });

  it("when the create failed upstream (PUT 500, order not on the POS), then the replay answers 502 mercadopago_unavailable", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(500);
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: body.external_reference })
      .reply(200, { elements: null, next_offset: 0, total: 0 });
    const first = await post(body);
    expect(first.status).toBe(502);

    const replay = await post(body);

    expect(replay.status).toBe(502);
    expect(replay.body.error.code).toBe("mercadopago_unavailable");
    expect(replay.body.error.details).toContainEqual({
      external_reference: body.external_reference,
      status: "failed",
    });
    expect(replay.body.error.message).toContain("new external_reference");
  });

  it("when the create timed out (504), then the replay answers 504 too", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(slowReply(1500, 204));
    nock(MP_BASE)
      .get(posPath(body.pos_id))
      .reply(200, [{ external_reference: "someone-else" }]);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: body.external_reference })
      .reply(200, { elements: null, next_offset: 0, total: 0 });
    const first = await post(body);
    expect(first.status).toBe(504);

    const replay = await post(body);

    expect(replay.status).toBe(504);
    expect(replay.body.error.code).toBe("mercadopago_unavailable");
    expect(replay.headers["retry-after"]).toBeUndefined();
  });

  it("when a failed sale was paid later, then the replay answers 200 with the paid sale", async () => {
    const body = saleBody();
    nock(MP_BASE).put(putPath("SUC001", body.pos_id)).reply(500);
    nock(MP_BASE).get(posPath(body.pos_id)).reply(404);
    nock(MP_BASE)
      .get("/merchant_orders/search")
      .query({ external_reference: body.external_reference })
      .reply(200, { elements: null, next_offset: 0, total: 0 });
    expect((await post(body)).status).toBe(502);
    const id = 41_000_000_000 + Math.floor(Math.random() * 1_000_000);
    nock(MP_BASE)
      .get(`/merchant_orders/${id}`)
      .reply(
        200,
        merchantOrder(id, body.external_reference, "closed", [
          { id: 9, status: "approved", transaction_amount: 5 },
        ]),
      );
    await request(t.h.app)
      .post(`/webhooks/mercadopago?topic=merchant_order&id=${id}`)
      .send({})
      .expect(200);
    await t.h.worker.runOnce();

    const replay = await post(body);

    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe("paid");
  });
});

describe("POST /sales input validation", () => {
  const valid = () => saleBody();
  const item = { title: "Coffee", unit_price: 2.5, quantity: 2 };
  const cases: [string, (b: Record<string, unknown>) => unknown][] = [
    ["missing store_id", (b) => ({ ...b, store_id: undefined })],
    ["missing pos_id", (b) => ({ ...b, pos_id: undefined })],
    ["pos_id with a slash", (b) => ({ ...b, pos_id: "POS/../x" })],
    ["pos_id too long", (b) => ({ ...b, pos_id: "P".repeat(41) })],
    ["external_reference with spaces", (b) => ({ ...b, external_reference: "a b" })],
    ["external_reference too long", (b) => ({ ...b, external_reference: "r".repeat(65) })],
    ["external_reference a number", (b) => ({ ...b, external_reference: 12345 })],
    ["no items", (b) => ({ ...b, items: [] })],
    ["items not a list", (b) => ({ ...b, items: item })],
    ["101 items", (b) => ({ ...b, items: Array.from({ length: 101 }, () => item) })],
    ["unit_price zero", (b) => ({ ...b, items: [{ ...item, unit_price: 0 }] })],
    ["unit_price negative", (b) => ({ ...b, items: [{ ...item, unit_price: -1 }] })],
    ["unit_price with 3 decimals", (b) => ({ ...b, items: [{ ...item, unit_price: 1.005 }] })],
    ["unit_price a string", (b) => ({ ...b, items: [{ ...item, unit_price: "2.50" }] })],
    ["quantity fractional", (b) => ({ ...b, items: [{ ...item, quantity: 1.5 }] })],
    ["quantity zero", (b) => ({ ...b, items: [{ ...item, quantity: 0 }] })],
    ["item without title", (b) => ({ ...b, items: [{ unit_price: 1, quantity: 1 }] })],
    ["unknown unit_measure", (b) => ({ ...b, items: [{ ...item, unit_measure: "kg" }] })],
    ["client-sent total", (b) => ({ ...b, total_amount: 5 })],
    ["unknown item field", (b) => ({ ...b, items: [{ ...item, total_amount: 5 }] })],
    ["title too long", (b) => ({ ...b, title: "t".repeat(257) })],
    ["taxes not below total", (b) => ({ ...b, taxes: [{ type: "IVA", value: 5 }] })],
    ["tax type unknown", (b) => ({ ...b, taxes: [{ type: "VAT", value: 1 }] })],
    [
      "total too large",
      (b) => ({ ...b, items: [{ ...item, unit_price: 99_999_999, quantity: 1000 }] }),
    ],
    ["a JSON array", () => [valid()]],
    [
      "prototype pollution key",
      (b) => JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(b).slice(1)}`),
    ],
    ["a constructor key", (b) => ({ ...b, constructor: { prototype: { admin: true } } })],
    [
      "prototype pollution key in an item",
      (b) => ({
        ...b,
        items: [JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(item).slice(1)}`)],
      }),
    ],
    [
      "unit_price that rounds to no cents",
      (b) => ({ ...b, items: [{ ...item, unit_price: 1e-9 }] }),
    ],
    ["unit_price null", (b) => ({ ...b, items: [{ ...item, unit_price: null }] })],
    ["quantity too large", (b) => ({ ...b, items: [{ ...item, quantity: 100_001 }] })],
    ["a NUL in the title", (b) => ({ ...b, title: "Mesa\u00004" })],
    ["a C1 control in the description", (b) => ({ ...b, description: "Mesa \u00854" })],
    [
      "a lone surrogate in an item title",
      (b) => ({ ...b, items: [{ ...item, title: "x\udc00" }] }),
    ],
    ["a lone surrogate in the title", (b) => ({ ...b, title: "Mesa \ud800" })],
    ["a right-to-left override in the title", (b) => ({ ...b, title: "Mesa \u202e4" })],
    [
      "a line separator in an item title",
      (b) => ({ ...b, items: [{ ...item, title: "a\u2028b" }] }),
    ],
    ["a title of spaces only", (b) => ({ ...b, title: "   " })],
    ["store_id with unicode", (b) => ({ ...b, store_id: "SUC\u0130" })],
    ["external_reference with a dot segment", (b) => ({ ...b, external_reference: ".." })],
    [
      "11 taxes",
      (b) => ({ ...b, taxes: Array.from({ length: 11 }, () => ({ type: "IVA", value: 0.01 })) }),
    ],
  ];

  it.each(cases)(
    "when the body has %s, then 400 validation_failed and nothing is stored or sent",
    async (_name, mutate) => {
      const body = valid();
      const res = await request(t.h.app)
        .post("/sales")
        .set(auth)
        .set("Content-Type", "application/json")
        .send(JSON.stringify(mutate(body)));

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.message).toBeTruthy();
      expect(res.body.error.request_id).toBe(res.headers["x-request-id"]);
      expect(await t.db.prisma.sale.count({ where: { posId: body.pos_id } })).toBe(0);
    },
  );

  it("accepts accents, emoji and other printable text in titles", async () => {
    const body = saleBody({
      title: "Café ☕ Pão de queijo — niño",
      items: [{ title: "Açaí 🍇 ×2", unit_price: 0.01, quantity: 1 }],
    });
    expectPut("SUC001", body.pos_id);
    const res = await request(t.h.app).post("/sales").set(auth).send(body);
    expect(res.status).toBe(201);
    expect(res.body.title).toBe("Café ☕ Pão de queijo — niño");
    expect(res.body.items[0].title).toBe("Açaí 🍇 ×2");
  });

  it("names the failing field in the message", async () => {
    const body = saleBody({ items: [{ title: "Coffee", unit_price: 0, quantity: 1 }] });
    const res = await request(t.h.app).post("/sales").set(auth).send(body);
    expect(res.body.error.message).toContain("items.0.unit_price: must be greater than 0");
  });

  it("when the body is not JSON, then 400; when it is another content type, then 415", async () => {
    const bad = await request(t.h.app)
      .post("/sales")
      .set(auth)
      .set("Content-Type", "application/json")
      .send("{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");

    const form = await request(t.h.app).post("/sales").set(auth).type("form").send("store_id=x");
    expect(form.status).toBe(415);
  });

  it("when the body is over the size limit, then 413 payload_too_large", async () => {
    const res = await request(t.h.app)
      .post("/sales")
      .set(auth)
      .send({ ...saleBody(), description: "x".repeat(100_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });
});

describe("authentication", () => {
  const routes: [string, string][] = [
    ["post", "/sales"],
    ["get", `/orders/${uniqueRef()}`],
    ["delete", `/orders/${uniqueRef()}`],
    ["post", `/orders/${uniqueRef()}/refresh`],
  ];
  const badHeaders: [string, Record<string, string>][] = [
    ["no header", {}],
    ["a wrong key", { Authorization: "Bearer not-the-key-at-all-000" }],
    ["the key without Bearer", { Authorization: API_KEY }],
    ["Basic auth", { Authorization: `Basic ${Buffer.from(`x:${API_KEY}`).toString("base64")}` }],
    ["a key prefix", { Authorization: `Bearer ${API_KEY.slice(0, -1)}` }],
  ];
  for (const [method, path] of routes) {
    it.each(badHeaders)(
      `${method.toUpperCase()} ${path.split("/")[1]} with %s → 401`,
      async (_n, headers) => {
        const res = await (
          request(t.h.app) as unknown as Record<string, (p: string) => request.Test>
        )[method]!(path)
          .set(headers)
          .send(saleBody());
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
      },
    );
  }

  it("health and readiness need no key", async () => {
    await request(t.h.app).get("/health").expect(200);
    await request(t.h.app).get("/ready").expect(200);
  });

  it("echoes a client's X-Request-Id", async () => {
    const res = await request(t.h.app).get("/health").set("X-Request-Id", "abc-123");
    expect(res.headers["x-request-id"]).toBe("abc-123");
  });

  it("unknown routes answer the error body with 404", async () => {
    const res = await request(t.h.app).get("/nope").set(auth);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
