import express, { Router } from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { enteredUnder, firstSegmentsOf } from "../../src/entered-under.ts";

function routerOf(build: (r: Router) => void): Router {
  const r = Router();
  build(r);
  return r;
}

describe("firstSegmentsOf", () => {
  it("reads the first path segments of a router's routes and path-mounted middleware", () => {
    const r = routerOf((r) => {
      r.get("/orders/:ref", (_req, res) => res.end());
      r.post("/Sales", (_req, res) => res.end());
      r.use(["/webhook-endpoints", "/webhook-deliveries"], (_req, _res, next) => next());
    });
    expect(firstSegmentsOf(r)).toEqual(
      new Set(["orders", "sales", "webhook-endpoints", "webhook-deliveries"]),
    );
  });

  it("gives none when some layer may answer any path", () => {
    expect(firstSegmentsOf(routerOf((r) => r.use((_req, _res, next) => next())))).toBeNull();
    expect(firstSegmentsOf(routerOf((r) => r.get("/:id", (_req, res) => res.end())))).toBeNull();
    expect(firstSegmentsOf(routerOf((r) => r.get("/", (_req, res) => res.end())))).toBeNull();
    expect(firstSegmentsOf(routerOf((r) => r.get("/*rest", (_req, res) => res.end())))).toBeNull();
  });
});

describe("enteredUnder", () => {
  const seen: string[] = [];
  const inner = routerOf((r) => {
    // a middleware under a path: would run for every request if the router were entered always
    r.use("/orders", (req, _res, next) => {
      seen.push(req.path);
      next();
    });
    r.get("/orders/:ref", (req, res) => res.json({ ref: req.params.ref }));
  });
  const app = express();
  app.use(enteredUnder(inner));
  app.get("/other", (_req, res) => res.json({ other: true }));
  app.get("/orders-list", (_req, res) => res.json({ list: true }));

  it("serves the router's routes, whatever the case of the path, as Express matches them", async () => {
    expect((await request(app).get("/orders/A1")).body).toEqual({ ref: "A1" });
    expect((await request(app).get("/ORDERS/A2")).body).toEqual({ ref: "A2" });
    expect((await request(app).get("/orders/A3/")).body).toEqual({ ref: "A3" });
  });

  it("passes other paths on without entering the router", async () => {
    seen.length = 0;
    expect((await request(app).get("/other")).body).toEqual({ other: true });
    expect((await request(app).get("/orders-list")).body).toEqual({ list: true });
    expect(seen).toEqual([]);
    await request(app).get("/orders/B1");
    expect(seen).toEqual(["/B1"]);
  });

  it("enters a router with a catch-all layer for every path", async () => {
    const all = routerOf((r) => r.use((_req, res) => res.json({ all: true })));
    const app2 = express();
    app2.use(enteredUnder(all));
    expect((await request(app2).get("/anything/here")).body).toEqual({ all: true });
  });
});

describe("enteredUnder, several routers in one layer", () => {
  const entered: string[] = [];
  const note = (name: string) => (_req: unknown, _res: unknown, next: () => void) => {
    entered.push(name);
    next();
  };
  const close = routerOf((r) => {
    r.use("/sales", note("close"));
    r.get("/sales/close", (_req, res) => res.json({ from: "close" }));
  });
  const sales = routerOf((r) => {
    r.use("/sales", note("sales"));
    r.get("/sales/:ref", (req, res) => res.json({ from: "sales", ref: req.params.ref }));
    r.get("/orders/:ref", (_req, _res, next) => next(new Error("broken")));
  });
  const stores = routerOf((r) => {
    r.use("/stores", note("stores"));
    r.get("/stores", (_req, res) => res.json({ from: "stores" }));
  });
  const anyPath = routerOf((r) => {
    r.use(note("any"));
  });
  const app = express();
  app.use(enteredUnder(close, sales, anyPath, stores));
  app.get("/elsewhere", (_req, res) => res.json({ from: "app" }));
  app.use(((err, _req, res, _next) => {
    res.status(500).json({ error: (err as Error).message });
  }) as express.ErrorRequestHandler);

  it("tries the routers of the request's first segment in order, and the catch-all ones", async () => {
    entered.length = 0;
    expect((await request(app).get("/sales/close")).body).toEqual({ from: "close" });
    expect(entered).toEqual(["close"]);

    entered.length = 0;
    expect((await request(app).get("/sales/S-1")).body).toEqual({ from: "sales", ref: "S-1" });
    expect(entered).toEqual(["close", "sales"]);

    entered.length = 0;
    expect((await request(app).get("/stores")).body).toEqual({ from: "stores" });
    expect(entered).toEqual(["any", "stores"]);
  });

  it("passes a path none of them answers on to the app, through the catch-all ones only", async () => {
    entered.length = 0;
    expect((await request(app).get("/elsewhere")).body).toEqual({ from: "app" });
    expect(entered).toEqual(["any"]);
  });

  it("hands a router's error to the app's error handler and enters no router after it", async () => {
    entered.length = 0;
    const res = await request(app).get("/orders/X");
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: "broken" });
    expect(entered).toEqual([]);
  });

  it("lists its routers for whoever lists the app's routes", () => {
    expect(enteredUnder(close, sales).routers).toEqual([close, sales]);
  });
});
