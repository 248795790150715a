// `mercadopago-simulator [--port 8081] [--host 127.0.0.1] [--token …] [--collector-id …]
// [--site MLA] [--notify-url …]`: a simulated Mercado Pago on a port of its own, for a POS
// vendor's tests or a demo. It prints where its API, page and helpers are, and the token to use.

import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

import { startSimulatorServer } from "./simulator.ts";

const USAGE = `usage: mercadopago-simulator [options]
  --port <n>           port to listen on (default 8081; 0: any free port)
  --host <address>     address to listen on (default 127.0.0.1)
  --token <token>      the only access token the API accepts (default: a random APP_USR-… token)
  --collector-id <id>  the seller's Mercado Pago user id (default 446566691)
  --site <id>          MLA, MLB, MLC, MCO, MLM, MPE or MLU (default MLA)
  --notify-url <url>   where Orders API webhooks go (instore notifications use the order's URL)
  --help               this text`;

const SITES = new Set(["MLA", "MLB", "MLC", "MCO", "MLM", "MPE", "MLU"]);

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function wholeNumber(value: string, name: string): number {
  if (!/^\d+$/.test(value)) fail(`--${name} must be a whole number, got ${value}`);
  return Number(value);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        port: { type: "string", default: "8081" },
        host: { type: "string", default: "127.0.0.1" },
        token: { type: "string" },
        "collector-id": { type: "string", default: "446566691" },
        site: { type: "string", default: "MLA" },
        "notify-url": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const args = parsed.values;
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const site = (args.site ?? "MLA").toUpperCase();
  if (!SITES.has(site)) fail(`--site must be one of ${[...SITES].join(", ")}, got ${args.site}`);
  const accessToken = args.token ?? `APP_USR-simulator-${randomBytes(16).toString("hex")}`;
  const server = await startSimulatorServer({
    accessToken,
    collectorId: wholeNumber(args["collector-id"] ?? "", "collector-id"),
    siteId: site,
    host: args.host,
    port: wholeNumber(args.port ?? "", "port"),
    mountPath: "/",
    ...(args["notify-url"] ? { ordersNotificationUrl: args["notify-url"] } : {}),
  });
  process.stdout.write(
    [
      `Mercado Pago simulator (${site}) listening`,
      `  API (MP_BASE_URL):  ${server.baseUrl}`,
      `  customer's page:    ${server.url}/`,
      `  helpers:            ${server.url}/api`,
      `  access token:       ${accessToken}`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
