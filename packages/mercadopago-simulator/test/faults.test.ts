import axios from "axios";
import type { AxiosResponse } from "axios";
import { afterEach, describe, expect, it } from "vitest";

import { startSimulatorServer } from "../src/simulator.ts";
import type { SimulatorServer } from "../src/simulator.ts";
import { AUTH, COLLECTOR, TOKEN, orderBody } from "./helpers.ts";

const servers: SimulatorServer[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()?.close();
});

async function start(seed?: number) {
  const server = await startSimulatorServer({
    accessToken: TOKEN,
    collectorId: COLLECTOR,
    sweepIntervalMs: 0,
    deliver: async () => 200,
    ...(seed !== undefined ? { seed } : {}),
  });
  servers.push(server);
  const mp = axios.create({
    baseURL: server.baseUrl,
    headers: AUTH,
    validateStatus: () => true,
  });
  const api = axios.create({ baseURL: `${server.url}/api`, validateStatus: () => true });
  const putOrder = (body = orderBody()) =>
    mp.put(`/instore/qr/seller/collectors/${COLLECTOR}/stores/S1/pos/POS1/orders`, body);
  const getOrder = () => mp.get(`/instore/qr/seller/collectors/${COLLECTOR}/pos/POS1/orders`);
  const setFault = async (rule: Record<string, unknown> | Record<string, unknown>[]) => {
    const res = await api.put("/faults", rule);
    expect(res.status).toBe(200);
    return res;
  };
  return { server, mp, api, putOrder, getOrder, setFault };
}

describe("fault injection", () => {
  it("500 answers a Mercado Pago style error and does not apply the request", async () => {
    const { putOrder, getOrder, setFault } = await start();
    await setFault({ endpoint: "put_order", kind: "500" });
    const res = await putOrder();
    expect(res.status).toBe(500);
    expect(res.data).toEqual({
      message: "Failed to create order.",
      error: "in_store_order_creation_error",
      status: 500,
      cause: [],
    });
    expect((await getOrder()).status).toBe(404);
  });

  it("after: true applies the request and then fails (indeterminate result)", async () => {
    const { putOrder, getOrder, setFault } = await start();
    await setFault({ endpoint: "put_order", kind: "500", after: true, times: 1 });
    expect((await putOrder()).status).toBe(500);
    expect((await getOrder()).status).toBe(200);
  });

  it("429 sends Retry-After", async () => {
    const { mp, setFault } = await start();
    await setFault({ endpoint: "get_merchant_order", kind: 429, retryAfterSeconds: 7 });
    const res = await mp.get("/merchant_orders/123");
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("7");
    expect(res.data).toMatchObject({ error: "too_many_requests", status: 429 });
  });

  it("html answers 502 with an HTML page", async () => {
    const { mp, setFault } = await start();
    await setFault({ endpoint: "search_merchant_orders", kind: "html" });
    const res: AxiosResponse<string> = await mp.get("/merchant_orders/search", {
      params: { external_reference: "x" },
      responseType: "text",
    });
    expect(res.status).toBe(502);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.data).toContain("<html>");
  });

  it("empty204 answers 204 without a body where JSON is expected", async () => {
    const { mp, putOrder, setFault } = await start();
    await putOrder();
    await setFault({ endpoint: "get_order", kind: "empty204" });
    const res = await mp.get(`/instore/qr/seller/collectors/${COLLECTOR}/pos/POS1/orders`, {
      responseType: "text",
    });
    expect(res.status).toBe(204);
    expect(res.data).toBe("");
  });

  it("times: only the next N calls fail", async () => {
    const { mp, api, setFault } = await start();
    await setFault({ endpoint: "get_payment", kind: "500", times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await mp.get("/v1/payments/1")).status);
    expect(statuses).toEqual([500, 500, 404]);
    expect((await api.get("/faults")).data.faults).toEqual([]);
  });

  it("'*' applies to every endpoint without its own rule", async () => {
    const { mp, getOrder, setFault } = await start();
    await setFault([
      { endpoint: "*", kind: "500" },
      { endpoint: "get_order", kind: "429" },
    ]);
    expect((await mp.get("/v1/payments/1")).status).toBe(500);
    expect((await mp.get("/merchant_orders/1")).status).toBe(500);
    expect((await getOrder()).status).toBe(429);
  });

  it("rate applies with a seeded probability (reproducible)", async () => {
    const pattern = async () => {
      const { mp, setFault } = await start(99);
      await setFault({ endpoint: "get_payment", kind: "500", rate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 12; i += 1) out.push((await mp.get("/v1/payments/1")).status);
      return out;
    };
    const a = await pattern();
    expect(await pattern()).toEqual(a);
    expect(a).toContain(500);
    expect(a).toContain(404);
  });

  it("latencyMs delays the answer", async () => {
    const { mp, setFault } = await start();
    await setFault({ endpoint: "get_payment", latencyMs: 80 });
    const started = Date.now();
    const res = await mp.get("/v1/payments/1");
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });

  it("hang never answers; an axios timeout aborts it without leaking", async () => {
    const { mp, api, server, setFault } = await start();
    await setFault({ endpoint: "get_merchant_order", kind: "hang" });
    const err: unknown = await mp.get("/merchant_orders/1", { timeout: 150 }).catch((e) => e);
    expect(axios.isAxiosError(err) && err.code).toBe("ECONNABORTED");
    // The server noticed the client went away and forgot the request.
    await expect.poll(() => server.sim.faults.hanging()).toBe(0);
    expect((await api.get("/faults")).data.hanging).toBe(0);
    const logged = server.sim.requests.at(-1);
    await expect.poll(() => logged?.aborted).toBe(true);
  });

  it("a hanging request continues normally once the fault is cleared", async () => {
    const { mp, api, putOrder, setFault, server } = await start();
    await putOrder();
    await setFault({ endpoint: "get_order", kind: "hang" });
    const pending = mp.get(`/instore/qr/seller/collectors/${COLLECTOR}/pos/POS1/orders`);
    await expect.poll(() => server.sim.faults.hanging()).toBe(1);
    await api.delete("/faults");
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.data.external_reference).toBe("sale-000123");
  });

  it("close() ends hanging requests", async () => {
    const { mp, server, setFault } = await start();
    await setFault({ endpoint: "get_payment", kind: "hang" });
    const pending = mp.get("/v1/payments/1").catch((e: unknown) => e);
    await expect.poll(() => server.sim.faults.hanging()).toBe(1);
    await server.close();
    expect(axios.isAxiosError(await pending)).toBe(true);
  });

  it("faults still require the token, and bad rules are rejected", async () => {
    const { server, api, setFault } = await start();
    await setFault({ endpoint: "*", kind: "500" });
    const res = await axios.get(`${server.baseUrl}/v1/payments/1`, { validateStatus: () => true });
    expect(res.status).toBe(401);
    expect((await api.put("/faults", { endpoint: "nope", kind: "500" })).status).toBe(400);
    expect((await api.put("/faults", { endpoint: "get_order", kind: "418" })).status).toBe(400);
    expect((await api.put("/faults", { endpoint: "get_order" })).status).toBe(400);
    const cleared = await api.delete("/faults", { params: { endpoint: "*" } });
    expect(cleared.data.faults).toEqual([]);
  });
});
