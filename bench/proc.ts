// Child processes for the bench: free loopback ports, start and stop, readiness and memory.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export const HOST = "127.0.0.1";

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `node <args>` with stdout and stderr appended to `logFile`. */
export function startNode(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Child {
  const out = openSync(logFile, "a");
  const proc = spawn(process.execPath, args, { env, stdio: ["ignore", out, out] });
  if (proc.pid === undefined) throw new Error(`${name}: could not start`);
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return {
    name,
    proc,
    pid: proc.pid,
    logFile,
    async stop(graceMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200; fails early if the child dies. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) {
      throw new Error(`${child.name} exited with ${child.proc.exitCode}; see ${child.logFile}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms`);
}

export interface Memory {
  /** resident set size now, MB */
  rssMb: number;
  /** peak resident set size so far (VmHWM), MB */
  peakMb: number;
}

/** Resident memory of a Linux process, from /proc/<pid>/status. */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return m?.[1] ? Number(m[1]) : NaN;
  };
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU time a Linux process has used so far, user + system, in ms, from /proc/<pid>/stat (fields
 * 14 and 15, counted after the command name, which may hold spaces and parentheses). CPU time
 * swings far less than throughput on a shared machine: it is the figure to compare between runs.
 */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // after the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_S;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
