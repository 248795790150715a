import { defineConfig } from "vitest/config";

/**
 * `npm test` runs every test file once ("default"), then the flow tests again on databases whose
 * own zone is not UTC (as initdb sets it from the host in Mercado Pago's markets) and through a
 * transaction-mode PgBouncer that the "pgbouncer" project starts itself.
 */
const FLOW_TESTS = [
  "test/flows.test.ts",
  "test/reconcile.test.ts",
  "test/settlement.test.ts",
  "test/refunds.flows.test.ts",
  "test/sales.day.test.ts",
];

export default defineConfig({
  // the simulator package from its sources (its "source" export), as the typecheck reads it
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    environment: "node",
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 60_000,
    setupFiles: ["test/setup.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "default",
          include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "tz-sao-paulo",
          include: FLOW_TESTS,
          env: { TEST_DB_TIMEZONE: "America/Sao_Paulo" },
        },
      },
      {
        extends: true,
        test: { name: "tz-tokyo", include: FLOW_TESTS, env: { TEST_DB_TIMEZONE: "Asia/Tokyo" } },
      },
      {
        extends: true,
        test: {
          name: "pgbouncer",
          include: FLOW_TESTS,
          globalSetup: ["test/pgbouncer.global.ts"],
          // the zone PgBouncer must keep per client while server connections are shared
          env: { TEST_THROUGH_PGBOUNCER: "true", TEST_DB_TIMEZONE: "America/Sao_Paulo" },
        },
      },
    ],
  },
});
