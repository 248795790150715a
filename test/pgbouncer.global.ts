import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "./process-helpers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** host:port of the PgBouncer the "pgbouncer" project runs its tests through */
    pgbouncerAddress: string;
  }
}

const BINARY = process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";
const UPSTREAM = { host: "127.0.0.1", port: 5432 };

/**
 * Starts a PgBouncer in transaction mode (what managed Postgres offerings put in front) for the
 * "pgbouncer" project, pointing every database name at the local Postgres, and stops it after.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(BINARY)) {
    throw new Error(
      `PgBouncer is not installed (${BINARY} is missing): the "pgbouncer" test project needs it. ` +
        "Install it (Debian/Ubuntu: apt-get install pgbouncer) or set PGBOUNCER_BIN.",
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), "pgbouncer-"));
  const port = await freePort();
  writeFileSync(path.join(dir, "userlist.txt"), `"postgres" ""\n`);
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${UPSTREAM.host} port=${UPSTREAM.port}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      "max_client_conn = 1000",
      // fewer server connections than the clients' pools hold, so transactions of one client
      // really do land on different server connections
      "default_pool_size = 8",
      "",
    ].join("\n"),
  );
  // PgBouncer refuses to run as root; it then needs a user to switch to, who must read the files
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o755);
    for (const f of ["userlist.txt", "pgbouncer.ini"]) chmodSync(path.join(dir, f), 0o644);
  }
  const args = [...(asRoot ? ["-u", "nobody"] : []), path.join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, () => log);
  project.provide("pgbouncerAddress", `127.0.0.1:${port}`);

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`pgbouncer exited at start (${child.exitCode}):\n${log()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`pgbouncer did not listen on ${port} within 10 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
