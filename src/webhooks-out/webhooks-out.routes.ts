import express, { Router, type Request, type RequestHandler } from "express";
import { permit } from "../auth.ts";
import { merchantOf } from "../scope.ts";
import { AppError, parseInput } from "../errors.ts";
import { noStore } from "../no-store.ts";
import { pathId, requireJson as jsonBody } from "../route-input.ts";
import { resolveTarget, type UrlPolicy } from "./endpoint-url.ts";
import { newSecret } from "./signature.ts";
import { presentDelivery, presentEndpoint } from "./webhooks-out.presenter.ts";
import type { WebhooksOutRepository } from "./webhooks-out.repository.ts";
import {
  CreateEndpointSchema,
  DeliveriesQuerySchema,
  EndpointIdSchema,
} from "./webhooks-out.schemas.ts";

const requireJson = jsonBody("the body");

/**
 * Webhook endpoints and their deliveries: full-access keys write, staff may read. A URL is
 * checked as the deliveries will be (https to public addresses outside development). In
 * platform mode (`merchantExists` given) an endpoint may belong to a merchant: one made with a
 * merchant's key is that merchant's, and such a key sees only its merchant's endpoints and their
 * deliveries (another's are unknown to it).
 */
export function createWebhooksOutRouter(
  repo: WebhooksOutRepository,
  policy: UrlPolicy,
  guard: RequestHandler[],
  wake: () => void = () => {},
  merchantExists?: (id: string) => Promise<boolean>,
): Router {
  const router = Router();
  router.use(["/webhook-endpoints", "/webhook-deliveries"], noStore, ...guard);

  /** The endpoint when the caller may see it (deleted ones too: their deliveries stay readable). */
  async function visibleEndpoint(req: Request, id: string) {
    const endpoint = await repo.findEndpoint(id);
    const own = merchantOf(req);
    if (!endpoint || (own !== null && endpoint.merchantId !== own)) {
      throw new AppError("not_found", `no webhook endpoint ${id} here`);
    }
    return endpoint;
  }

  /** The merchant a new endpoint belongs to: a merchant's key's own, or the one asked for. */
  async function ownerOf(req: Request, asked: string | undefined): Promise<string | null> {
    const own = merchantOf(req);
    const wanted = asked?.toLowerCase();
    if (own !== null) {
      if (wanted !== undefined && wanted !== own) {
        throw new AppError("forbidden", "this API key adds endpoints for its own merchant only");
      }
      return own;
    }
    if (wanted === undefined) return null;
    const problem = !merchantExists
      ? "is only taken in platform mode (MP_CLIENT_ID, MP_CLIENT_SECRET, TOKEN_ENCRYPTION_KEY)"
      : (await merchantExists(wanted))
        ? null
        : "no merchant with that id";
    if (problem) {
      throw new AppError("validation_failed", `merchant_id: ${problem}`, [
        { path: "merchant_id", message: problem },
      ]);
    }
    return wanted;
  }

  router.post(
    "/webhook-endpoints",
    permit(["full"], "add webhook endpoints"),
    requireJson,
    express.json({ limit: "8kb", strict: true }),
    async (req, res) => {
      const input = parseInput(CreateEndpointSchema, req.body);
      const target = await resolveTarget(input.url, policy);
      if (!target.ok) {
        throw new AppError("validation_failed", `url: ${target.reason}`, [
          { path: "url", message: target.reason },
        ]);
      }
      const merchantId = await ownerOf(req, input.merchant_id);
      const secret = newSecret();
      const endpoint = await repo.createEndpoint({
        merchantId,
        url: input.url,
        events: input.events,
        description: input.description ?? null,
        secret,
      });
      res.status(201).json({ ...presentEndpoint(endpoint), secret });
    },
  );

  router.get(
    "/webhook-endpoints",
    permit(["full", "staff"], "read webhook endpoints"),
    async (req, res) => {
      const own = merchantOf(req) ?? undefined;
      res.json({ data: (await repo.listEndpoints(own)).map(presentEndpoint) });
    },
  );

  router.delete(
    "/webhook-endpoints/:id",
    permit(["full"], "delete webhook endpoints"),
    async (req, res) => {
      const id = pathId(EndpointIdSchema, req.params.id, "webhook endpoint");
      const endpoint = await visibleEndpoint(req, id);
      if (endpoint.deletedAt) throw new AppError("not_found", `no webhook endpoint ${id} here`);
      await repo.deleteEndpoint(id, new Date());
      res.status(204).end();
    },
  );

  router.get(
    "/webhook-endpoints/:id/deliveries",
    permit(["full", "staff"], "read webhook deliveries"),
    async (req, res) => {
      const id = pathId(EndpointIdSchema, req.params.id, "webhook endpoint");
      const query = parseInput(DeliveriesQuerySchema, req.query);
      await visibleEndpoint(req, id);
      res.json({ data: (await repo.deliveriesOfEndpoint(id, query.limit)).map(presentDelivery) });
    },
  );

  router.get(
    "/webhook-deliveries",
    permit(["full", "staff"], "read webhook deliveries"),
    async (req, res) => {
      const query = parseInput(DeliveriesQuerySchema, req.query);
      const own = merchantOf(req) ?? undefined;
      res.json({ data: (await repo.recentDeliveries(query.limit, own)).map(presentDelivery) });
    },
  );

  router.post(
    "/webhook-deliveries/:id/retry",
    permit(["full"], "retry webhook deliveries"),
    async (req, res) => {
      const id = pathId(EndpointIdSchema, req.params.id, "webhook delivery");
      const found = await repo.findDelivery(id);
      const own = merchantOf(req);
      if (!found) throw new AppError("not_found", `no webhook delivery ${id} here`);
      // another merchant's delivery is unknown to a merchant's key
      if (own !== null && (await repo.findEndpoint(found.endpointId))?.merchantId !== own) {
        throw new AppError("not_found", `no webhook delivery ${id} here`);
      }
      const outcome = await repo.retry(id, new Date());
      if (outcome === null) throw new AppError("not_found", `no webhook delivery ${id} here`);
      if (outcome === "deleted") {
        throw new AppError("conflict", "the delivery's endpoint was deleted");
      }
      wake();
      const delivery = await repo.findDelivery(id);
      res.status(202).json(delivery && presentDelivery(delivery));
    },
  );

  return router;
}
