// The build's fingerprint of what dist/ was compiled from: `npm run build` writes it into dist/,
// and `npm start` / `npm run db:migrate` compare it to skip a rebuild (tsc costs ~10 s a start).
// Content, not modification times: a copy or checkout that reorders mtimes must not look stale
// (a server without TypeScript could not rebuild), and an edit must never look current.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const STAMP = path.join(ROOT, "dist", ".source-hash");

// src/generated is what `prisma generate` makes from prisma/schema.prisma (hashed instead): it
// is rewritten by every install, dependencies-only installs included.
const SKIP = new Set([path.join(ROOT, "src", "generated")]);
// the simulator package is built with the service (`npm start` without a token imports it)
const INPUTS = [
  "src",
  "packages/mercadopago-simulator/src",
  "prisma/schema.prisma",
  "tsconfig.json",
  "package-lock.json",
];

function files(p) {
  if (SKIP.has(p) || !existsSync(p)) return [];
  const entries = readdirSync(p, { withFileTypes: true });
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const full = path.join(p, e.name);
      return e.isDirectory() ? files(full) : e.isFile() ? [full] : [];
    });
}

/** A hash of every build input, or null when the sources are not here (a shipped dist/). */
export function sourceHash() {
  if (!existsSync(path.join(ROOT, "src"))) return null;
  const hash = createHash("sha256");
  for (const input of INPUTS) {
    const full = path.join(ROOT, input);
    const list =
      existsSync(full) && !full.endsWith(".json") && !full.endsWith(".prisma")
        ? files(full)
        : [full];
    for (const file of list) {
      if (!existsSync(file)) continue;
      hash.update(path.relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

export function stampedHash() {
  return existsSync(STAMP) ? readFileSync(STAMP, "utf8").trim() : null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(STAMP, `${sourceHash() ?? ""}\n`);
}
