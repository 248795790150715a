// Turns vitest's JSON report into the closing line CI and people read, "N passed, M failed".
// vitest's own totals count only tests: a file that cannot be loaded, or whose beforeAll/afterAll
// throws, adds nothing to numFailedTests (its tests are "skipped"), so such a run could close on
// "0 failed". Here each such file counts as one failure, and every failure is named.
import path from "node:path";

// colours in messages (e.g. a parse error's frame)
const COLOURS = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The first meaningful line of an error message, without colours. */
function firstLine(text) {
  const line = String(text ?? "")
    .replace(COLOURS, "")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  return line ?? "";
}

/**
 * Counts and names what a report holds. A file counts as failed outside its tests when vitest
 * marked it failed and it carries a message (load error, hook error) or none of its tests failed
 * (a hook of a nested describe: the report keeps no message for it).
 */
export function summarize(report, cwd = process.cwd()) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for (const file of report.testResults ?? []) {
    const name = path.relative(cwd, file.name ?? "") || String(file.name);
    let failedTests = 0;
    for (const test of file.assertionResults ?? []) {
      if (test.status === "passed") passed += 1;
      else if (test.status === "failed") {
        failedTests += 1;
        failures.push(`${name} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      } else skipped += 1; // skipped, pending, todo
    }
    failed += failedTests;
    const message = firstLine(file.message);
    if (file.status === "failed" && (message !== "" || failedTests === 0)) {
      failed += 1;
      failures.push(
        `${name}: ${message || "failed outside its tests (a hook of a describe block); see its error above"}`,
      );
    }
  }
  // vitest says the run failed but no file accounts for it: a global setup (PgBouncer's) threw
  if (report.success === false && failed === 0) {
    failed += 1;
    failures.push("the run: failed outside every test file (a global setup?); see its error above");
  }
  return { passed, failed, skipped, failures };
}

/** The lines to print last: each failure, then the closing line. */
export function closingLines(summary) {
  const { passed, failed, skipped, failures } = summary;
  let line = `${passed} passed, ${failed} failed`;
  if (skipped) line += `, ${skipped} skipped`;
  return [...failures.map((f) => `FAILED ${f}`), line];
}
