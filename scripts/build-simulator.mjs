// After an install: builds the simulator package (packages/mercadopago-simulator → its dist/),
// which the service imports when it runs without a token and which the CLI runs. Only where it
// is installed with TypeScript (a development install); a production install
// (`npm ci --omit=dev --workspaces=false`) has neither, and nothing to build.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "./dist-stamp.mjs";

const linked = existsSync(path.join(ROOT, "node_modules", "mercadopago-simulator", "package.json"));
let hasTypeScript = true;
try {
  createRequire(import.meta.url).resolve("typescript");
} catch {
  hasTypeScript = false;
}
if (linked && hasTypeScript) {
  const build = spawnSync("npm", ["run", "build", "--silent", "-w", "mercadopago-simulator"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  process.exit(build.status ?? 1);
}
