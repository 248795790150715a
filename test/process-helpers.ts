import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import axios from "axios";

/** A free loopback port (the service must know its own port to build notification_url). */
export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** A service process against an external simulator (Mercado Pago) with a database of its own. */
export interface SimulatedService {
  port: number;
  databaseUrl: string;
  /** the simulator's base URL, the token it accepts and its collector */
  mp: { baseUrl: string; accessToken: string; collectorId: string };
  apiKeys: string;
  nodeEnv: "production" | "development";
}

/**
 * The environment of that process: its own PORT and PUBLIC_BASE_URL (where the simulator sends
 * notifications), Mercado Pago at the simulator with a 1 s timeout, warnings only.
 */
export function simulatedServiceEnv(s: SimulatedService): Record<string, string> {
  return {
    PORT: String(s.port),
    DATABASE_URL: s.databaseUrl,
    MP_ACCESS_TOKEN: s.mp.accessToken,
    MP_COLLECTOR_ID: s.mp.collectorId,
    MP_BASE_URL: s.mp.baseUrl,
    MP_TIMEOUT_MS: "1000",
    PUBLIC_BASE_URL: `http://127.0.0.1:${s.port}`,
    API_KEYS: s.apiKeys,
    NODE_ENV: s.nodeEnv,
    LOG_LEVEL: "warn",
  };
}

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, and wait for the exit code */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/**
 * Starts the real service (src/main.ts through tsx) with exactly `env` (plus PATH/HOME), and
 * waits until /health answers.
 */
export async function startService(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`service exited early (${child.exitCode}):\n${out}`);
    try {
      const res = await axios.get(`${url}/health`, { timeout: 1000, validateStatus: () => true });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`service did not start in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = once(child, "exit");
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      await exited;
      return child.exitCode;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the service (src/main.ts) with exactly `env` until it exits; for boots that must fail. */
export async function runUntilExit(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, output: out };
}
