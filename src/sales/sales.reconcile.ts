import { MIN_PUBLICATION_LIFE_MS, watchStart } from "./sale-lifecycle.ts";
import type { Sale } from "./sale.ts";
import type { SaleCancelling } from "./sales.cancel.ts";
import { asMercadoPagoError, type SalesContext } from "./sales.context.ts";
import type { SalePublication } from "./sales.publication.ts";
import type { SaleSettling } from "./sales.settle.ts";

/** The sweeper's reconcile of a sale, and the publications, cancels and DELETEs it resumes. */
export function createSaleReconciling(
  ctx: SalesContext,
  { settle }: SaleSettling,
  { published, failCreate, refusedCreate }: SalePublication,
  { finishCancel }: SaleCancelling,
) {
  const { deps, repo, instore, orders, log, upstreamOf, mustFind } = ctx;

  /**
   * The sweeper's turn at a publication whose request is gone (a crash between storing the sale
   * and the PUT, or a request out of time): ours on the POS → done; else, while the sale holds
   * the POS and its order has life left, PUT it again (the PUT replaces the POS's slot); else a
   * payment still wins, and otherwise the sale fails, which frees the POS.
   */
  async function resumePublication(sale: Sale): Promise<Sale> {
    if (sale.mercadopagoApi === "orders") return resumeOrderPublication(sale);
    const ref = sale.externalReference;
    if (await instore.holds(sale)) return published(sale);
    // An empty POS may mean the lost request's PUT landed and the customer paid (a paid order
    // leaves the POS): a PUT now would offer the paid sale to the next customer. Look first.
    const settled = await settle(sale, await instore.read(sale), "reconcile");
    if (settled.status !== "pending") return settled;
    const now = deps.now();
    if (sale.expiresAt.getTime() - now.getTime() > MIN_PUBLICATION_LIFE_MS) {
      await instore.publish(sale);
      log.info({ externalReference: ref, posId: sale.posId }, "publication resumed");
      return published(sale);
    }
    const failed = await notPublished(settled);
    if (failed) log.warn({ externalReference: ref }, "publication given up: sale failed");
    return failed ?? (await mustFind(ref));
  }

  /** Gives up a publication Mercado Pago never took in time: the sale fails, its POS freed. */
  function notPublished(sale: Sale) {
    return failCreate(
      sale,
      {
        status: 504,
        code: "mercadopago_unavailable",
        message: "Mercado Pago did not take the order in time",
        details: [{ reason: "not_published" }],
      },
      { reason: "not_published" },
      "withdrawn",
      true,
    );
  }

  /**
   * The sweeper's turn at an Orders API publication whose request is gone: the same create
   * again (same key: the order it made, if it made one). With too little life left the order is
   * cancelled at once and read: a payment still wins, otherwise the sale fails.
   */
  async function resumeOrderPublication(sale: Sale): Promise<Sale> {
    let publication;
    try {
      publication = await orders.publish(sale);
    } catch (err) {
      const e = asMercadoPagoError(err);
      // unclear again: the next round sends the same create; a refusal ends it (no order made)
      if (e.kind !== "rejected") throw e;
      return (await refusedCreate(sale, e)).sale ?? (await mustFind(sale.externalReference));
    }
    const recorded = (await repo.recordOrder(sale.id, publication)) ?? sale;
    if (sale.expiresAt.getTime() - deps.now().getTime() > MIN_PUBLICATION_LIFE_MS) {
      log.info({ externalReference: sale.externalReference }, "publication resumed");
      return published(recorded);
    }
    await orders.withdraw(recorded);
    const settled = await settle(recorded, await orders.read(recorded), "reconcile", {
      upstreamEnds: false,
    });
    if (settled.status !== "pending") return settled;
    const failed = await notPublished(settled);
    return failed ?? (await mustFind(sale.externalReference));
  }

  /**
   * The clean-up DELETE owed by a sale that gave up its POS (a failed create): only while its
   * order can still be there, and only when the POS shows ours. A sale holding the POS now has
   * replaced (or is replacing) our order with its own PUT, so nothing is deleted.
   */
  async function withdraw(sale: Sale): Promise<Sale> {
    const ref = sale.externalReference;
    const done = async () =>
      (await repo.changeOrderState(sale.id, { from: ["withdrawing"], to: "withdrawn" })) ??
      (await mustFind(ref));
    // an Orders API order is its own, not a POS slot: cancelling it touches no other sale
    if (sale.mercadopagoApi === "orders") {
      await orders.withdraw(sale);
      return done();
    }
    if (sale.expiresAt.getTime() <= deps.now().getTime()) return done();
    if (await repo.posHeldByAnother(sale.posId, sale.id)) return done();
    if (await instore.holds(sale)) {
      await instore.clearPos(sale.posId);
      log.info({ externalReference: ref }, "order of a settled sale taken off the POS");
      // a sale created on this POS between the look and the DELETE may have lost its order
      await repo.republishPending(sale.posId, deps.now());
    }
    return done();
  }

  /** The reconciler's look at a pending sale whose order is on the POS. */
  async function reconcileOnPos(sale: Sale): Promise<Sale> {
    const expiring = sale.expiresAt.getTime() <= deps.now().getTime();
    const upstream = upstreamOf(sale);
    // Orders API: Mercado Pago expires the order itself (expiration_time is our TTL); the
    // cancel only covers a clock that runs behind ours, before the final read
    if (expiring) await upstream.withdraw(sale);
    // expiring: our own cancel shows as `canceled`; the sale expires below unless paid
    const settled = await settle(
      sale,
      await upstream.read(sale),
      expiring ? "expiry" : "reconcile",
      { upstreamEnds: !expiring, detailsFirst: true },
    );
    if (!expiring || settled.status !== "pending") return settled;
    const now = deps.now();
    const expired = await repo.transition(sale.id, {
      to: "expired",
      source: "expiry",
      at: now,
      nextCheckAt: watchStart(sale, now, 0),
    });
    if (expired) log.info({ externalReference: sale.externalReference }, "sale expired unpaid");
    return expired ?? (await mustFind(sale.externalReference));
  }

  /**
   * The sweeper's look at a sale that owes something: a publication or a cancel left over, the
   * reconciliation of a pending sale (once its order has expired it is taken off the POS, if
   * still ours, before the final read, and only a sale that final read shows unpaid becomes
   * `expired`), or, for a failed, cancelled or expired sale, the late-payment watch and the
   * clean-up DELETE still owed.
   */
  async function reconcile(sale: Sale): Promise<Sale> {
    if (sale.status === "pending") {
      if (sale.orderState === "publishing") return resumePublication(sale);
      if (sale.orderState === "withdrawing") {
        return finishCancel(sale, {}, { completed_by: "sweeper" });
      }
      return reconcileOnPos(sale);
    }
    if (sale.status === "paid" || sale.status === "refunded") return sale;
    // a payment wins first: the DELETE may keep failing while the search works
    const settled = await settle(sale, await upstreamOf(sale).read(sale), "reconcile");
    if (settled.status === "paid" || settled.orderState !== "withdrawing") return settled;
    return withdraw(settled);
  }

  return { reconcile };
}
