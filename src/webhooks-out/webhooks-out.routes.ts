import express, { Router, type RequestHandler } from "express";
import { permit } from "../auth.ts";
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
 * checked as the deliveries will be (https to public addresses outside development).
 */
export function createWebhooksOutRouter(
  repo: WebhooksOutRepository,
  policy: UrlPolicy,
  guard: RequestHandler[],
  wake: () => void = () => {},
): Router {
  const router = Router();
  router.use(["/webhook-endpoints", "/webhook-deliveries"], noStore, ...guard);

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
      const secret = newSecret();
      const endpoint = await repo.createEndpoint({
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
    async (_req, res) => {
      res.json({ data: (await repo.listEndpoints()).map(presentEndpoint) });
    },
  );

  router.delete(
    "/webhook-endpoints/:id",
    permit(["full"], "delete webhook endpoints"),
    async (req, res) => {
      const id = pathId(EndpointIdSchema, req.params.id, "webhook endpoint");
      const endpoint = await repo.findEndpoint(id);
      if (!endpoint || endpoint.deletedAt)
        throw new AppError("not_found", `no webhook endpoint ${id} here`);
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
      if (!(await repo.findEndpoint(id)))
        throw new AppError("not_found", `no webhook endpoint ${id} here`);
      res.json({ data: (await repo.deliveriesOfEndpoint(id, query.limit)).map(presentDelivery) });
    },
  );

  router.get(
    "/webhook-deliveries",
    permit(["full", "staff"], "read webhook deliveries"),
    async (req, res) => {
      const query = parseInput(DeliveriesQuerySchema, req.query);
      res.json({ data: (await repo.recentDeliveries(query.limit)).map(presentDelivery) });
    },
  );

  router.post(
    "/webhook-deliveries/:id/retry",
    permit(["full"], "retry webhook deliveries"),
    async (req, res) => {
      const id = pathId(EndpointIdSchema, req.params.id, "webhook delivery");
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
