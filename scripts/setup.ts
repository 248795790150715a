// First set-up from a terminal: registers a store and a POS at Mercado Pago (or adopts the ones
// already there) with the service's own code and configuration, and writes the POS's printable
// QR sheet to a PDF file.
//
//   npm run setup -- --store SUC001 --store-name "Sucursal Centro" \
//     --street-name Caseros --street-number 3039 --city Belgrano --state "Capital Federal" \
//     --latitude=-34.56 --longitude=-58.45 --pos SUC001POS001 --pos-name "Caja 1" [--out file.pdf]
import "dotenv/config";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { ConfigError, loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/database.ts";
import { AppError, messageOf } from "../src/errors.ts";
import { createMercadoPagoClient } from "../src/mercadopago/mercadopago.client.ts";
import { renderQrSheet } from "../src/stores/pos-qr.ts";
import { createQrImageFetcher } from "../src/stores/qr-image-fetch.ts";
import { createStoresRepository } from "../src/stores/stores.repository.ts";
import { CreatePosSchema, CreateStoreSchema } from "../src/stores/stores.schemas.ts";
import { createStoresService } from "../src/stores/stores.service.ts";

const USAGE = `usage: npm run setup -- --store ID --pos ID --pos-name NAME [--category MCC]
         [--store-name NAME --street-name S --street-number N --city C --state S
          --latitude LAT --longitude LNG [--reference R]]   (needed the first time a store is set up)
         [--out FILE.pdf]   (default: ./qr-<POS>.pdf)
Negative coordinates take the = form: --latitude=-34.6037 --longitude=-58.3816
Needs MP_ACCESS_TOKEN and MP_COLLECTOR_ID (the seller's), and DATABASE_URL as the service uses.`;

/** Flags named after the API's fields, so a validation message can point at the flag. */
const FLAG_OF: Record<string, string> = {
  external_id: "--store / --pos",
  name: "--store-name / --pos-name",
  "location.street_number": "--street-number",
  "location.street_name": "--street-name",
  "location.city_name": "--city",
  "location.state_name": "--state",
  "location.latitude": "--latitude",
  "location.longitude": "--longitude",
  "location.reference": "--reference",
  category: "--category",
};

class UsageError extends Error {}

const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));

function parse() {
  try {
    return parseArgs({
      options: {
        store: { type: "string" },
        "store-name": { type: "string" },
        "street-name": { type: "string" },
        "street-number": { type: "string" },
        city: { type: "string" },
        state: { type: "string" },
        latitude: { type: "string" },
        longitude: { type: "string" },
        reference: { type: "string" },
        pos: { type: "string" },
        "pos-name": { type: "string" },
        category: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
}

function invalid(what: string, issues: { path: PropertyKey[]; message: string }[]): UsageError {
  const lines = issues.map((i) => {
    const key = i.path.map(String).join(".");
    return `  ${FLAG_OF[key] ?? key}: ${i.message}`;
  });
  return new UsageError(`invalid ${what}:\n${lines.join("\n")}`);
}

async function main(): Promise<string> {
  const args = parse();
  if (args.help) return USAGE;
  if (!args.store || !args.pos || !args["pos-name"]) {
    throw new UsageError("--store, --pos and --pos-name are required");
  }
  const posInput = CreatePosSchema.safeParse({
    external_id: args.pos,
    name: args["pos-name"],
    category: number(args.category),
  });
  if (!posInput.success) throw invalid("POS", posInput.error.issues);

  const config = loadConfig();
  const mpConfig = config.mercadoPago;
  if (!mpConfig.accessToken || !mpConfig.collectorId) {
    throw new UsageError(
      "set MP_ACCESS_TOKEN and MP_COLLECTOR_ID (the seller's): the store and POS are made at " +
        "Mercado Pago (the built-in simulator forgets them when the service stops)",
    );
  }
  const logger = pino({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    const stores = createStoresService({
      repo: createStoresRepository(db.prisma),
      mp: createMercadoPagoClient({
        baseUrl: mpConfig.baseUrl,
        accessToken: mpConfig.accessToken,
        collectorId: mpConfig.collectorId,
        timeoutMs: mpConfig.timeoutMs,
        logger,
      }),
      fetchQrImage: createQrImageFetcher({
        timeoutMs: mpConfig.timeoutMs,
        allowHttp: mpConfig.baseUrl.startsWith("http:"),
      }),
      logger,
      // stores are only registered here; their zone and language are the service's business
      defaults: { timeZone: "America/Argentina/Buenos_Aires", locale: "es" },
    });
    const lines: string[] = [];
    let store = (await stores.listStores()).find((s) => s.externalId === args.store);
    if (store) {
      lines.push(`store ${store.externalId} "${store.name}": already set up here`);
    } else {
      const storeInput = CreateStoreSchema.safeParse({
        external_id: args.store,
        name: args["store-name"],
        location: {
          street_number: args["street-number"],
          street_name: args["street-name"],
          city_name: args.city,
          state_name: args.state,
          latitude: number(args.latitude),
          longitude: number(args.longitude),
          ...(args.reference !== undefined ? { reference: args.reference } : {}),
        },
      });
      if (!storeInput.success) throw invalid("store", storeInput.error.issues);
      store = (await stores.createStore(storeInput.data)).value;
      lines.push(
        `store ${store.externalId} "${store.name}": Mercado Pago store ${store.mercadopagoId}`,
      );
    }
    const { value: pos, replay } = await stores.createPos(store.externalId, posInput.data);
    lines.push(
      `POS ${pos.externalId} "${pos.name}": Mercado Pago POS ${pos.mercadopagoId}` +
        (replay ? " (already set up here)" : ""),
    );
    const pdf = await renderQrSheet({
      storeName: store.name,
      posName: pos.name,
      storeId: store.externalId,
      posId: pos.externalId,
      content: await stores.qrContent(pos),
      // the store's language; a store set up here has none of its own yet
      locale: store.locale ?? stores.defaults.locale,
    });
    const out = path.resolve(args.out ?? `qr-${pos.externalId}.pdf`);
    writeFileSync(out, pdf);
    lines.push(`QR sheet to print: ${out}`);
    if (pos.qrTemplateDocumentUrl) {
      lines.push(`Mercado Pago's own sheet: ${pos.qrTemplateDocumentUrl}`);
    }
    return lines.join("\n");
  } finally {
    await db.close();
  }
}

main().then(
  (text) => {
    process.stdout.write(`${text}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`setup: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`setup: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof AppError) {
      process.stderr.write(`setup failed: ${err.code}: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`setup failed: ${messageOf(err)}\n`);
    process.exit(1);
  },
);
