import { BlockList, isIP } from "node:net";

/** Mercado Pago's own API: the one that must reach PUBLIC_BASE_URL from the internet. */
export const MERCADO_PAGO_API = "https://api.mercadopago.com";

/** Addresses Mercado Pago's servers cannot reach: loopback, private, link-local, unspecified. */
const UNREACHABLE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  UNREACHABLE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127], // :: and ::1
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  UNREACHABLE.addSubnet(net, bits, "ipv6");

/**
 * Why Mercado Pago could not deliver notifications to this public URL, or null when it can.
 * Host names are judged by their form only (no DNS at boot): `localhost`, `*.localhost`,
 * `*.local` and single-label names exist only on a local network.
 */
export function unreachablePublicUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null; // reported by the field's own check
  }
  if (url.protocol !== "https:")
    return "must be https:// (Mercado Pago only notifies public HTTPS URLs)";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(host);
  const local =
    family === 4
      ? UNREACHABLE.check(host, "ipv4")
      : family === 6
        ? UNREACHABLE.check(host, "ipv6")
        : host === "localhost" ||
          host.endsWith(".localhost") ||
          host.endsWith(".local") ||
          !host.includes(".");
  return local
    ? `${host} is a loopback or private address that Mercado Pago cannot reach; use the public HTTPS address of this service`
    : null;
}
