import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import axios from "axios";
import { PNG } from "pngjs";
import request from "supertest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulatorServer, type SimulatorServer } from "mercadopago-simulator";
import {
  COLLECTOR,
  TOKEN,
  auth,
  buildHarness,
  createTestDb,
  type Harness,
  type TestDb,
} from "./helpers.ts";

// Stores and POS against the built-in simulator over real HTTP: from nothing to a paid sale on
// the registered POS, adoption after lost answers, and `npm run setup` as a process.

const jsQR = createRequire(import.meta.url)("jsqr") as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

let db: TestDb;
let sim: SimulatorServer;
let h: Harness;
let seq = 0;
const uniqueId = (prefix: string) => `${prefix}${process.pid}${++seq}${Date.now() % 100000}`;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: Number(COLLECTOR),
    sweepIntervalMs: 0,
  });
  h = buildHarness(db, { mpBaseUrl: sim.baseUrl, timeoutMs: 400 });
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});
beforeEach(() => {
  sim.sim.faults.clear();
  sim.sim.requests.length = 0;
});

const location = {
  street_number: "3039",
  street_name: "Caseros",
  city_name: "Belgrano",
  state_name: "Capital Federal",
  latitude: -34.56,
  longitude: -58.45,
};

const storeBody = (id: string) => ({ external_id: id, name: `Store ${id}`, location });

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

function decodePng(body: Buffer): string | null {
  const image = PNG.sync.read(body);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

const calls = (method: string, prefix: string) =>
  sim.sim.requests.filter((r) => r.method === method && r.path.startsWith(prefix)).length;

describe("a store from zero on the simulator", () => {
  it("store → POS → QR (the simulator's own content) → a sale on it is paid", async () => {
    const store = uniqueId("FS");
    const pos = uniqueId("FP");
    const created = await request(h.app).post("/stores").set(auth).send(storeBody(store));
    expect(created.status).toBe(201);
    const mpStore = sim.sim.state.searchStores(COLLECTOR, store);
    expect(mpStore).toHaveLength(1);
    expect(created.body.mercadopago_store_id).toBe(mpStore[0]?.id);

    const posRes = await request(h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(posRes.status).toBe(201);
    const atMp = sim.sim.state.searchPos({ external_id: pos });
    expect(atMp).toHaveLength(1);
    expect(atMp[0]).toMatchObject({ external_store_id: store, fixed_amount: true });
    expect(posRes.body.qr.image_url).toContain(`/qr/${pos}.png`);

    // the QR served here encodes what the simulator's own QR image encodes
    const ours = await request(h.app).get(`/pos/${pos}/qr.png`).set(auth).parse(binary);
    expect(ours.status).toBe(200);
    const theirs = await fetch(posRes.body.qr.image_url as string);
    const theirContent = decodePng(Buffer.from(await theirs.arrayBuffer()));
    expect(theirContent).toBe(`mpsim:pos:${COLLECTOR}:${store}:${pos}`);
    expect(decodePng(ours.body as Buffer)).toBe(theirContent);
    const pdf = await request(h.app).get(`/pos/${pos}/qr.pdf`).set(auth).parse(binary);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe("%PDF-");

    // the first sale on the registered POS
    const sale = await request(h.app)
      .post("/sales")
      .set(auth)
      .send({
        store_id: store,
        pos_id: pos,
        items: [{ title: "Coffee", unit_price: 2.5, quantity: 2 }],
      });
    expect(sale.status).toBe(201);
    sim.sim.pay(pos, { status: "approved" });
    const ref = sale.body.external_reference as string;
    const refreshed = await request(h.app).post(`/orders/${ref}/refresh`).set(auth);
    expect(refreshed.body.status).toBe("paid");
  });

  it("a store made in Mercado Pago's panel is adopted: no second store", async () => {
    const store = uniqueId("PS");
    const made = sim.sim.state.createStore(COLLECTOR, storeBody(store));
    const res = await request(h.app).post("/stores").set(auth).send(storeBody(store));
    expect(res.status).toBe(201);
    expect(res.body.mercadopago_store_id).toBe(made.id);
    expect(calls("POST", `/users/${COLLECTOR}/stores`)).toBe(0);
    expect(sim.sim.state.searchStores(COLLECTOR, store)).toHaveLength(1);
  });

  it("a store create that hangs after Mercado Pago made it: adopted on the same request", async () => {
    const store = uniqueId("HS");
    sim.sim.faults.set({ endpoint: "create_store", kind: "hang", after: true, times: 1 });
    const res = await request(h.app).post("/stores").set(auth).send(storeBody(store));
    expect(res.status).toBe(201);
    expect(sim.sim.state.searchStores(COLLECTOR, store)).toHaveLength(1);
    expect(res.body.mercadopago_store_id).toBe(sim.sim.state.searchStores(COLLECTOR, store)[0]?.id);
  });

  it("a POS create answered 500 after Mercado Pago made it: adopted; a retry answers 200; one POS there", async () => {
    const store = uniqueId("ES");
    const pos = uniqueId("EP");
    expect((await request(h.app).post("/stores").set(auth).send(storeBody(store))).status).toBe(
      201,
    );
    sim.sim.faults.set({ endpoint: "create_pos", kind: "500", after: true, times: 1 });
    const first = await request(h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(first.status).toBe(201);
    const retry = await request(h.app)
      .post(`/stores/${store}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(retry.status).toBe(200);
    expect(retry.body.mercadopago_pos_id).toBe(first.body.mercadopago_pos_id);
    expect(sim.sim.state.searchPos({ external_id: pos })).toHaveLength(1);
    expect(calls("POST", "/pos")).toBe(1);
  });

  it("a POS id that another store holds at Mercado Pago is 409", async () => {
    const a = uniqueId("AS");
    const b = uniqueId("BS");
    const pos = uniqueId("XP");
    sim.sim.state.createStore(COLLECTOR, storeBody(a));
    sim.sim.state.createPos({
      external_id: pos,
      external_store_id: a,
      name: "X",
      fixed_amount: true,
    });
    expect((await request(h.app).post("/stores").set(auth).send(storeBody(b))).status).toBe(201);
    const res = await request(h.app)
      .post(`/stores/${b}/pos`)
      .set(auth)
      .send({ external_id: pos, name: "Caja 1" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("conflict");
  });

  it("concurrent identical store creates: one store at Mercado Pago, every answer the same store", async () => {
    const store = uniqueId("CS");
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(h.app).post("/stores").set(auth).send(storeBody(store)),
      ),
    );
    for (const a of answers) expect([200, 201]).toContain(a.status);
    const ids = new Set(answers.map((a) => a.body.mercadopago_store_id as string));
    expect(ids.size).toBe(1);
    expect(sim.sim.state.searchStores(COLLECTOR, store)).toHaveLength(1);
  });

  it("one POS id asked for by two stores at once: one gets it, the other 409; one POS there", async () => {
    const a = uniqueId("RA");
    const b = uniqueId("RB");
    const pos = uniqueId("RP");
    for (const s of [a, b]) {
      expect((await request(h.app).post("/stores").set(auth).send(storeBody(s))).status).toBe(201);
    }
    const answers = await Promise.all(
      [a, b, a, b].map((s) =>
        request(h.app).post(`/stores/${s}/pos`).set(auth).send({ external_id: pos, name: "Caja" }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    const atMp = sim.sim.state.searchPos({ external_id: pos });
    expect(atMp).toHaveLength(1);
    const owner = atMp[0]?.external_store_id;
    answers.forEach((r, i) => {
      const asked = [a, b, a, b][i];
      if (asked === owner) expect([200, 201]).toContain(r.status);
      else expect(r.status).toBe(409);
    });
    expect(statuses.filter((s) => s === 409)).toHaveLength(2);
    const row = await db.prisma.pos.findUniqueOrThrow({ where: { externalId: pos } });
    expect(row.storeExternalId).toBe(owner);
  });

  it("the simulator refuses a second store with the same external id, as Mercado Pago does", async () => {
    const store = uniqueId("DS");
    sim.sim.state.createStore(COLLECTOR, storeBody(store));
    const res = await axios.post(`${sim.baseUrl}/users/${COLLECTOR}/stores`, storeBody(store), {
      headers: { Authorization: `Bearer ${TOKEN}` },
      validateStatus: () => true,
    });
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ message: "External_id-already-used" });
  });
});

// each case starts the script as its own process (tsx): slow on a loaded machine
describe("npm run setup", { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "setup-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function setup(args: string[], env: Record<string, string> = {}) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        path.resolve("node_modules/.bin/tsx"),
        ["scripts/setup.ts", ...args],
        {
          env: {
            PATH: process.env.PATH ?? "",
            NODE_ENV: "development",
            DATABASE_URL: db.url,
            MP_ACCESS_TOKEN: TOKEN,
            MP_COLLECTOR_ID: COLLECTOR,
            MP_BASE_URL: sim.baseUrl,
            DATA_DIR: dir,
            ...env,
          },
          timeout: 30_000,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  it("creates store and POS, writes the PDF, and a second run adopts them", async () => {
    const store = uniqueId("SS");
    const pos = uniqueId("SP");
    const out = path.join(dir, "sheet.pdf");
    const args = [
      "--store",
      store,
      "--store-name",
      "Sucursal Centro",
      "--street-name",
      "Caseros",
      "--street-number",
      "3039",
      "--city",
      "Belgrano",
      "--state",
      "Capital Federal",
      // negative numbers take the = form: "--latitude -34.56" reads as a missing value
      "--latitude=-34.56",
      "--longitude=-58.45",
      "--pos",
      pos,
      "--pos-name",
      "Caja 1",
      "--out",
      out,
    ];
    const first = await setup(args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`QR sheet to print: ${out}`);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe("%PDF-");
    expect(sim.sim.state.searchPos({ external_id: pos })).toHaveLength(1);
    const row = await db.prisma.pos.findUniqueOrThrow({ where: { externalId: pos } });
    expect(row.qrContent).toBe(`mpsim:pos:${COLLECTOR}:${store}:${pos}`);

    rmSync(out);
    const again = await setup(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already set up here");
    expect(existsSync(out)).toBe(true);
    expect(sim.sim.state.searchStores(COLLECTOR, store)).toHaveLength(1);
  });

  it("clear errors: a bad flag names it (exit 2); no token says what to set (exit 2)", async () => {
    const bad = await setup([
      "--store",
      uniqueId("BS"),
      "--store-name",
      "X",
      "--pos",
      "P1",
      "--pos-name",
      "Caja",
      "--latitude",
      "north",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--latitude");
    expect(bad.stderr).toContain("--street-name");

    const noToken = await setup(["--store", "S1", "--pos", "P1", "--pos-name", "Caja"], {
      MP_ACCESS_TOKEN: "",
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("MP_ACCESS_TOKEN");
  });
});
