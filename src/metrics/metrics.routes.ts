import { createHash, timingSafeEqual } from "node:crypto";
import { Router } from "express";
import { AppError } from "../errors.ts";
import { logAtDebug } from "../logger.ts";
import type { Metrics } from "./metrics.ts";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * `GET /metrics` in Prometheus text format. With METRICS_TOKEN set the scraper must send
 * `Authorization: Bearer <METRICS_TOKEN>`; API keys do not open it (and the token opens nothing
 * else). Not rate limited: a scraper asks at a fixed pace.
 */
export function createMetricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = Router();
  const expected = token === undefined ? null : sha256(token);
  router.get("/metrics", logAtDebug, async (req, res) => {
    if (expected) {
      const header = req.get("authorization");
      const presented = /^Bearer (\S{1,512})$/i.exec(header ?? "")?.[1];
      if (presented === undefined) {
        res.set("WWW-Authenticate", 'Bearer realm="metrics"');
        throw new AppError(
          "unauthorized",
          header === undefined
            ? "missing metrics token: send Authorization: Bearer <METRICS_TOKEN>"
            : "the Authorization header is not Bearer <METRICS_TOKEN>",
        );
      }
      if (!timingSafeEqual(sha256(presented), expected)) {
        res.set("WWW-Authenticate", 'Bearer realm="metrics", error="invalid_token"');
        throw new AppError("unauthorized", "the metrics token is not valid");
      }
    }
    const text = await metrics.scrape();
    res.set("Content-Type", metrics.contentType);
    res.set("Cache-Control", "no-store");
    res.send(text);
  });
  return router;
}
