import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers of ARCHITECTURE.md, as an import scan: a file may import its own unit (its feature
 * folder, or its layer when the layer is one unit) and any lower layer, never a peer or a higher
 * one. The simulator stands outside the service (in src/simulator/ or as its own package): only
 * the composition root may reach it, and it reaches nothing of the service.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");

interface Place {
  /** the layer's rank: a file may import only lower ranks, or its own unit */
  rank: number;
  /** what counts as "the same place": a feature folder, or a layer that is one unit */
  unit: string;
}

const COMPOSITION = 7;
const FOLDERS: Record<string, number> = {
  db: 1,
  mercadopago: 1,
  i18n: 1,
  stores: 2,
  notifications: 2,
  merchants: 2,
  sales: 3,
  refunds: 4,
  "webhooks-out": 4,
  live: 5,
  metrics: 5,
  closeout: 5,
  reconciliation: 5,
  jobs: 6,
  pages: 6,
  openapi: 6,
};
/** Entry points and what reads the whole environment: they wire every layer together. */
const COMPOSITION_FILES = new Set([
  "src/main.ts",
  "src/app.ts",
  "src/config.ts",
  "src/db/migrate-cli.ts",
]);
/** The composition root's boot steps, each a module of src/boot/ that src/main.ts runs. */
const BOOT = "boot";
const DOMAIN = new Set([
  "stores",
  "notifications",
  "merchants",
  "sales",
  "refunds",
  "webhooks-out",
]);

/** Where a file of src/ stands; null: outside the service's layers (the simulator). */
export function placeOf(file: string): Place | null {
  if (COMPOSITION_FILES.has(file)) return { rank: COMPOSITION, unit: "composition" };
  const parts = file.split("/");
  if (parts[0] !== "src") throw new Error(`not a source file: ${file}`);
  if (parts.length === 2) return { rank: 0, unit: "base" };
  const folder = parts[1]!;
  if (folder === BOOT) return { rank: COMPOSITION, unit: "composition" };
  if (folder === "simulator") return null;
  // Prisma's generated client, and the config's pure parts (src/config.ts composes them)
  if (folder === "generated" || folder === "config") return { rank: 0, unit: "base" };
  const rank = FOLDERS[folder];
  if (rank === undefined) throw new Error(`${file}: a folder ARCHITECTURE.md does not place`);
  return { rank, unit: folder };
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every module a source text imports, as written. */
export function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

const SIMULATOR_PACKAGE = /^mercadopago-simulator(\/|$)/;

/** The imports of `files` (repository path → text) that break the layers, one line each. */
export function layerViolations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    const from = placeOf(file);
    for (const spec of importsOf(text)) {
      if (SIMULATOR_PACKAGE.test(spec)) {
        if (from && from.rank !== COMPOSITION)
          out.push(`${file} -> ${spec}: only main/app start the simulator`);
        continue;
      }
      if (!spec.startsWith(".")) continue; // a package
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (!target.startsWith("src/")) continue; // package.json and the like
      const to = placeOf(target);
      if (from === null || to === null) {
        if (from === null && to !== null)
          out.push(`${file} -> ${target}: the simulator imports nothing of the service`);
        if (from !== null && to === null && from.rank !== COMPOSITION) {
          out.push(`${file} -> ${target}: only main/app start the simulator`);
        }
        continue;
      }
      if (from.unit === to.unit) continue;
      if (to.rank >= from.rank) {
        out.push(`${file} -> ${target}: runs up or sideways (layer ${from.rank} -> ${to.rank})`);
      } else if (DOMAIN.has(from.unit) && target.endsWith(".routes.ts")) {
        out.push(`${file} -> ${target}: the domain never imports another feature's routes`);
      }
    }
  }
  return out;
}

function sourcesUnder(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (rel === "src/generated") continue; // Prisma's generated client
    if (statSync(path.join(ROOT, rel)).isDirectory()) sourcesUnder(rel, out);
    else if (/\.(ts|mts)$/.test(name)) out.set(rel, readFileSync(path.join(ROOT, rel), "utf8"));
  }
  return out;
}

describe("layers", () => {
  it("every import of src/ points down (ARCHITECTURE.md)", () => {
    const files = sourcesUnder("src");
    expect(files.size).toBeGreaterThan(50);
    expect(layerViolations(files)).toEqual([]);
  });

  it("a simulator package, once there, imports nothing of the service", () => {
    const pkg = "packages/mercadopago-simulator";
    if (!existsSync(path.join(ROOT, pkg))) return;
    const leaks: string[] = [];
    for (const [file, text] of sourcesUnder(pkg)) {
      for (const spec of importsOf(text)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        if (spec.startsWith(".") && target.startsWith("src/")) leaks.push(`${file} -> ${target}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it("fails on the imports that ran against the layers before they were fixed", () => {
    const old = new Map([
      [
        "src/mercadopago/mercadopago.client.ts",
        'import { observeMercadoPagoCalls } from "../metrics/mercadopago-calls.ts";',
      ],
      ["src/stores/stores.routes.ts", 'import { inScope } from "../sales/sale-scope.ts";'],
      [
        "src/sales/sales.routes.ts",
        'import type { Refund } from "../refunds/refund.ts";\n' +
          'import { presentRefund } from "../refunds/refund.presenter.ts";',
      ],
      ["src/refunds/refund.ts", 'import { reference } from "../sales/sales.routes.ts";'],
      ["src/simulator/simulator.ts", 'import { logger } from "../logger.ts";'],
      ["src/sales/sale.ts", 'import { startSimulatorServer } from "../simulator/simulator.ts";'],
    ]);
    expect(layerViolations(old)).toEqual([
      "src/mercadopago/mercadopago.client.ts -> src/metrics/mercadopago-calls.ts: runs up or sideways (layer 1 -> 5)",
      "src/stores/stores.routes.ts -> src/sales/sale-scope.ts: runs up or sideways (layer 2 -> 3)",
      "src/sales/sales.routes.ts -> src/refunds/refund.ts: runs up or sideways (layer 3 -> 4)",
      "src/sales/sales.routes.ts -> src/refunds/refund.presenter.ts: runs up or sideways (layer 3 -> 4)",
      "src/refunds/refund.ts -> src/sales/sales.routes.ts: the domain never imports another feature's routes",
      "src/simulator/simulator.ts -> src/logger.ts: the simulator imports nothing of the service",
      "src/sales/sale.ts -> src/simulator/simulator.ts: only main/app start the simulator",
    ]);
  });

  it("places the boot steps (src/boot/) with the composition root, above every layer", () => {
    expect(placeOf("src/boot/services.ts")).toEqual({ rank: COMPOSITION, unit: "composition" });
    const fromBelow = new Map([
      ["src/jobs/loop.ts", 'import { buildServices } from "../boot/services.ts";'],
      ["src/boot/services.ts", 'import { createSalesService } from "../sales/sales.service.ts";'],
    ]);
    expect(layerViolations(fromBelow)).toEqual([
      "src/jobs/loop.ts -> src/boot/services.ts: runs up or sideways (layer 6 -> 7)",
    ]);
  });

  it("places the config's parts (src/config/) in the base, below the layers that use them", () => {
    const files = new Map([
      ["src/notifications/webhook-secrets.ts", 'import { A } from "../config/fields.ts";'],
      ["src/config/fields.ts", 'import { parseKeyEntry } from "../auth.ts";'],
      ["src/config/cross-field.ts", 'import { B } from "../notifications/webhook-secrets.ts";'],
    ]);
    expect(layerViolations(files)).toEqual([
      "src/config/cross-field.ts -> src/notifications/webhook-secrets.ts: runs up or sideways (layer 0 -> 2)",
    ]);
  });

  it("reads every form of import", () => {
    expect(
      importsOf(
        'import a from "./a.ts";\nimport type {\n  B,\n} from "../b.ts";\nexport { c } from "./c.ts";\n' +
          'import "./d.ts";\nconst e = await import("./e.ts");',
      ),
    ).toEqual(["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });
});
