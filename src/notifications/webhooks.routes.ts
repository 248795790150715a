import { createHash, timingSafeEqual } from "node:crypto";
import express, { Router } from "express";
import type { Logger } from "pino";
import { parseNotification, type NotificationRef } from "../mercadopago/notification.ts";

export interface WebhookDeps {
  /** stores the notification durably; the worker does the Mercado Pago reads */
  record(ref: NotificationRef): Promise<void>;
  webhookSecret: string | undefined;
  logger: Logger;
}

function sameSecret(expected: string, presented: unknown): boolean {
  if (typeof presented !== "string") return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(presented).digest();
  return timingSafeEqual(a, b);
}

function jsonOrNothing(raw: unknown): unknown {
  if (typeof raw !== "string" || raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Mercado Pago's notifications: acknowledged at once, stored, and worked later. The body is a
 * hint; it is read as text whatever its content type, and anything unreadable is acknowledged
 * without work (a non-2xx would only make Mercado Pago retry the same thing for days).
 */
export function createWebhooksRouter(deps: WebhookDeps): Router {
  const router = Router();
  const log = deps.logger.child({ component: "webhooks" });

  router.post(
    "/webhooks/mercadopago",
    express.text({ type: () => true, limit: "16kb" }),
    async (req, res) => {
      if (deps.webhookSecret && !sameSecret(deps.webhookSecret, req.query.secret)) {
        log.warn("notification without the webhook secret ignored");
        res.status(200).json({ received: true });
        return;
      }
      const ref = parseNotification(req.query, jsonOrNothing(req.body));
      if (!ref) {
        log.info({ topic: req.query.topic ?? req.query.type }, "notification ignored");
        res.status(200).json({ received: true });
        return;
      }
      await deps.record(ref);
      res.status(200).json({ received: true });
    },
  );

  return router;
}
