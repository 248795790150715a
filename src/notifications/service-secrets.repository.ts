import type { Db } from "../db/database.ts";
import type { StoredWebhookSecret, WebhookSecretStore } from "./webhook-secrets.ts";

const WEBHOOK_SECRET = "webhook_secret";

/** Secrets the service generated for itself, one row per name in `service_secrets`. */
export function createWebhookSecretStore(db: Db): WebhookSecretStore {
  async function find(): Promise<StoredWebhookSecret | null> {
    const row = await db.serviceSecret.findUnique({ where: { name: WEBHOOK_SECRET } });
    return row ? { value: row.value, createdAt: row.createdAt } : null;
  }
  return {
    find,
    async ensure(candidate) {
      // Two statements on purpose: a replica whose insert lost the race waits for the winner's
      // commit at the conflict, and the read that follows (a new snapshot) sees the winner's row.
      await db.$executeRaw`
        INSERT INTO service_secrets (name, value) VALUES (${WEBHOOK_SECRET}, ${candidate})
        ON CONFLICT (name) DO NOTHING`;
      const stored = await find();
      if (!stored) throw new Error("the webhook secret could not be stored");
      return stored;
    },
  };
}
