import { createHash } from "node:crypto";
import express, { type RequestHandler, type Router } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";
import type { Logger } from "pino";
import { requireApiKey } from "./auth.ts";
import { AppError, errorHandler, notFoundHandler } from "./errors.ts";
import { createHttpLogger } from "./logger.ts";
import type { NotificationRef } from "./mercadopago/notification.ts";
import { createWebhooksRouter } from "./notifications/webhooks.routes.ts";
import { createSalesRouter } from "./sales/sales.routes.ts";
import type { SalesService } from "./sales/sales.service.ts";

export interface AppDeps {
  logger: Logger;
  sales: SalesService;
  recordNotification(ref: NotificationRef): Promise<void>;
  /** resolves when the database answers */
  ping(): Promise<void>;
  config: {
    apiKeys: readonly string[];
    webhookSecret: string | undefined;
    rateLimitPerMinute: number | undefined;
  };
  /** the built-in Mercado Pago simulator, mounted at /simulator when the service runs on it */
  simulator?: Router;
}

/** Limits per API key when one is presented, else per client address. */
function apiRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    keyGenerator: (req) => {
      const auth = req.get("authorization");
      if (auth) return `key:${createHash("sha256").update(auth).digest("hex")}`;
      return `ip:${req.ip ?? "unknown"}`;
    },
    handler: (_req, _res, next) => {
      next(new AppError("rate_limited", `more than ${perMinute} requests a minute; slow down`));
    },
  });
}

/** The HTTP app; no listen() here, so tests drive it with supertest. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");

  app.use(createHttpLogger(deps.logger));
  app.use(helmet());

  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/ready", async (req, res) => {
    try {
      await deps.ping();
      res.json({ status: "ready" });
    } catch (err) {
      req.log.warn({ err }, "database is not answering");
      res.status(503).json({ status: "unavailable" });
    }
  });

  const limiter = deps.config.rateLimitPerMinute
    ? apiRateLimit(deps.config.rateLimitPerMinute)
    : null;
  if (limiter) app.use("/webhooks", limiter);
  app.use(
    createWebhooksRouter({
      record: deps.recordNotification,
      webhookSecret: deps.config.webhookSecret,
      logger: deps.logger,
    }),
  );

  if (deps.simulator) app.use("/simulator", deps.simulator);

  app.use(express.json({ limit: "64kb", strict: true }));
  const guard = [...(limiter ? [limiter] : []), requireApiKey(deps.config.apiKeys)];
  app.use(["/sales", "/orders"], ...guard);
  app.use(createSalesRouter(deps.sales));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
