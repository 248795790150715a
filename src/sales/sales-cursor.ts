import { createHash } from "node:crypto";

/** Where a page of the sales list ends: the last sale's (created_at, id), newest-first order. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VERSION = "1";

/**
 * An 8-byte digest of the cursor's content and of the filters it was made for. Not a secret: the
 * cursor only says where to resume (the caller's scope is applied on every page whatever it
 * says), the tag makes an edited cursor, or one replayed with other filters, a 400 instead of a
 * silently different page.
 */
function tag(body: string, filterKey: string): string {
  return createHash("sha256").update(`${body}\n${filterKey}`).digest("base64url").slice(0, 11);
}

/** The opaque `next_cursor`: base64url of `1|<created_at ms>|<id>|<tag>`. */
export function encodeCursor(position: ListPosition, filterKey: string): string {
  const body = `${VERSION}|${position.createdAt.getTime()}|${position.id}`;
  return Buffer.from(`${body}|${tag(body, filterKey)}`, "utf8").toString("base64url");
}

/** The position a cursor names, or null when it was not made by encodeCursor for these filters. */
export function decodeCursor(cursor: string, filterKey: string): ListPosition | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (parts.length !== 4) return null;
  const [version, ms, id, given] = parts as [string, string, string, string];
  if (version !== VERSION || !/^\d{1,15}$/.test(ms) || !UUID.test(id)) return null;
  if (given !== tag(`${version}|${ms}|${id}`, filterKey)) return null;
  const createdAt = new Date(Number(ms));
  if (Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id };
}
