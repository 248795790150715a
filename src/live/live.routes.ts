import { Router, type Request, type Response } from "express";
import { z } from "zod";
import { actorOf, permit } from "../auth.ts";
import { scopeOf } from "../scope.ts";
import { AppError, parseInput } from "../errors.ts";
import { presentSale, type RefundHistory } from "../sales/sale.presenter.ts";
import type { Sale } from "../sales/sale.ts";
import { notificationsFor, presentWithHistory, reference } from "../sales/sales.routes.ts";
import type { NotificationHistory } from "../sales/sale-notifications.ts";
import type { SalesService } from "../sales/sales.service.ts";
import type { LiveSales } from "./live-sales.ts";

/** Longest long poll (api-contract: N ≤ 60 s). */
export const MAX_WAIT_S = 60;

/** A stream whose client reads slower than this much backlog is cut off (it can reconnect). */
const MAX_BACKLOG_BYTES = 1024 * 1024;

export const WaitQuerySchema = z.object({
  wait: z.coerce.number().int().min(0).max(MAX_WAIT_S),
  include: z.enum(["events"]).optional(),
});

const ID = /^[A-Za-z0-9_-]{1,60}$/;
export const EventsQuerySchema = z.object({
  store_id: z.string().regex(ID, "must be 1-60 of [A-Za-z0-9_-]").optional(),
  pos_id: z.string().regex(ID, "must be 1-60 of [A-Za-z0-9_-]").optional(),
});

/**
 * Opens a Server-Sent Events response: no buffering anywhere on the way (no compression, nginx
 * told by X-Accel-Buffering), headers flushed at once. Node's requestTimeout bounds only the
 * receiving of the request, which for a GET is over before the stream starts; the socket's own
 * idle timeout is off for the stream's life.
 */
function openStream(req: Request, res: Response) {
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  res.status(200);
  res.set({
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store, no-transform",
    "X-Accel-Buffering": "no",
    Connection: "keep-alive",
  });
  res.flushHeaders();
  const write = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(text);
    if (res.writableLength > MAX_BACKLOG_BYTES) res.end();
  };
  return {
    event(name: string, data: unknown) {
      write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text: string) {
      write(`: ${text}\n\n`);
    },
  };
}

/**
 * The live routes: a sale's stream, a store's or POS's stream, and the long poll on a sale.
 * Each stream or poll holds one of its key's places until it ends.
 */
export function createLiveRouter(deps: {
  sales: SalesService;
  live: LiveSales;
  refunds?: RefundHistory;
  /** a sale's notifications both ways, in its history for full and staff keys */
  notifications?: NotificationHistory;
}): Router {
  const { sales, live, refunds } = deps;
  const router = Router();

  /** Runs an event stream until the client leaves or the service shuts down. */
  function stream(
    req: Request,
    res: Response,
    release: () => void,
    start: (s: ReturnType<typeof openStream>) => () => void,
  ): void {
    const s = openStream(req, res);
    const stop = start(s);
    const ping = setInterval(() => s.comment("ping"), live.limits.pingMs);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(ping);
      stop();
      offClose();
      release();
      if (!res.writableEnded) res.end();
    };
    const offClose = live.onClose(end);
    res.on("close", end);
  }

  router.get(
    "/orders/:ref/events",
    permit(["full", "staff", "pos"], "read sales"),
    async (req, res) => {
      const actor = actorOf(req);
      live.available();
      const sale = await sales.get(reference(req.params.ref), scopeOf(req));
      const release = live.hold("stream", actor.keyId);
      stream(req, res, release, (s) => {
        let last = "";
        return live.watch({
          target: { saleId: sale.id },
          sale(current, resent) {
            const body = JSON.stringify(presentSale(current));
            if (body === last && !resent) return;
            last = body;
            s.event("sale", presentSale(current));
          },
        });
      });
    },
  );

  router.get("/events", permit(["full", "staff"], "follow every sale"), async (req, res) => {
    const query = parseInput(EventsQuerySchema, req.query);
    const scope = scopeOf(req);
    // a merchant's key follows its merchant's stores (those it had when the stream opened)
    const storeIds =
      typeof scope === "object" && "merchantId" in scope ? scope.storeIds : undefined;
    if (storeIds && query.store_id !== undefined && !storeIds.includes(query.store_id)) {
      throw new AppError("not_found", `store ${query.store_id} not found`);
    }
    const release = live.hold("stream", actorOf(req).keyId);
    stream(req, res, release, (s) => {
      s.comment("connected");
      return live.watch({
        target: {
          ...(query.store_id ? { storeId: query.store_id } : {}),
          ...(query.pos_id ? { posId: query.pos_id } : {}),
          ...(storeIds ? { storeIds } : {}),
        },
        sale: (current) => s.event("sale", presentSale(current)),
        // changes made while the feed was cut off were not seen: the dashboard reloads
        resync: () => s.event("resync", {}),
      });
    });
  });

  // The long poll; GET /orders/:ref without `wait` is the sales router's.
  router.get(
    "/orders/:ref",
    permit(["full", "staff", "pos"], "read sales"),
    async (req, res, next) => {
      if (req.query.wait === undefined) return next();
      const actor = actorOf(req);
      const query = parseInput(WaitQuerySchema, req.query);
      const sale = await sales.get(reference(req.params.ref), scopeOf(req));
      const answer = async (s: Sale) => {
        if (res.headersSent) return;
        const told = notificationsFor(actor, deps.notifications);
        const body =
          query.include === "events"
            ? await presentWithHistory(s, sales, refunds, told)
            : presentSale(s);
        if (!res.headersSent) res.json(body);
      };
      if (sale.status !== "pending" || query.wait === 0) return answer(sale);
      const release = live.hold("wait", actor.keyId);
      const settled = await new Promise<Sale>((resolve) => {
        let latest = sale;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          stop();
          offClose();
          release();
          resolve(latest);
        };
        const timer = setTimeout(finish, query.wait * 1000);
        const offClose = live.onClose(finish);
        res.on("close", finish);
        const stop = live.watch({
          target: { saleId: sale.id },
          sale(current) {
            latest = current;
            if (current.status !== "pending") finish();
          },
        });
      });
      await answer(settled);
    },
  );

  return router;
}
