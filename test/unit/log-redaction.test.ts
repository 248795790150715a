import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from "axios";
import { describe, expect, it } from "vitest";
import { CENSOR, UNWALKABLE, redactSecrets } from "../../src/log-redaction.ts";
import { createLogger } from "../../src/logger.ts";

const SECRET = "APP_USR-secret-value";

function linesOf(log: (logger: ReturnType<typeof createLogger>) => void): string {
  const out: string[] = [];
  log(createLogger("trace", { write: (line: string) => void out.push(line) }));
  return out.join("");
}

describe("redactSecrets", () => {
  it("blanks a credential however deep it is and whatever its key's case", () => {
    const deep = { a: { b: { c: { d: { e: { Access_Token: SECRET, kept: 1 } } } } } };
    const out = redactSecrets(deep);
    expect(out.a.b.c.d.e).toEqual({ Access_Token: CENSOR, kept: 1 });
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  it("copies only what it blanks: the input is untouched, a clean line is not copied", () => {
    const clean = { sale: { ref: "S-1", amount: 10 }, items: [{ title: "x" }] };
    expect(redactSecrets(clean)).toBe(clean);

    const shared = { ref: "S-1" };
    const dirty = { shared, nested: { token: SECRET } };
    const out = redactSecrets(dirty);
    expect(dirty.nested.token).toBe(SECRET);
    expect(out.nested.token).toBe(CENSOR);
    expect(out.shared).toBe(shared);
  });

  it("walks arrays and cuts a cycle instead of following it", () => {
    const cyclic: Record<string, unknown> = { list: [{ secret: SECRET }] };
    cyclic.self = cyclic;
    const text = JSON.stringify(redactSecrets(cyclic));
    expect(text).not.toContain(SECRET);
    expect(text).toContain("[too deep]");
  });

  it("writes no field of a line whose walk throws, and does not throw", () => {
    const hostile = {
      token: SECRET,
      toJSON() {
        throw new Error("no");
      },
    };
    expect(redactSecrets({ hostile })).toEqual({ fields: UNWALKABLE });
    const text = linesOf((logger) => logger.info({ hostile }, "still logged"));
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ fields: UNWALKABLE, msg: "still logged" });
  });

  it("checks what JSON would write for an object with toJSON, such as axios's headers", () => {
    const headers = new AxiosHeaders({ Authorization: `Bearer ${SECRET}`, Accept: "json" });
    const out = redactSecrets({ headers }) as { headers: Record<string, unknown> };
    expect(out.headers).toEqual({ Authorization: CENSOR, Accept: "json" });
  });
});

describe("the service's logger", () => {
  it("serializes an error as pino does, with the credentials its request carried blanked", () => {
    const config = {
      headers: new AxiosHeaders({ Authorization: `Bearer ${SECRET}` }),
      url: "/v1/payments/1",
    } as InternalAxiosRequestConfig;
    const err = new AxiosError("Request failed", "ERR_BAD_RESPONSE", config);
    const text = linesOf((logger) => {
      logger.error({ err }, "top level");
      logger.error({ upstream: { failure: err } }, "nested");
      logger.error(err);
    });
    expect(text).not.toContain(SECRET);
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(lines).toHaveLength(3);
    const [top, nested, bare] = lines as [(typeof lines)[0], (typeof lines)[0], (typeof lines)[0]];
    expect(top.err).toMatchObject({ type: "AxiosError", message: "Request failed" });
    expect(top.err?.stack).toEqual(expect.stringContaining("AxiosError"));
    expect(nested.upstream).toMatchObject({ failure: { type: "AxiosError" } });
    expect(bare.err).toMatchObject({ type: "AxiosError", code: "ERR_BAD_RESPONSE" });
  });

  it("blanks credentials in a child logger's bindings", () => {
    const text = linesOf((logger) => logger.child({ merchant: { accessToken: SECRET } }).info("x"));
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ merchant: { accessToken: CENSOR }, msg: "x" });
  });
});
