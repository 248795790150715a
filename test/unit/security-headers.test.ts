import express from "express";
import helmet from "helmet";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { securityHeaders } from "../../src/security-headers.ts";

function appWith(middleware: express.RequestHandler): express.Express {
  const app = express();
  app.use(middleware);
  app.get("/x", (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

/** The headers of a response, without those that change per response. */
async function headersOf(app: express.Express): Promise<Record<string, string>> {
  const res = await request(app).get("/x").expect(200);
  const headers = { ...(res.headers as Record<string, string>) };
  delete headers.date;
  return headers;
}

describe("security headers computed once", () => {
  it("sets exactly the headers helmet sets per request, X-Powered-By removed", async () => {
    const once = await headersOf(appWith(securityHeaders()));
    const perRequest = await headersOf(appWith(helmet()));
    expect(once).toEqual(perRequest);
    expect(once["x-powered-by"]).toBeUndefined();
    expect(once["content-security-policy"]).toContain("default-src 'self'");
  });

  it("takes helmet's options", async () => {
    const options = { referrerPolicy: { policy: "same-origin" as const } };
    const once = await headersOf(appWith(securityHeaders(options)));
    expect(once).toEqual(await headersOf(appWith(helmet(options))));
    expect(once["referrer-policy"]).toBe("same-origin");
  });

  it("refuses options whose values would differ per request", () => {
    const perRequestNonce = {
      contentSecurityPolicy: {
        directives: { scriptSrc: [(_req: unknown, res: unknown) => String(res)] },
      },
    };
    // a nonce computed per request must not be computed once and frozen
    expect(() => securityHeaders(perRequestNonce as never)).toThrow(/vary per request/);
  });
});
