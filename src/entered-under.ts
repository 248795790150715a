import type { RequestHandler, Router } from "express";

/**
 * The first path segments a router's own layers answer, lowercased (Express matches paths
 * without regard to case); null when some layer may answer any path: a middleware without a
 * path, a route whose first segment is a parameter, a wildcard or a pattern.
 */
export function firstSegmentsOf(router: Router): Set<string> | null {
  const segments = new Set<string>();
  for (const layer of router.stack as { rawPath?: unknown }[]) {
    const paths = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath];
    for (const path of paths) {
      if (typeof path !== "string") return null;
      const first = path.split("/")[1] ?? "";
      if (!/^[A-Za-z0-9._-]+$/.test(first)) return null;
      segments.add(first.toLowerCase());
    }
  }
  return segments;
}

/**
 * Routers mounted without a path, each entered only by requests under a first path segment its
 * routes use, in the order given. Express walks every layer of every router mounted without a
 * path for each request, matching each route's pattern, and each layer of the app costs a step
 * of its router; the service mounts a dozen routers, so a request to /orders/:ref was matched
 * against every route before its own. Here one layer holds them: the first segment picks, by
 * one look-up, the routers that may answer it (those some layer of which may answer any path
 * always among them), and only those are entered, one after another as Express would. The
 * segments are read from the routers' layers once they are built, so they cannot drift from
 * their routes. `routers` on the handler lists them, for whoever lists the app's routes.
 */
export function enteredUnder(...routers: Router[]): RequestHandler & { routers: Router[] } {
  const segmentsOf = routers.map(firstSegmentsOf);
  const always = routers.filter((_r, i) => segmentsOf[i] === null);
  const bySegment = new Map<string, Router[]>();
  for (const segment of new Set(segmentsOf.flatMap((s) => (s ? [...s] : [])))) {
    bySegment.set(
      segment,
      routers.filter((_r, i) => segmentsOf[i]?.has(segment) ?? true),
    );
  }
  const gate: RequestHandler = (req, res, next) => {
    const path = req.path;
    const end = path.indexOf("/", 1);
    const first = (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
    const entered = bySegment.get(first) ?? always;
    let i = 0;
    const step = (err?: unknown): void => {
      // an error goes on to the app's error handler, as it would from a router of the app
      if (err) return next(err);
      const router = entered[i++];
      if (router) router(req, res, step);
      else next();
    };
    step();
  };
  return Object.assign(gate, { routers });
}
