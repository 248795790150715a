import express, { Router } from "express";
import { z } from "zod";
import { actorOf, permit, type Actor } from "../auth.ts";
import { AppError, parseInput } from "../errors.ts";
import { requireJson as jsonBody } from "../route-input.ts";
import type { NotificationHistory } from "./sale-notifications.ts";
import { presentEvent, presentSale, type RefundHistory } from "./sale.presenter.ts";
import type { Sale } from "./sale.ts";
import { inScope, scopeOf } from "../scope.ts";
import { CreateSaleSchema, ExternalReferenceSchema } from "./sales.schemas.ts";
import type { SalesService } from "./sales.service.ts";

/** The :ref path parameter; a reference that cannot exist is simply not found. */
export function reference(value: unknown): string {
  const result = ExternalReferenceSchema.safeParse(value);
  if (!result.success) throw new AppError("not_found", "no sale with that external_reference");
  return result.data;
}

export const OrderQuerySchema = z.object({ include: z.enum(["events"]).optional() });

/**
 * The sale with its history (`?include=events`): the status changes (`events`) and the refunds
 * asked through this service (`refunds`, with their amounts and outcome), each oldest first. A
 * partial refund changes no status, so without `refunds` it would leave no trace there. Given
 * `notifications` (full and staff keys only: it names the store's own endpoints), also what
 * Mercado Pago told us about the sale and what we told those endpoints.
 */
export async function presentWithHistory(
  sale: Sale,
  sales: Pick<SalesService, "events">,
  refunds: RefundHistory | undefined,
  notifications?: NotificationHistory,
) {
  const [events, asked, told] = await Promise.all([
    sales.events(sale),
    refunds ? refunds.ofSale(sale) : Promise.resolve([]),
    notifications?.ofSale(sale),
  ]);
  return {
    ...presentSale(sale),
    events: events.map(presentEvent),
    refunds: asked,
    ...(told ? { notifications: told } : {}),
  };
}

/**
 * The notifications a caller's history shows: none to a POS key (they name the store's own
 * endpoints), a merchant's key only its merchant's endpoints, full and staff keys all.
 */
export function notificationsFor(
  actor: Actor,
  notifications: NotificationHistory | undefined,
): NotificationHistory | undefined {
  if (!notifications || actor.role === "pos") return undefined;
  const merchantId = actor.merchantId;
  if (merchantId === null) return notifications;
  return { ofSale: (sale) => notifications.ofSale(sale, merchantId) };
}

const requireJson = jsonBody("the sale");

/**
 * POS and staff routes: check the caller's role, parse, call the service, present. The caller
 * reaches the service only as a scope; services never see the request.
 */
export function createSalesRouter(
  sales: SalesService,
  refunds?: RefundHistory,
  notifications?: NotificationHistory,
): Router {
  const router = Router();

  // The order of refusals: no key 401, wrong role 403, not JSON 415, too big 413, invalid 400.
  router.post(
    "/sales",
    permit(["full", "pos"], "create sales"),
    requireJson,
    express.json({ limit: "64kb", strict: true }),
    async (req, res) => {
      const input = parseInput(CreateSaleSchema, req.body);
      const scope = scopeOf(req);
      if (!inScope({ storeId: input.store_id, posId: input.pos_id }, scope)) {
        throw new AppError("forbidden", "this API key may not create sales for that store or POS");
      }
      const { sale, replay } = await sales.create(input, scope);
      res.status(replay ? 200 : 201).json(presentSale(sale));
    },
  );

  router.get("/orders/:ref", permit(["full", "staff", "pos"], "read sales"), async (req, res) => {
    const query = parseInput(OrderQuerySchema, req.query);
    const actor = actorOf(req);
    const sale = await sales.get(reference(req.params.ref), scopeOf(req));
    const told = notificationsFor(actor, notifications);
    res.json(
      query.include === "events"
        ? await presentWithHistory(sale, sales, refunds, told)
        : presentSale(sale),
    );
  });

  router.delete(
    "/orders/:ref",
    permit(["full", "staff", "pos"], "cancel sales"),
    async (req, res) => {
      const sale = await sales.cancel(reference(req.params.ref), scopeOf(req));
      res.json(presentSale(sale));
    },
  );

  router.post(
    "/orders/:ref/refresh",
    permit(["full", "staff"], "refresh sales"),
    async (req, res) => {
      const ref = reference(req.params.ref);
      // another merchant's sale is unknown to a merchant's key, before anything is asked upstream
      await sales.get(ref, scopeOf(req));
      const sale = await sales.refresh(ref);
      res.json(presentSale(sale));
    },
  );

  return router;
}
