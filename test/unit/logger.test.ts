import { Writable } from "node:stream";
import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createHttpLogger, createLogger } from "../../src/logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

function appWith(level: string) {
  const { lines, stream } = capture();
  const app = express();
  app.use(createHttpLogger(createLogger(level, stream)));
  app.get("/ok", (req, res) => {
    req.log.info({ token: "tok-123", note: "kept" }, "route says");
    res.json({ ok: true });
  });
  app.get("/missing", (_req, res) => {
    res.status(404).json({});
  });
  app.get("/broken", (_req, res) => {
    res.status(500).json({});
  });
  return { app, lines };
}

const accessLines = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.msg === "request completed");

describe("request logging", () => {
  it("writes one line per request with the id, method, URL without secrets, status and time", async () => {
    const { app, lines } = appWith("info");
    const res = await request(app)
      .get("/ok?secret=s3cr3t-value&id=7")
      .set("x-request-id", "abc-123")
      .expect(200);
    expect(res.headers["x-request-id"]).toBe("abc-123");
    const [line] = accessLines(lines);
    expect(line).toMatchObject({
      level: 30,
      req: { id: "abc-123", method: "GET" },
      res: { statusCode: 200 },
    });
    expect(typeof line?.responseTime).toBe("number");
    expect(String((line?.req as { url: string }).url)).toMatch(/^\/ok\?secret=.*redacted.*&id=7$/);
    expect(JSON.stringify(lines)).not.toContain("s3cr3t-value");
  });

  it("gives a route a logger that carries the request id and still redacts", async () => {
    const { app, lines } = appWith("info");
    await request(app).get("/ok").set("x-request-id", "r-1").expect(200);
    const said = lines.find((l) => l.msg === "route says");
    expect(said).toMatchObject({ reqId: "r-1", token: "[redacted]", note: "kept" });
  });

  it("makes up a request id when the client's is missing or not sane", async () => {
    const { app, lines } = appWith("info");
    const res = await request(app)
      .get("/ok")
      .set("x-request-id", "bad id\twith spaces")
      .expect(200);
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(accessLines(lines)[0]).toMatchObject({ req: { id: res.headers["x-request-id"] } });
  });

  it.each([
    ["/missing", 404, 40],
    ["/broken", 500, 50],
  ])("logs %s (%i) at level %i", async (path, status, level) => {
    const { app, lines } = appWith("info");
    await request(app).get(path).expect(status);
    expect(accessLines(lines)).toEqual([
      expect.objectContaining({ level, res: { statusCode: status } }),
    ]);
  });

  it("writes no access line below the configured level", async () => {
    const { app, lines } = appWith("warn");
    await request(app).get("/ok").expect(200);
    await request(app).get("/missing").expect(404);
    expect(accessLines(lines).map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([
      404,
    ]);
  });
});
