// `npm start` and `npm run db:migrate`: run the compiled entry point, building it first only
// when dist/ is missing or was compiled from other sources. A fresh clone (`npm install && npm
// start`) builds once; every later start costs a hash of the sources (~10 ms), not a tsc run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, sourceHash, stampedHash } from "./dist-stamp.mjs";

const entry = path.join(ROOT, "dist", process.argv[2] ?? "main.js");
const current = sourceHash();
const stale = !existsSync(entry) || (current !== null && current !== stampedHash());

if (stale) {
  if (current === null) {
    process.stderr.write(
      `${path.relative(ROOT, entry)} is missing and there are no sources to build it from\n`,
    );
    process.exit(1);
  }
  let hasTypeScript = true;
  try {
    createRequire(import.meta.url).resolve("typescript");
  } catch {
    hasTypeScript = false;
  }
  if (!hasTypeScript) {
    process.stderr.write(
      "dist/ is missing or was built from other sources, and TypeScript (a dev dependency) is not " +
        "installed here.\nBuild where dev dependencies are installed: `npm ci && npm run build`, " +
        "then `npm prune --omit=dev` and ship dist/ with node_modules (docs/operations.md, Deploy without Docker).\n",
    );
    process.exit(1);
  }
  process.stderr.write("dist/ is missing or out of date: building it (npm run build)\n");
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

await import(pathToFileURL(entry).href);
