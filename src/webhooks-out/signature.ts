import { createHmac, randomBytes } from "node:crypto";

// The Standard Webhooks scheme (https://www.standardwebhooks.com): the secret is `whsec_` and the
// base64 of the key; each message is signed as HMAC-SHA256 of "<id>.<timestamp>.<body>" and sent
// as `v1,<base64>`, so receivers can verify with the scheme's published libraries.

export const SECRET_PREFIX = "whsec_";

/** A new signing secret: 32 random bytes. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** The `Webhook-Signature` value of one message. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The headers of one attempt; the timestamp is the attempt's, in Unix seconds. */
export function signedHeaders(secret: string, id: string, body: string, now: Date) {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(secret, id, timestamp, body),
  };
}
