// CPU per request of the service's HTTP stack without a database (bench/stack-server.ts), beside
// the bare Express baseline, alternating the two a few times so a busy machine weighs on both.
//   npx tsx bench/stack.ts            (after npm run build; STACK_DIST=other/dist to compare)
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { measure } from "./load.ts";
import { freePort, HOST, startNode, waitForHttp } from "./proc.ts";

const ROUNDS = Number(process.env.STACK_ROUNDS ?? 3);
const DURATION_S = Number(process.env.STACK_DURATION_S ?? 5);
const API_KEY = "stack-bench-key-0123456789";
const dir = mkdtempSync(path.join(os.tmpdir(), "mp-stack-"));

async function cpuPerRequest(script: string, urlPath: string, headers: Record<string, string>) {
  const port = await freePort();
  const child = startNode(
    script,
    ["--import", "tsx", path.join(import.meta.dirname, script)],
    { ...process.env, PORT: String(port), API_KEY, NODE_ENV: "production" },
    path.join(dir, `${script}.log`),
  );
  const url = `http://${HOST}:${port}`;
  try {
    await waitForHttp(`${url}/health`, child);
    const r = await measure({
      url,
      connections: 50,
      durationS: DURATION_S,
      warmupS: 2,
      headers,
      cpuPid: child.pid,
      requests: [{ method: "GET", path: urlPath }],
    });
    if (r.errors > 0) throw new Error(`${script}: ${r.errors} errors`);
    return (r.cpuMsPerRequest ?? NaN) * 1000;
  } finally {
    await child.stop();
  }
}

const base: number[] = [];
const stack: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  base.push(await cpuPerRequest("baseline-server.ts", "/health", {}));
  stack.push(
    await cpuPerRequest("stack-server.ts", "/orders/stack-000001", {
      Authorization: `Bearer ${API_KEY}`,
    }),
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const us = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
console.log(`build: ${process.env.STACK_DIST ?? "dist"}; ${ROUNDS} rounds of ${DURATION_S} s`);
console.log(`baseline GET /health      CPU µs/req: ${us(base)}  median ${median(base).toFixed(0)}`);
console.log(
  `stack GET /orders/:ref    CPU µs/req: ${us(stack)}  median ${median(stack).toFixed(0)}`,
);
console.log(`stack / baseline (medians): ${(median(stack) / median(base)).toFixed(2)}`);
