import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { databaseTarget, openDatabase, waitForDatabase } from "../db/database.ts";

/**
 * The database the config names, once it answers (a database starting next to us is waited for,
 * each failed try logged), or the embedded one without DATABASE_URL.
 */
export async function connectDatabase(config: Config, logger: Logger) {
  if (config.databaseUrl) {
    const { host, port } = databaseTarget(config.databaseUrl);
    logger.info({ host, port }, `connecting to the database at ${host}:${port}`);
    await waitForDatabase(config.databaseUrl, {
      timeoutMs: config.databaseConnectTimeoutS * 1000,
      onFailedTry: (t) =>
        logger.warn(
          { host: t.host, port: t.port, attempt: t.attempt, error: t.error },
          `database at ${t.host}:${t.port} not reachable (try ${t.attempt}): ${t.error}; ` +
            (t.retryInMs === null
              ? "giving up"
              : `retrying in ${(t.retryInMs / 1000).toFixed(1)} s`),
        ),
    });
  }
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  logger.info({ embedded: db.embedded }, "database ready");
  return db;
}
