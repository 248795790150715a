import { Router } from "express";
import { z } from "zod";
import { AppError, validationError } from "../errors.ts";
import { presentEvent, presentSale } from "./sale.presenter.ts";
import { CreateSaleSchema, ExternalReferenceSchema } from "./sales.schemas.ts";
import type { SalesService } from "./sales.service.ts";

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

function reference(value: unknown): string {
  const result = ExternalReferenceSchema.safeParse(value);
  if (!result.success) throw new AppError("not_found", "no sale with that external_reference");
  return result.data;
}

const OrderQuerySchema = z.object({ include: z.enum(["events"]).optional() });

/** POS and staff routes: parse, call the service, present. */
export function createSalesRouter(sales: SalesService): Router {
  const router = Router();

  router.post("/sales", async (req, res) => {
    if (!req.is("application/json")) {
      throw new AppError("unsupported_media_type", "send the sale as application/json");
    }
    const input = parse(CreateSaleSchema, req.body);
    const { sale, replay } = await sales.create(input);
    res.status(replay ? 200 : 201).json(presentSale(sale));
  });

  router.get("/orders/:ref", async (req, res) => {
    const query = parse(OrderQuerySchema, req.query);
    const sale = await sales.get(reference(req.params.ref));
    if (query.include === "events") {
      const events = await sales.events(sale);
      res.json({ ...presentSale(sale), events: events.map(presentEvent) });
      return;
    }
    res.json(presentSale(sale));
  });

  router.delete("/orders/:ref", async (req, res) => {
    const sale = await sales.cancel(reference(req.params.ref));
    res.json(presentSale(sale));
  });

  router.post("/orders/:ref/refresh", async (req, res) => {
    const sale = await sales.refresh(reference(req.params.ref));
    res.json(presentSale(sale));
  });

  return router;
}
