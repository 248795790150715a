import { createHash, timingSafeEqual } from "node:crypto";
import express, { Router } from "express";
import type { Logger } from "pino";
import { parseNotification, type NotificationRef } from "../mercadopago/notification.ts";
import { validMercadoPagoSignature } from "../mercadopago/signature.ts";

export interface WebhookDeps {
  /** stores the notification durably; the worker does the Mercado Pago reads */
  record(ref: NotificationRef): Promise<void>;
  webhookSecret: string | undefined;
  /** MP_WEBHOOK_SIGNING_SECRET: checks x-signature when Mercado Pago sends one */
  signingSecret?: string | undefined;
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

/** A query value fit for a log line: short, and only when it is a plain string. */
function loggable(value: unknown): string | undefined {
  return typeof value === "string" ? value.slice(0, 64) : undefined;
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
      // QR notifications come unsigned, so a signature is checked when sent, never required.
      const signature = req.get("x-signature");
      if (deps.signingSecret && signature !== undefined) {
        const dataId = req.query["data.id"];
        const valid = validMercadoPagoSignature(
          {
            signature,
            requestId: req.get("x-request-id"),
            dataId: typeof dataId === "string" ? dataId : undefined,
          },
          deps.signingSecret,
        );
        if (!valid) {
          log.warn("notification with an invalid x-signature ignored");
          res.status(200).json({ received: true });
          return;
        }
      }
      const ref = parseNotification(req.query, jsonOrNothing(req.body));
      if (!ref) {
        log.info({ topic: loggable(req.query.topic ?? req.query.type) }, "notification ignored");
        res.status(200).json({ received: true });
        return;
      }
      await deps.record(ref);
      res.status(200).json({ received: true });
    },
  );

  return router;
}
