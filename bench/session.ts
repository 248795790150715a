// What one bench run owns: its work dir (logs, profiles), its log, and what to undo when it is
// interrupted.
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const workDir = path.join(os.tmpdir(), `mp-bench-${Date.now()}`);
mkdirSync(workDir, { recursive: true });

/** What to undo if the bench is interrupted: children to stop, databases to drop. */
export const cleanups = new Set<() => Promise<void>>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the children and dropping the database`);
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
