import "dotenv/config";
import { DatabaseConnectTimeoutS } from "../config/fields.ts";
import { migrate, waitForDatabase } from "./database.ts";

// `npm run db:migrate` (and the container, before the service starts): applies prisma/migrations
// to DATABASE_URL, waiting for the database as the service's boot does (the embedded database
// migrates itself when the service starts).
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("DATABASE_URL is not set; the embedded database migrates at `npm start`\n");
  process.exit(2);
}
const timeout = DatabaseConnectTimeoutS.safeParse(process.env.DATABASE_CONNECT_TIMEOUT_S);
if (!timeout.success) {
  process.stderr.write(
    `invalid configuration:\n  DATABASE_CONNECT_TIMEOUT_S: ${timeout.error.issues[0]?.message}\n`,
  );
  process.exit(2);
}
try {
  await waitForDatabase(url, {
    timeoutMs: timeout.data * 1000,
    onFailedTry: (t) =>
      process.stderr.write(
        `database at ${t.host}:${t.port} not reachable (try ${t.attempt}): ${t.error}; ` +
          (t.retryInMs === null
            ? "giving up\n"
            : `retrying in ${(t.retryInMs / 1000).toFixed(1)} s\n`),
      ),
  });
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const result = await migrate(url);
for (const name of result.modified) {
  process.stderr.write(`warning: applied migration ${name} was modified after it was applied\n`);
}
process.stdout.write(
  result.applied.length
    ? `applied: ${result.applied.join(", ")}\n`
    : "database schema is up to date\n",
);
