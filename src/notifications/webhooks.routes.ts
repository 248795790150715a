import { createHash, timingSafeEqual } from "node:crypto";
import express, { Router } from "express";
import type { Logger } from "pino";
import {
  parseNotification,
  sellerHintOf,
  type NotificationRef,
} from "../mercadopago/notification.ts";
import { validMercadoPagoSignature, validOrderSignature } from "../mercadopago/signature.ts";

export interface WebhookDeps {
  /**
   * stores the notification durably, with what its x-signature said (null: none was checked);
   * the worker does the Mercado Pago reads; `merchantId`: the merchant whose token reads it (null:
   * the default merchant)
   */
  record(
    ref: NotificationRef,
    signatureValid: boolean | null,
    merchantId: string | null,
  ): Promise<void>;
  /**
   * Platform mode: the connected merchant of a Mercado Pago account (an Orders API webhook names
   * the seller by `user_id`; it arrives on the platform's application for every seller); null
   * for the default merchant's account or one no merchant has. Unset: one merchant, every
   * notification is the default merchant's and a `merchant` in the URL is not looked at.
   */
  merchantOfSeller?: (userId: string) => Promise<string | null>;
  /**
   * The secret in notification_url (configured, or generated and kept in the database; see
   * webhook-secrets.ts). Unset only where no secret is wanted (some tests): nothing is checked.
   */
  webhookSecret: string | undefined;
  /** earlier secrets, still in the notification_url of orders created before a rotation */
  previousWebhookSecrets?: readonly string[];
  /**
   * MP_WEBHOOK_SIGNING_SECRET entries: x-signature is checked when Mercado Pago sends one, and
   * required on Orders API notifications (topic `order`)
   */
  signingSecrets?: readonly string[];
  /**
   * Called for a delivery that carries no secret at all (the notification_url of an order
   * created before the service had one); it does no inbox work of its own.
   */
  onDeliveryWithoutSecret?: () => void;
  /**
   * Whether an Orders API order id names one of our own sales still pending: an `order`
   * notification whose x-signature does not verify (Mercado Pago's docs and SDKs disagree on the
   * id's casing in the signed text) is then still worked, so a real payment is never kept
   * waiting; any other id costs no row and no read.
   */
  isOwnPendingOrder?: (orderId: string) => Promise<boolean>;
  /** counted: an unverified order notification that named a pending sale of ours */
  onSignatureMismatchReread?: () => void;
  logger: Logger;
}

const IGNORED_LOG_EVERY_MS = 60_000;

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/** Whether `presented` is one of the secrets, compared in constant time against every one. */
function knownSecret(secrets: readonly Buffer[], presented: unknown): boolean {
  if (typeof presented !== "string") return false;
  const digest = sha256(presented);
  let known = false;
  for (const secret of secrets) known = timingSafeEqual(secret, digest) || known;
  return known;
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
  const secrets = deps.webhookSecret
    ? [deps.webhookSecret, ...(deps.previousWebhookSecrets ?? [])].map(sha256)
    : [];
  const signingSecrets = deps.signingSecrets ?? [];
  // A flood of forged deliveries must not become a flood of log lines: one warning a minute
  // with the count since the last one.
  let ignored = 0;
  let warnedAt = 0;
  function ignoredWithoutSecret(): void {
    ignored++;
    const now = Date.now();
    if (now - warnedAt < IGNORED_LOG_EVERY_MS) return;
    log.warn({ count: ignored }, "notifications without the webhook secret ignored");
    ignored = 0;
    warnedAt = now;
  }

  let unsigned = 0;
  let unsignedWarnedAt = 0;
  function ignoredUnsigned(): void {
    unsigned++;
    const now = Date.now();
    if (now - unsignedWarnedAt < IGNORED_LOG_EVERY_MS) return;
    log.warn({ count: unsigned }, "order notifications without a valid x-signature ignored");
    unsigned = 0;
    unsignedWarnedAt = now;
  }

  /**
   * Whose token reads the notification: the merchant our notification_url names, else the seller
   * the body names, else the default merchant (null). Undefined: a `merchant` no URL of ours
   * carries; the delivery is ignored.
   */
  async function merchantOf(query: Record<string, unknown>, body: unknown) {
    if (!deps.merchantOfSeller) return null;
    const hint = sellerHintOf(query, body);
    if (hint === "invalid") return undefined;
    if (hint.merchantId !== undefined) return hint.merchantId;
    return hint.userId === undefined ? null : deps.merchantOfSeller(hint.userId);
  }

  router.post(
    "/webhooks/mercadopago",
    express.text({ type: () => true, limit: "16kb" }),
    async (req, res) => {
      const body = jsonOrNothing(req.body);
      // Orders API notifications come from the application's Webhooks setting, not from a
      // notification_url of ours (there is none in the create body): no WEBHOOK_SECRET rides in
      // them, and their x-signature is what tells Mercado Pago's from forged ones. Checked (and
      // required) whenever a signing secret is configured, which boot demands outside
      // development with MP_API=orders.
      const early = parseNotification(req.query, body);
      if (early?.topic === "order" && signingSecrets.length > 0) {
        const dataId = req.query["data.id"];
        const signed = {
          signature: req.get("x-signature") ?? "",
          requestId: req.get("x-request-id"),
          dataId: typeof dataId === "string" ? dataId : undefined,
        };
        if (!validOrderSignature(signed, signingSecrets)) {
          // the inbox row is coalesced by order id: repeats cost one read per quiet period
          if (deps.isOwnPendingOrder && (await deps.isOwnPendingOrder(early.id))) {
            log.info(
              { orderId: early.id },
              "unverified order notification for a pending sale of ours: re-read",
            );
            deps.onSignatureMismatchReread?.();
            const merchantId = await merchantOf(req.query, body);
            if (merchantId !== undefined) await deps.record(early, false, merchantId);
            res.status(200).json({ received: true });
            return;
          }
          ignoredUnsigned();
          res.status(200).json({ received: true });
          return;
        }
        const merchantId = await merchantOf(req.query, body);
        if (merchantId !== undefined) await deps.record(early, true, merchantId);
        res.status(200).json({ received: true });
        return;
      }
      if (secrets.length > 0 && !knownSecret(secrets, req.query.secret)) {
        // a forged delivery costs this acknowledgement and nothing more: no row, no read
        ignoredWithoutSecret();
        if (req.query.secret === undefined) deps.onDeliveryWithoutSecret?.();
        res.status(200).json({ received: true });
        return;
      }
      // QR notifications come unsigned, so a signature is checked when sent, never required.
      const signature = req.get("x-signature");
      const checked = signingSecrets.length > 0 && signature !== undefined;
      if (checked) {
        const dataId = req.query["data.id"];
        const signed = {
          signature,
          requestId: req.get("x-request-id"),
          dataId: typeof dataId === "string" ? dataId : undefined,
        };
        if (!signingSecrets.some((secret) => validMercadoPagoSignature(signed, secret))) {
          log.warn("notification with an invalid x-signature ignored");
          res.status(200).json({ received: true });
          return;
        }
      }
      const ref = early;
      if (!ref) {
        log.info({ topic: loggable(req.query.topic ?? req.query.type) }, "notification ignored");
        res.status(200).json({ received: true });
        return;
      }
      const merchantId = await merchantOf(req.query, body);
      if (merchantId === undefined) {
        log.info("notification naming no merchant of ours ignored");
        res.status(200).json({ received: true });
        return;
      }
      await deps.record(ref, checked ? true : null, merchantId);
      res.status(200).json({ received: true });
    },
  );

  return router;
}
