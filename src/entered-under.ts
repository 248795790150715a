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
 * A router mounted without a path, entered only by requests under a first path segment its
 * routes use. Express walks every layer of every router mounted without a path for each request,
 * matching each route's pattern; the service mounts a dozen, so a request to /orders/:ref was
 * matched against every route before its own. The segments are read from the router's layers
 * once it is built, so they cannot drift from its routes; a router some layer of which may
 * answer any path is entered always. `router` on the handler is the router behind it, for
 * whoever lists the app's routes.
 */
export function enteredUnder(router: Router): RequestHandler & { router: Router } {
  const segments = firstSegmentsOf(router);
  const gate: RequestHandler = (req, res, next) => {
    if (segments === null) return router(req, res, next);
    const path = req.path;
    const end = path.indexOf("/", 1);
    const first = (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
    if (segments.has(first)) router(req, res, next);
    else next();
  };
  return Object.assign(gate, { router });
}
