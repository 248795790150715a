// After an install: builds the simulator package (packages/mercadopago-simulator → its dist/),
// which the service imports when it runs without a token and which the CLI runs. Only where it
// is installed with its build tools (a development install); a production install has nothing to
// build. TypeScript alone does not tell: Prisma brings it into a production install as a peer, so
// a plain `npm ci --omit=dev` has TypeScript, the linked workspace, and none of the type packages.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "./dist-stamp.mjs";

const linked = existsSync(path.join(ROOT, "node_modules", "mercadopago-simulator", "package.json"));
const require = createRequire(import.meta.url);
function resolves(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
// @types/express is a development dependency only: present exactly when the build can succeed
const buildTools = resolves("typescript") && resolves("@types/express/package.json");
if (linked && buildTools) {
  const build = spawnSync("npm", ["run", "build", "--silent", "-w", "mercadopago-simulator"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  process.exit(build.status ?? 1);
}
