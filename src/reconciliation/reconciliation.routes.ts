import { Router, type Request, type RequestHandler } from "express";
import { permit } from "../auth.ts";
import { scopeOf, storeInScope } from "../scope.ts";
import { AppError, parseInput } from "../errors.ts";
import { MercadoPagoError } from "../mercadopago/mercadopago.client.ts";
import { noStore } from "../no-store.ts";
import { presentReconciliation } from "./reconciliation.presenter.ts";
import type { ReconciliationRepository } from "./reconciliation.repository.ts";
import type { ReconciliationRun } from "./reconciliation.run.ts";
import { ReconciliationQuerySchema } from "./reconciliation.schemas.ts";

export interface ReconciliationRouteDeps {
  repo: Pick<ReconciliationRepository, "view">;
  runner: ReconciliationRun;
  /** whether the store is ours (404 otherwise) */
  storeExists(storeId: string): Promise<boolean>;
}

/**
 * `GET /reconciliation` (staff and full keys: the day's standing) and `POST /reconciliation/run`
 * (full keys: run it now and answer the result; a run already under way is not doubled).
 */
export function createReconciliationRouter(
  deps: ReconciliationRouteDeps,
  guard: RequestHandler[],
): Router {
  const router = Router();

  async function dayOf(req: Request) {
    const q = parseInput(ReconciliationQuerySchema, req.query);
    // another merchant's store is unknown to a merchant's key, as one never registered
    if (!storeInScope(q.store_id, scopeOf(req)) || !(await deps.storeExists(q.store_id))) {
      throw new AppError("not_found", `store ${q.store_id} not found`);
    }
    return q;
  }

  router.get(
    "/reconciliation",
    noStore,
    ...guard,
    permit(["full", "staff"], "read the reconciliation"),
    async (req, res) => {
      const q = await dayOf(req);
      res.json(presentReconciliation(await deps.repo.view(q.store_id, q.date)));
    },
  );

  router.post(
    "/reconciliation/run",
    noStore,
    ...guard,
    permit(["full"], "run the reconciliation"),
    async (req, res) => {
      const q = await dayOf(req);
      const outcome = await deps.runner.run(q.store_id, q.date).catch((err: unknown) => {
        // the pages read so far are kept: the next run resumes after them
        if (err instanceof MercadoPagoError) {
          throw new AppError(
            "mercadopago_unavailable",
            "Mercado Pago's payment search did not answer; the run resumes where it stopped on the next try",
          );
        }
        throw err;
      });
      // the store's merchant cannot be read at Mercado Pago: said in words, the day stays owed
      if (!outcome.ran && outcome.reason === "merchant_not_connected") {
        throw new AppError("merchant_not_connected", outcome.message);
      }
      const view = presentReconciliation(await deps.repo.view(q.store_id, q.date));
      res.json({
        ...view,
        run: outcome.ran
          ? {
              ran: true,
              pages: outcome.pages,
              payments: outcome.payments,
              new_discrepancies: outcome.recorded.length,
            }
          : { ran: false },
      });
    },
  );

  return router;
}
