import { describe, expect, it } from "vitest";
import { closingLines, summarize, type VitestJsonReport } from "../../scripts/test-summary.mjs";

// Report shapes as vitest 4 writes them (--reporter=json), recorded from real runs.
const CWD = "/repo";
const passedTest = (fullName: string) => ({ fullName, status: "passed", failureMessages: [] });
const skippedTest = (fullName: string) => ({ fullName, status: "skipped", failureMessages: [] });

const report: VitestJsonReport = {
  testResults: [
    // beforeAll at the top of the file threw (no database): every test "skipped"
    {
      name: "/repo/test/flows.test.ts",
      status: "failed",
      message: "connect ECONNREFUSED 127.0.0.1:1",
      assertionResults: [skippedTest("flows happy path"), skippedTest("flows refund")],
    },
    // the beforeAll of a describe block threw: the report keeps no message at all
    {
      name: "/repo/test/process.test.ts",
      status: "failed",
      message: "",
      assertionResults: [
        passedTest("zero configuration starts"),
        skippedTest("with PostgreSQL restarts"),
      ],
    },
    // an import that cannot be resolved: no tests at all
    {
      name: "/repo/test/b-import.test.ts",
      status: "failed",
      message: "Cannot find module './does-not-exist.ts' imported from /repo/test/b-import.test.ts",
      assertionResults: [],
    },
    // a syntax error: a coloured, multi-line message
    {
      name: "/repo/test/c-syntax.test.ts",
      status: "failed",
      message:
        "Transform failed with 1 error:\n\n\u001b[31m[PARSE_ERROR] \u001b[0mExpected `,` or `)` but found `;`",
      assertionResults: [],
    },
    // afterAll threw after every test passed
    {
      name: "/repo/test/d-after.test.ts",
      status: "failed",
      message: "boom in afterAll",
      assertionResults: [passedTest("t1")],
    },
    // a failed test, plus an afterAll that threw, plus skipped and todo tests
    {
      name: "/repo/test/e-mixed.test.ts",
      status: "failed",
      message: "boom in afterAll after a failure",
      assertionResults: [
        {
          fullName: "fails",
          status: "failed",
          failureMessages: ["AssertionError: expected 1 to be 2 // Object.is equality\n    at …"],
        },
        passedTest("passes"),
        skippedTest("skipped"),
        { fullName: "todo", status: "todo", failureMessages: [] },
      ],
    },
    { name: "/repo/test/h-pass.test.ts", status: "passed", message: "", assertionResults: [] },
    {
      name: "/repo/test/unit/money.test.ts",
      status: "passed",
      message: "",
      assertionResults: [passedTest("a"), passedTest("b")],
    },
  ],
};

describe("the test summary", () => {
  it("counts every file that failed outside its tests as failed, and names each failure", () => {
    const summary = summarize(report, CWD);
    expect(summary).toMatchObject({ passed: 5, failed: 7, skipped: 5 });
    expect(summary.failures).toEqual([
      "test/flows.test.ts: connect ECONNREFUSED 127.0.0.1:1",
      expect.stringMatching(/^test\/process\.test\.ts: failed outside its tests/),
      "test/b-import.test.ts: Cannot find module './does-not-exist.ts' imported from /repo/test/b-import.test.ts",
      "test/c-syntax.test.ts: Transform failed with 1 error:",
      "test/d-after.test.ts: boom in afterAll",
      "test/e-mixed.test.ts > fails: AssertionError: expected 1 to be 2 // Object.is equality",
      "test/e-mixed.test.ts: boom in afterAll after a failure",
    ]);
    const lines = closingLines(summary);
    expect(lines.at(-1)).toBe("5 passed, 7 failed, 5 skipped");
    expect(lines.slice(0, -1).every((l) => l.startsWith("FAILED test/"))).toBe(true);
  });

  it("a clean run closes on 0 failed and names nothing", () => {
    const clean = { testResults: report.testResults!.slice(-1) };
    expect(closingLines(summarize(clean, CWD))).toEqual(["2 passed, 0 failed"]);
  });

  it("a report without results counts nothing", () => {
    expect(closingLines(summarize({}, CWD))).toEqual(["0 passed, 0 failed"]);
  });

  it("a run that failed before any file ran (a global setup threw) counts as failed", () => {
    const aborted = { success: false, numTotalTests: 0, testResults: [] };
    expect(closingLines(summarize(aborted, CWD))).toEqual([
      expect.stringMatching(/^FAILED the run: failed outside every test file/),
      "0 passed, 1 failed",
    ]);
  });
});
