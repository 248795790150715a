// Runs the test suite and ends with one plain line, "N passed, M failed", that any CI can read.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

const report = ".vitest-report.json";
rmSync(report, { force: true });
const run = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
let summary = "0 passed, 1 failed (no test report was written)";
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed`;
  if (r.numPendingTests) summary += `, ${r.numPendingTests} skipped`;
} catch {
  // keep the failure summary
}
console.log(summary);
process.exit(run.status ?? 1);
