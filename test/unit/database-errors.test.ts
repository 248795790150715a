import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../src/errors.ts";

// Shapes as Prisma 7, adapter-pg, pg and pg-pool throw them (seen against a closed port, a frozen
// host, a cut connection and a statement timeout).
const adapterError = (cause: Record<string, unknown>) => ({ name: "DriverAdapterError", cause });
const prismaError = (code: string, driverAdapterError: unknown) =>
  Object.assign(new Error("Invalid invocation"), { code, meta: { driverAdapterError } });

describe("isDatabaseUnavailable", () => {
  it.each([
    [
      "P1001 from a model query",
      prismaError("P1001", adapterError({ kind: "DatabaseNotReachable" })),
    ],
    [
      "P2010 from a raw query, adapter kind inside",
      prismaError("P2010", adapterError({ kind: "DatabaseNotReachable" })),
    ],
    ["P2024 pool timeout", prismaError("P2024", undefined)],
    ["statement timeout", prismaError("P2010", adapterError({ kind: "postgres", code: "57014" }))],
    [
      "PgBouncer cannot get a server connection",
      prismaError("P2010", adapterError({ kind: "postgres", code: "08P01" })),
    ],
    [
      "server shutting down",
      { code: "57P01", message: "terminating connection due to administrator command" },
    ],
    [
      "connect refused",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
    ],
    ["connection cut", new Error("Connection terminated unexpectedly")],
    ["connect timeout", new Error("Connection terminated due to connection timeout")],
    ["pool wait timeout", new Error("timeout exceeded when trying to connect")],
    ["query read timeout", new Error("Query read timeout")],
    [
      "wrapped in a cause",
      new Error("outer", { cause: new Error("Connection terminated unexpectedly") }),
    ],
  ])("%s → yes", (_label, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    [
      "a unique violation",
      prismaError("P2002", adapterError({ kind: "UniqueConstraintViolation" })),
    ],
    ["a syntax error", prismaError("P2010", adapterError({ kind: "postgres", code: "42601" }))],
    ["a plain bug", new TypeError("x is undefined")],
    ["nothing", undefined],
    ["a string", "ECONNREFUSED"],
  ])("%s → no", (_label, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
