// The floor (bench/floor-server.ts) started on what the service's run leaves up: the same
// database (its schema, through the same counting proxy) and the same simulator process. The
// service is stopped first, so the two never share the machine; the floor's POS ids and
// references carry their own prefix, so the phases run again unchanged against it.
import path from "node:path";
import { HOST, freePort, startNode, waitForHttp } from "./proc.ts";
import type { Service } from "./service.ts";
import { workDir } from "./session.ts";
import { API_KEY, ROOT, WEBHOOK_SECRET } from "./settings.ts";

/** The floor as the phases see a service; null when the simulator lives in the service (inline). */
export async function startFloor(service: Service): Promise<Service | null> {
  if (!service.mpEnv) return null;
  await service.child.stop();
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = startNode(
    "floor",
    ["--import", "tsx", path.join(ROOT, "bench/floor-server.ts")],
    {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: service.databaseUrl,
      API_KEY,
      WEBHOOK_SECRET,
      PUBLIC_BASE_URL: url,
      ...service.mpEnv,
    },
    path.join(workDir, "floor.log"),
  );
  try {
    await waitForHttp(`${url}/ready`, child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return {
    ...service,
    child,
    url,
    tag: "F",
    cleanup: async () => {
      await child.stop();
    },
  };
}
