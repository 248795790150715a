import { describe, expect, it } from "vitest";
import { statementNames } from "../../src/db/database.ts";

describe("statementNames", () => {
  it("gives one query text one name, and different texts different names", () => {
    const name = statementNames();
    const a = name({ sql: "SELECT 1" });
    expect(name({ sql: "SELECT 1" })).toBe(a);
    const b = name({ sql: "SELECT 2" });
    expect(b).not.toBe(a);
    expect([a, b].every((n) => /^prisma_\d+$/.test(n))).toBe(true);
  });

  it("leaves texts beyond the limit unnamed, and keeps the names it gave", () => {
    const name = statementNames(2);
    const first = name({ sql: "q1" });
    name({ sql: "q2" });
    expect(name({ sql: "q3" })).toBeUndefined();
    expect(name({ sql: "q1" })).toBe(first);
  });

  it("gives names with another prefix apart from Prisma's, for the statements sent through pg", () => {
    const prisma = statementNames();
    const direct = statementNames(256, "direct_");
    expect(direct({ sql: "SELECT 1" })).toBe("direct_0");
    expect(prisma({ sql: "SELECT 2" })).toBe("prisma_0");
  });
});
