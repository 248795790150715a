import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** Resolves a host to its addresses (node's resolver; tests give their own). */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Whether an address is a public unicast one (not loopback, private, link-local, CGNAT…). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === "unicast";
}

export interface UrlPolicy {
  /** outside development: https only, to hosts that resolve to public addresses only */
  publicOnly: boolean;
  resolve: Resolve;
}

export type Target =
  { ok: true; url: URL; address: string; family: 4 | 6 } | { ok: false; reason: string };

/** The URL's form: absolute http(s), no credentials; https only where `publicOnly`. */
export function urlProblem(raw: string, publicOnly: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && !publicOnly)) {
    return publicOnly ? "must be an https:// URL" : "must be an http:// or https:// URL";
  }
  if (url.username || url.password) return "must not carry a user or password";
  return null;
}

/**
 * Where a URL may be reached now: its host resolved once, every answer checked, and the first
 * one returned to be used for the connection itself (pinned), so a DNS answer cannot change
 * between the check and the connect.
 */
export async function resolveTarget(raw: string, policy: UrlPolicy): Promise<Target> {
  const problem = urlProblem(raw, policy.publicOnly);
  if (problem) return { ok: false, reason: `the URL ${problem}` };
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await policy.resolve(host);
  } catch {
    return { ok: false, reason: "its host does not resolve" };
  }
  if (addresses.length === 0) return { ok: false, reason: "its host does not resolve" };
  if (policy.publicOnly && !addresses.every(isPublicAddress)) {
    return { ok: false, reason: "its host resolves to a private or reserved address" };
  }
  const address = addresses[0]!;
  return { ok: true, url, address, family: isIP(address) === 6 ? 6 : 4 };
}
