import { createRequire } from "node:module";
import { inflateSync } from "node:zlib";
import nock from "nock";
import { PNG } from "pngjs";
import QRCode from "qrcode";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { MESSAGES } from "../src/i18n/catalogue.ts";
import {
  API_KEY,
  COLLECTOR,
  MP_BASE,
  auth,
  putPath,
  saleBody,
  slowReply,
  useHarness,
} from "./helpers.ts";

// Stores and POS through the API against a nock Mercado Pago: idempotent by external id,
// adoption of what already exists there, conflicts, roles, and the QR in three formats.

// jsqr is CommonJS exporting the decoder itself (its typings say otherwise under NodeNext)
const jsQR = createRequire(import.meta.url)("jsqr") as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

const STAFF_KEY = "staff-key-stores-0123456789";
const POS_KEY = "pos-key-stores-0123456789ab";
const staff = { Authorization: `Bearer ${STAFF_KEY}` };
const posKey = { Authorization: `Bearer ${POS_KEY}` };
const BOUND_STORE = "BOUNDSTORE";
const BOUND_POS = "BOUNDPOS1";

const t = useHarness({
  timeoutMs: 300,
  staffApiKeys: [STAFF_KEY],
  posApiKeys: [`${POS_KEY}@${BOUND_STORE}/${BOUND_POS}`],
});

const QR_HOST = "https://www.mercadopago.com";
let seq = 0;
const uniqueId = (prefix: string) => `${prefix}${process.pid}${++seq}${Date.now() % 100000}`;

function storeBody(externalId: string, overrides: Record<string, unknown> = {}) {
  return {
    external_id: externalId,
    name: "Sucursal Centro",
    location: {
      street_number: "3039",
      street_name: "Caseros",
      city_name: "Belgrano",
      state_name: "Capital Federal",
      latitude: -32.8897322,
      longitude: -68.8443275,
      reference: "3er Piso",
    },
    ...overrides,
  };
}

const mpStore = (externalId: string, id = "1234567") => ({
  id,
  name: "Sucursal Centro",
  external_id: externalId,
  location: { address_line: "Caseros 3039, Belgrano, Capital Federal" },
});

/** What a POS's QR encodes at Mercado Pago in these tests (the real content is not documented). */
const qrContentOf = (mpPosId: number) => `https://mpago.la/pos/${mpPosId}`;

function mpPos(externalId: string, externalStoreId: string, id: number, storeId = "1234567") {
  const base = `${QR_HOST}/instore/merchant/qr/${id}`;
  return {
    id,
    qr: {
      image: `${base}/abc${id}.png`,
      template_document: `${base}/template_abc${id}.pdf`,
      template_image: `${base}/template_abc${id}.png`,
    },
    status: "active",
    name: "Caja 1",
    fixed_amount: true,
    store_id: storeId,
    external_store_id: externalStoreId,
    external_id: externalId,
  };
}

/** Mercado Pago's image of the POS's QR. */
async function serveQrImage(id: number, times = 1) {
  const png = await QRCode.toBuffer(qrContentOf(id), { type: "png", width: 300 });
  return nock(QR_HOST)
    .get(`/instore/merchant/qr/${id}/abc${id}.png`)
    .times(times)
    .reply(200, png, { "Content-Type": "image/png" });
}

const searchStores = (externalId: string, results: unknown[]) =>
  nock(MP_BASE)
    .get(`/users/${COLLECTOR}/stores/search`)
    .query({ external_id: externalId })
    .reply(200, { paging: { total: results.length, offset: 0, limit: 50 }, results });

const searchPos = (externalId: string, results: unknown[]) =>
  nock(MP_BASE)
    .get("/pos")
    .query({ external_id: externalId })
    .reply(200, { paging: { total: results.length, offset: 0, limit: 50 }, results });

/** A store registered here through the API (Mercado Pago store id `mpId`). */
async function registerStore(externalId: string, mpId = "1234567") {
  searchStores(externalId, []);
  nock(MP_BASE).post(`/users/${COLLECTOR}/stores`).reply(200, mpStore(externalId, mpId));
  const res = await request(t.h.app).post("/stores").set(auth).send(storeBody(externalId));
  expect(res.status).toBe(201);
  return res.body as { external_id: string; mercadopago_store_id: string };
}

async function registerPos(storeId: string, posId: string, mpId: number, mpStoreId = "1234567") {
  searchPos(posId, []);
  nock(MP_BASE)
    .post("/pos")
    .reply(201, mpPos(posId, storeId, mpId, mpStoreId));
  await serveQrImage(mpId);
  const res = await request(t.h.app)
    .post(`/stores/${storeId}/pos`)
    .set(auth)
    .send({ external_id: posId, name: "Caja 1", category: 621102 });
  expect(res.status).toBe(201);
  return res.body as Record<string, unknown>;
}

function decodePng(body: Buffer): string | null {
  const image = PNG.sync.read(body);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  return found?.data ?? null;
}

/** The PDF's content streams, inflated. */
function pdfStreams(pdf: Buffer): string[] {
  const text = pdf.toString("latin1");
  const out: string[] = [];
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    try {
      out.push(
        inflateSync(pdf.subarray(start, text.indexOf("endstream", start))).toString("latin1"),
      );
    } catch {
      // not a deflated stream (fonts and the like): not page content
    }
  }
  return out;
}

/** The words drawn on the page (pdfkit writes them as hex strings in TJ arrays). */
function pdfText(pdf: Buffer): string {
  return pdfStreams(pdf)
    .flatMap((s) => [...s.matchAll(/\[(.*?)\] TJ/g)])
    .map((m) => [...(m[1] ?? "").matchAll(/<([0-9a-f]*)>/g)].map((h) => h[1]).join(""))
    .map((hex) => Buffer.from(hex, "hex").toString("latin1"))
    .join("\n");
}

/**
 * The QR drawn on the sheet, decoded: its path segments (one per run of dark modules, in module
 * units) are painted onto a bitmap, which a QR reader then reads.
 */
function decodePdfQr(pdf: Buffer): string | null {
  const segments: [number, number, number][] = [];
  for (const stream of pdfStreams(pdf)) {
    for (const m of stream.matchAll(/^([\d.]+) ([\d.]+) m\n([\d.]+) \2 l$/gm)) {
      segments.push([Number(m[1]), Number(m[3]), Math.floor(Number(m[2]))]);
    }
  }
  if (segments.length === 0) return null;
  const modules = Math.max(...segments.map(([, x2]) => x2)) + 4;
  const px = 8;
  const side = modules * px;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const [x1, x2, row] of segments) {
    for (let y = row * px; y < (row + 1) * px; y++) {
      for (let x = x1 * px; x < x2 * px; x++)
        data.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
    }
  }
  return jsQR(data, side, side)?.data ?? null;
}

/** supertest: keep binary bodies as Buffers */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

describe("POST /stores", () => {
  it("creates the store at Mercado Pago, keeps its id, and answers a replay 200 without calling again", async () => {
    const id = uniqueId("ST");
    searchStores(id, []);
    let sent: unknown;
    nock(MP_BASE)
      .post(`/users/${COLLECTOR}/stores`, (b) => {
        sent = b;
        return true;
      })
      .reply(200, mpStore(id, "7654321"));
    const first = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      external_id: id,
      name: "Sucursal Centro",
      mercadopago_store_id: "7654321",
    });
    expect(sent).toEqual(storeBody(id));
    const row = await t.db.prisma.store.findUniqueOrThrow({ where: { externalId: id } });
    expect(row.mercadopagoId).toBe("7654321");

    // no interceptor left: a call to Mercado Pago would fail the replay
    const replay = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await t.db.prisma.store.count({ where: { externalId: id } })).toBe(1);
  });

  it("the same id with another body is 409 conflict and changes nothing", async () => {
    const id = uniqueId("ST");
    await registerStore(id);
    const res = await request(t.h.app)
      .post("/stores")
      .set(auth)
      .send(storeBody(id, { name: "Another name" }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
    const row = await t.db.prisma.store.findUniqueOrThrow({ where: { externalId: id } });
    expect(row.name).toBe("Sucursal Centro");
  });

  it("a store that already exists at Mercado Pago is adopted, not created again", async () => {
    const id = uniqueId("ST");
    searchStores(id, [mpStore(id, "555")]);
    const res = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_store_id).toBe("555");
  });

  it("a create whose answer is lost (timeout) is resolved by a search: adopted", async () => {
    const id = uniqueId("ST");
    searchStores(id, []);
    nock(MP_BASE)
      .post(`/users/${COLLECTOR}/stores`)
      .reply(slowReply(600, 200, mpStore(id, "888")));
    searchStores(id, [mpStore(id, "888")]);
    const res = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_store_id).toBe("888");
  });

  it("'External_id-already-used' (created meanwhile) is resolved by a search: adopted", async () => {
    const id = uniqueId("ST");
    searchStores(id, []);
    nock(MP_BASE).post(`/users/${COLLECTOR}/stores`).reply(400, {
      status: 400,
      error: "VALIDATION_ERROR",
      message: "External_id-already-used",
    });
    searchStores(id, [mpStore(id, "999")]);
    const res = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_store_id).toBe("999");
  });

  it("a refusal (bad city) with nothing found after is 502 mercadopago_rejected, nothing kept", async () => {
    const id = uniqueId("ST");
    searchStores(id, []);
    nock(MP_BASE)
      .post(`/users/${COLLECTOR}/stores`)
      .reply(400, { status: 400, error: "INVALID_CITY_NAME", message: "city_name is invalid" });
    searchStores(id, []);
    const res = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_rejected");
    expect(res.body.error.message).toContain("INVALID_CITY_NAME");
    expect(await t.db.prisma.store.count({ where: { externalId: id } })).toBe(0);
  });

  it("Mercado Pago down (create 500, search 500) is 502 mercadopago_unavailable, nothing kept", async () => {
    const id = uniqueId("ST");
    searchStores(id, []);
    nock(MP_BASE).post(`/users/${COLLECTOR}/stores`).reply(500, { error: "internal_error" });
    nock(MP_BASE)
      .get(`/users/${COLLECTOR}/stores/search`)
      .query(true)
      .times(3)
      .reply(500, { error: "internal_error" });
    const res = await request(t.h.app).post("/stores").set(auth).send(storeBody(id));
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(await t.db.prisma.store.count({ where: { externalId: id } })).toBe(0);
  });

  it.each([
    [{ external_id: "SUC-001" }, "external_id: must be 1-60 letters or digits"],
    [{ external_id: "A".repeat(61) }, "external_id: must be 1-60 letters or digits"],
    [{ name: "" }, "name: must not be empty"],
    [{ name: "x".repeat(101) }, "name: must be at most 100 characters"],
    [{ location: { street_name: "Caseros" } }, "location.street_number"],
    [{ location: { ...storeBody("X").location, latitude: 91 } }, "location.latitude: must be"],
    [{ location: { ...storeBody("X").location, longitude: "x" } }, "location.longitude"],
    [{ extra: 1 }, "extra"],
  ])("validation: %j → 400 naming the field", async (override, message) => {
    const res = await request(t.h.app)
      .post("/stores")
      .set(auth)
      .send(storeBody("VALID1", override));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toContain(message);
  });

  it("a body that is not JSON is 415", async () => {
    const res = await request(t.h.app)
      .post("/stores")
      .set(auth)
      .set("Content-Type", "text/plain")
      .send("x");
    expect(res.status).toBe(415);
  });
});

describe("POST /stores/:store_id/pos", () => {
  it("creates the POS (fixed_amount, both store ids), keeps its QR links and content; replay 200", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store, "4321");
    searchPos(pos, []);
    let sent: unknown;
    nock(MP_BASE)
      .post("/pos", (b) => {
        sent = b;
        return true;
      })
      .reply(201, mpPos(pos, store, 2711382, "4321"));
    await serveQrImage(2711382);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1", category: 621102 });
    expect(res.status).toBe(201);
    expect(sent).toEqual({
      external_id: pos,
      external_store_id: store,
      store_id: 4321,
      name: "Caja 1",
      fixed_amount: true,
      category: 621102,
    });
    expect(res.body).toMatchObject({
      external_id: pos,
      store_id: store,
      name: "Caja 1",
      category: 621102,
      mercadopago_pos_id: "2711382",
      qr: {
        image_url: `${QR_HOST}/instore/merchant/qr/2711382/abc2711382.png`,
        template_document_url: `${QR_HOST}/instore/merchant/qr/2711382/template_abc2711382.pdf`,
        template_image_url: `${QR_HOST}/instore/merchant/qr/2711382/template_abc2711382.png`,
      },
    });
    const row = await t.db.prisma.pos.findUniqueOrThrow({ where: { externalId: pos } });
    expect(row.qrContent).toBe(qrContentOf(2711382));

    const replay = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1", category: 621102 });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(res.body);
  });

  it("same POS id with another body is 409 conflict", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    await registerPos(store, pos, 100001);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 2" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
  });

  it("a POS id registered here for another store is 409 conflict, with no call to Mercado Pago", async () => {
    const storeA = uniqueId("STA");
    const storeB = uniqueId("STB");
    const pos = uniqueId("P");
    await registerStore(storeA);
    await registerStore(storeB, "2222");
    await registerPos(storeA, pos, 100002);
    const res = await request(t.h.app)
      .post(`/stores/${storeB}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1", category: 621102 });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(storeA);
  });

  it("a POS id that exists at Mercado Pago in another store is 409 conflict, nothing kept", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    searchPos(pos, [mpPos(pos, "SOMEOTHERSTORE", 100003, "999999")]);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("SOMEOTHERSTORE");
    expect(await t.db.prisma.pos.count({ where: { externalId: pos } })).toBe(0);
  });

  it("a POS that already exists at Mercado Pago for this store is adopted, not created again", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    searchPos(pos, [mpPos(pos, store, 100004)]);
    await serveQrImage(100004);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_pos_id).toBe("100004");
  });

  it("409 'same EXTERNAL_ID' from Mercado Pago (created meanwhile) → search → adopted", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    searchPos(pos, []);
    nock(MP_BASE)
      .post("/pos")
      .reply(409, { status: 409, error: "conflict", message: "A pos with the same EXTERNAL_ID" });
    searchPos(pos, [mpPos(pos, store, 100005)]);
    await serveQrImage(100005);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_pos_id).toBe("100005");
  });

  it("a POS create that times out and is not there after is 504, nothing kept; the retry creates it", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    searchPos(pos, []);
    nock(MP_BASE)
      .post("/pos")
      .reply(slowReply(600, 201, mpPos(pos, store, 100006)));
    searchPos(pos, []);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("mercadopago_unavailable");
    expect(await t.db.prisma.pos.count({ where: { externalId: pos } })).toBe(0);

    const again = await registerPos(store, pos, 100006);
    expect(again.mercadopago_pos_id).toBe("100006");
  });

  it("an unknown store is 404; validation names the field", async () => {
    const unknown = await request(t.h.app)
      .post(`/stores/${uniqueId("NOPE")}/pos`)
      .set(auth)
      .send({ external_id: "P1", name: "Caja" });
    expect(unknown.status).toBe(404);
    const store = uniqueId("ST");
    await registerStore(store);
    for (const [body, message] of [
      [{ external_id: "P-1", name: "Caja" }, "external_id: must be 1-40 letters or digits"],
      [{ external_id: "P".repeat(41), name: "Caja" }, "external_id: must be 1-40"],
      [{ external_id: "P1", name: "x".repeat(45) }, "name: must be at most 44 characters"],
      [{ external_id: "P1", name: "Caja", category: "food" }, "category: must be a number"],
      [{ external_id: "P1", name: "Caja", category: 1.5 }, "category: must be an integer"],
    ] as const) {
      const res = await request(t.h.app).post(`/stores/${store}/pos`).set(auth).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
  });
});

describe("reading stores and POS", () => {
  it("GET /stores, /stores/:id, /pos?store_id, /pos/:id for staff; 404 unknown", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    await registerPos(store, pos, 100010);
    const stores = await request(t.h.app).get("/stores").set(staff);
    expect(stores.status).toBe(200);
    expect(stores.headers["cache-control"]).toBe("no-store");
    expect(stores.body.data.map((s: { external_id: string }) => s.external_id)).toContain(store);
    expect((await request(t.h.app).get(`/stores/${store}`).set(staff)).body.external_id).toBe(
      store,
    );
    const list = await request(t.h.app).get("/pos").query({ store_id: store }).set(staff);
    expect(list.body.data.map((p: { external_id: string }) => p.external_id)).toEqual([pos]);
    const one = await request(t.h.app).get(`/pos/${pos}`).set(auth);
    expect(one.body).toMatchObject({ external_id: pos, store_id: store });
    expect((await request(t.h.app).get("/stores/NOSUCHSTORE").set(staff)).status).toBe(404);
    expect((await request(t.h.app).get("/pos/NOSUCHPOS").set(staff)).status).toBe(404);
    expect((await request(t.h.app).get("/pos").query({ store_id: "a-b" }).set(staff)).status).toBe(
      400,
    );
  });
});

describe("the POS's QR", () => {
  it("PNG decodes to the POS's QR content; SVG and PDF have their signatures; cacheable privately", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    await registerPos(store, pos, 100020);

    const png = await request(t.h.app).get(`/pos/${pos}/qr.png`).set(auth).parse(binary);
    expect(png.status).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.headers["cache-control"]).toBe("private, max-age=3600");
    const pngBody = png.body as Buffer;
    expect(pngBody.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(decodePng(pngBody)).toBe(qrContentOf(100020));

    const svg = await request(t.h.app).get(`/pos/${pos}/qr.svg`).set(auth).parse(binary);
    expect(svg.status).toBe(200);
    expect(svg.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect((svg.body as Buffer).toString("utf8")).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );

    const pdf = await request(t.h.app).get(`/pos/${pos}/qr.pdf`).set(auth).parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    const raw = (pdf.body as Buffer).toString("latin1");
    expect(raw.startsWith("%PDF-")).toBe(true);
    expect(raw.trimEnd().endsWith("%%EOF")).toBe(true);
    expect(raw).toContain("/MediaBox [0 0 419.53 595.28]"); // A5
    const words = pdfText(pdf.body as Buffer);
    expect(words).toContain("Sucursal Centro");
    expect(words).toContain("Caja 1");
    // the store has no language of its own: the site's default (es for MLA)
    expect(words).toContain("Escanea y paga con Mercado Pago");
    expect(words).toContain(`Sucursal ${store} · Caja ${pos}`);
    expect(words).not.toContain("Scan to pay");
    expect(raw).toContain("/Lang (es)");
    expect(decodePdfQr(pdf.body as Buffer)).toBe(qrContentOf(100020));
  });

  it("the PDF sheet speaks the store's language", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    await registerPos(store, pos, 100022);
    const sheet = async () => {
      const res = await request(t.h.app).get(`/pos/${pos}/qr.pdf`).set(auth).parse(binary);
      expect(res.status).toBe(200);
      return pdfText(res.body as Buffer);
    };
    const cases = [
      ["pt-BR", "Escaneie e pague com o Mercado Pago", `Loja ${store} · Caixa ${pos}`],
      ["en", "Scan to pay with Mercado Pago", `Store ${store} · POS ${pos}`],
      ["es", "Escanea y paga con Mercado Pago", `Sucursal ${store} · Caja ${pos}`],
    ] as const;
    for (const [locale, scan, ids] of cases) {
      await request(t.h.app).patch(`/stores/${store}`).set(auth).send({ locale }).expect(200);
      const words = await sheet();
      expect(words, locale).toContain(scan);
      expect(words, locale).toContain(ids);
      // the catalogue's own words, not a copy of them
      expect(words).toContain(MESSAGES[locale]["qr_sheet.scan"]);
    }
  });

  it("when Mercado Pago's image could not be read at registration, the QR route reads it later", async () => {
    const store = uniqueId("ST");
    const pos = uniqueId("P");
    await registerStore(store);
    searchPos(pos, []);
    nock(MP_BASE)
      .post("/pos")
      .reply(201, mpPos(pos, store, 100021));
    nock(QR_HOST).get(`/instore/merchant/qr/100021/abc100021.png`).reply(500);
    const res = await request(t.h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(res.status).toBe(201);
    expect(
      (await t.db.prisma.pos.findUniqueOrThrow({ where: { externalId: pos } })).qrContent,
    ).toBe(null);

    nock(QR_HOST).get(`/instore/merchant/qr/100021/abc100021.png`).reply(404);
    const down = await request(t.h.app).get(`/pos/${pos}/qr.png`).set(auth);
    expect(down.status).toBe(502);
    expect(down.body.error.code).toBe("mercadopago_unavailable");
    expect(down.body.error.message).toContain("template_abc100021.pdf");
    expect(down.headers["cache-control"]).toBe("no-store");

    await serveQrImage(100021);
    const png = await request(t.h.app).get(`/pos/${pos}/qr.png`).set(auth).parse(binary);
    expect(png.status).toBe(200);
    expect(decodePng(png.body as Buffer)).toBe(qrContentOf(100021));
    expect(
      (await t.db.prisma.pos.findUniqueOrThrow({ where: { externalId: pos } })).qrContent,
    ).toBe(qrContentOf(100021));
  });

  it("404 for a POS not registered here", async () => {
    for (const ext of ["png", "svg", "pdf"]) {
      const res = await request(t.h.app).get(`/pos/NEVERREGISTERED/qr.${ext}`).set(auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });
});

describe("roles", () => {
  it("only full keys register; staff and full read; a POS key reads only its own POS's QR", async () => {
    await registerStore(BOUND_STORE);
    await registerPos(BOUND_STORE, BOUND_POS, 100030);
    const other = uniqueId("P");
    await registerPos(BOUND_STORE, other, 100031);

    expect((await request(t.h.app).post("/stores").send(storeBody("X1"))).status).toBe(401);
    const byStaff = await request(t.h.app).post("/stores").set(staff).send(storeBody("X1"));
    expect(byStaff.status).toBe(403);
    expect(byStaff.body.error.code).toBe("forbidden");
    expect((await request(t.h.app).post("/stores").set(posKey).send(storeBody("X1"))).status).toBe(
      403,
    );
    const posByStaff = await request(t.h.app)
      .post(`/stores/${BOUND_STORE}/pos`)
      .set(staff)
      .send({ external_id: "P9", name: "Caja" });
    expect(posByStaff.status).toBe(403);

    expect((await request(t.h.app).get("/stores").set(posKey)).status).toBe(403);
    expect((await request(t.h.app).get("/pos").set(posKey)).status).toBe(403);
    expect((await request(t.h.app).get(`/pos/${BOUND_POS}`).set(posKey)).status).toBe(403);
    expect((await request(t.h.app).get("/stores").set(staff)).status).toBe(200);
    expect((await request(t.h.app).get(`/pos/${other}/qr.png`).set(staff)).status).toBe(200);

    expect((await request(t.h.app).get(`/pos/${BOUND_POS}/qr.png`).set(posKey)).status).toBe(200);
    expect((await request(t.h.app).get(`/pos/${BOUND_POS}/qr.pdf`).set(posKey)).status).toBe(200);
    const foreign = await request(t.h.app).get(`/pos/${other}/qr.png`).set(posKey);
    expect(foreign.status).toBe(404);
    expect((await request(t.h.app).get(`/pos/${BOUND_POS}/qr.png`)).status).toBe(401);
    expect(
      (
        await request(t.h.app)
          .get(`/pos/${BOUND_POS}/qr.png`)
          .set({ Authorization: `Bearer ${API_KEY}x` })
      ).status,
    ).toBe(401);
  });
});

describe("sales on a POS never registered here", () => {
  it("still work: POST /sales publishes the order", async () => {
    const body = saleBody({ store_id: "UNREGSTORE" });
    nock(MP_BASE).put(putPath("UNREGSTORE", body.pos_id)).reply(204);
    const res = await request(t.h.app).post("/sales").set(auth).send(body);
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("pending");
    expect(await t.db.prisma.pos.count({ where: { externalId: body.pos_id } })).toBe(0);
  });
});
