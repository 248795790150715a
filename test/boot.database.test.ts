import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFrozenHost, type FaultyEndpoint } from "./db-faults.ts";
import { createTestDb, type TestDb } from "./helpers.ts";
import { freePort } from "./process-helpers.ts";

// Boot waits for the database for DATABASE_CONNECT_TIMEOUT_S, saying where it is looking on every
// try (never the password), and then gives up naming DATABASE_URL: seen through the real process.

const PASSWORD = "s3cret-db-password";
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pos-boot-db-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bootEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_CONNECT_TIMEOUT_S: "3",
    NODE_ENV: "development",
    API_KEYS: "boot-test-key-0123456789",
    DATA_DIR: path.join(dir, ".data"),
    LOG_LEVEL: "info",
    ...extra,
  };
}

/** Runs the service until it exits (or `limitMs` passes), returning its code, output and time. */
async function runUntilExit(env: Record<string, string>, limitMs: number) {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(await freePort()),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const limit = setTimeout(() => child.kill("SIGKILL"), limitMs);
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(limit);
  return { code, signal, output, ms: Date.now() - started };
}

function triesNaming(output: string, hostPort: string): string[] {
  return output.split("\n").filter((l) => l.includes(hostPort) && /try|attempt/i.test(l));
}

describe("boot with the database unreachable", () => {
  it("retries a refused connection until DATABASE_CONNECT_TIMEOUT_S, then exits naming DATABASE_URL", async () => {
    const port = await freePort();
    const run = await runUntilExit(
      bootEnv(`postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/pos`),
      30_000,
    );

    expect(run.signal).toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("DATABASE_URL");
    expect(triesNaming(run.output, `127.0.0.1:${port}`).length).toBeGreaterThanOrEqual(2);
    expect(run.output).not.toContain(PASSWORD);
    expect(run.ms).toBeGreaterThanOrEqual(3000);
    expect(run.ms).toBeLessThan(15_000);
  }, 40_000);

  describe("a host whose network is frozen", () => {
    let frozen: FaultyEndpoint;
    beforeAll(async () => {
      frozen = await startFrozenHost();
    });
    afterAll(() => frozen.close());

    it("is given up on within the same bound, not waited on forever", async () => {
      const run = await runUntilExit(
        bootEnv(`postgresql://postgres:${PASSWORD}@127.0.0.1:${frozen.port}/pos`),
        30_000,
      );

      expect(run.signal).toBeNull(); // it exited by itself
      expect(run.code).not.toBe(0);
      expect(run.output).toContain("DATABASE_URL");
      expect(triesNaming(run.output, `127.0.0.1:${frozen.port}`).length).toBeGreaterThanOrEqual(1);
      expect(run.output).not.toContain(PASSWORD);
      expect(run.ms).toBeLessThan(15_000);
    }, 40_000);
  });
});

describe("boot while the database is still starting", () => {
  let db: TestDb;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await db.drop();
  });

  it("waits for it and then serves", async () => {
    // nothing listens on the port until the service has reported a failed try; then the port
    // forwards to the real Postgres
    const port = await freePort();
    const url = new URL(db.directUrl);
    url.host = `127.0.0.1:${port}`;
    const late = createServer((client) => {
      const upstream = connect(5432, "127.0.0.1");
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    const httpPort = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        PORT: String(httpPort),
        ...bootEnv(url.toString(), { DATABASE_CONNECT_TIMEOUT_S: "30" }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
      await until(() => triesNaming(output, `127.0.0.1:${port}`).length > 0, 30_000);
      late.listen(port, "127.0.0.1");
      await until(() => output.includes("service listening") || child.exitCode !== null, 30_000);
      expect(child.exitCode).toBeNull();
      const health = await fetch(`http://127.0.0.1:${httpPort}/ready`);
      expect(health.status).toBe(200);
      expect(output).toContain("database ready");
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => late.close(r));
    }
  }, 60_000);
});

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
