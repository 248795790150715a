// The bare Express 5 baseline every service figure is compared with, measured in the same run.
import path from "node:path";
import { measure, type LoadFigures } from "./load.ts";
import { HOST, freePort, startNode, waitForHttp } from "./proc.ts";
import { cleanups, log, workDir } from "./session.ts";
import { CONNECTIONS, DURATION_S, ROOT, WARMUP_S } from "./settings.ts";

export interface HttpFigure extends LoadFigures {
  name: string;
  /** which baseline figure this one is compared with */
  against?: "get" | "post";
  ratio?: number;
}

export async function runBaseline(): Promise<{ get: HttpFigure; post: HttpFigure }> {
  const port = await freePort();
  const child = startNode(
    "baseline",
    ["--import", "tsx", path.join(ROOT, "bench/baseline-server.ts")],
    { ...process.env, PORT: String(port), NODE_ENV: "production" },
    path.join(workDir, "baseline.log"),
  );
  const url = `http://${HOST}:${port}`;
  const cleanup = () => child.stop();
  cleanups.add(cleanup);
  try {
    await waitForHttp(`${url}/health`, child);
    log("baseline: GET /health");
    const get = await measure({
      url,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      requests: [{ method: "GET", path: "/health" }],
      cpuPid: child.pid,
    });
    log("baseline: POST /echo");
    const post = await measure({
      url,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      requests: [
        {
          method: "POST",
          path: "/echo",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ resource: "12345678", topic: "merchant_order" }),
        },
      ],
      cpuPid: child.pid,
    });
    return {
      get: { name: "baseline GET /health", ...get },
      post: { name: "baseline POST /echo (JSON)", ...post },
    };
  } finally {
    cleanups.delete(cleanup);
    await child.stop();
  }
}
