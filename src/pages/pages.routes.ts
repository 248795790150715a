import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { Router, type RequestHandler, type Response } from "express";
import { actorOf, permit } from "../auth.ts";
import { AppError } from "../errors.ts";
import { inScope, scopeOf } from "../scope.ts";
import { formattingLocale, MESSAGES } from "../i18n/catalogue.ts";
import { LOCALES, siteProfile, type SiteId } from "../sites.ts";
import type { DisplayInfoBody } from "../stores/stores.responses.ts";
import { PosIdSchema } from "../stores/stores.schemas.ts";
import type { StoresService } from "../stores/stores.service.ts";
import { renderDashboard, renderDisplay, type DashboardPage, type PageSite } from "./pages.html.ts";

/**
 * The pages' scripts and styles, as plain files: `public/` beside `src/` and `dist/`, so the same
 * path works from the sources (tsx) and from the build (`node dist/main.js`).
 */
export const PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));

/**
 * The pages carry no data: each asks for a key and reads the API with it. Scripts only from
 * files of this origin (no inline script, no eval); images may be blob: URLs (the QR, fetched
 * with the key) and data: URLs.
 */
export const PAGES_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function sendPage(res: Response, html: string): void {
  res.setHeader("Content-Security-Policy", PAGES_CSP);
  res.setHeader("Cache-Control", "no-store");
  res.type("text/html").send(html);
}

/**
 * The staff dashboard (`/dashboard`, `/dashboard/sales/:ref`, `/dashboard/stores`), the customer
 * display (`/display/:pos_id`) and their assets (`/assets/…`). `guard` identifies the caller for
 * the one JSON route here, the display's names of its POS and store.
 */
export function createPagesRouter(deps: {
  stores?: StoresService;
  guard: RequestHandler[];
  /** the site the service runs as: the currency and country of the pages' amounts and dates */
  site: SiteId;
  /** platform mode (the merchants routes are served) */
  platform?: boolean;
}): Router {
  const router = Router();
  if (!existsSync(PUBLIC_DIR)) {
    throw new Error(`the pages' assets are missing: ${PUBLIC_DIR} (ship public/ beside dist/)`);
  }
  const profile = siteProfile(deps.site);
  // DEFAULT_LOCALE and the site's zone, as stores without their own get them
  const defaults = deps.stores?.defaults ?? { locale: profile.locale, timeZone: profile.timeZone };
  const site: PageSite = {
    site: deps.site,
    currency: profile.currency,
    decimals: profile.decimals,
    formatting: Object.fromEntries(LOCALES.map((l) => [l, formattingLocale(l, deps.site)])),
    defaultLocale: defaults.locale,
    timeZone: defaults.timeZone,
    platform: deps.platform ?? false,
  };

  // the catalogue as a module the pages' scripts import: the same words as the server's
  const messagesJs = `export const MESSAGES = ${JSON.stringify(MESSAGES)};\n`;
  router.get("/assets/messages.js", (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.type("text/javascript").send(messagesJs);
  });
  router.use(
    "/assets",
    express.static(PUBLIC_DIR, {
      index: false,
      dotfiles: "ignore",
      redirect: false,
      // revalidated on every load: a new version is picked up at once
      setHeaders: (res) => res.setHeader("Cache-Control", "no-cache"),
    }),
  );

  const pages: Record<string, DashboardPage> = {
    "/dashboard": "today",
    "/dashboard/sales/:ref": "sale",
    "/dashboard/stores": "stores",
    "/dashboard/close": "close",
    "/dashboard/webhooks": "webhooks",
  };
  for (const [path, page] of Object.entries(pages)) {
    router.get(path, (_req, res) => sendPage(res, renderDashboard(page, site)));
  }
  router.get("/display/:pos_id", (req, res) => {
    sendPage(res, renderDisplay(String(req.params.pos_id), site));
  });

  // What the display shows while idle. A POS key may not read stores or POS (GET /stores is
  // staff's), so the display asks here for the two names of its own POS.
  router.get(
    "/display/:pos_id/info",
    (_req, res, next) => {
      res.setHeader("Cache-Control", "no-store");
      next();
    },
    ...deps.guard,
    permit(["full", "staff", "pos"], "read the display"),
    async (req, res) => {
      const parsed = PosIdSchema.safeParse(req.params.pos_id);
      const posId = String(req.params.pos_id);
      const pos = parsed.success && deps.stores ? await deps.stores.findPos(parsed.data) : null;
      const binding = actorOf(req).binding;
      // A till's key opened on another till's display would otherwise look like an idle till
      // forever: it is told which till it is for (its own binding, nothing of the other POS).
      const elsewhere =
        !!binding &&
        (pos
          ? !inScope({ storeId: pos.storeExternalId, posId: pos.externalId }, binding)
          : binding.posId !== null && binding.posId !== posId);
      if (binding && elsewhere) {
        throw new AppError(
          "forbidden",
          binding.posId
            ? `this key is for the till ${binding.posId}, not ${posId}`
            : `this key is for the tills of store ${binding.storeId}, not ${posId}`,
        );
      }
      // another merchant's POS is unknown to a merchant's key, as one never registered
      if (!pos || !inScope({ storeId: pos.storeExternalId, posId: pos.externalId }, scopeOf(req))) {
        throw new AppError("not_found", `no POS ${posId} registered here`);
      }
      const store = await deps.stores?.getStore(pos.storeExternalId);
      const locale = store?.locale ?? defaults.locale;
      const body: DisplayInfoBody = {
        pos_id: pos.externalId,
        pos_name: pos.name,
        store_id: pos.storeExternalId,
        store_name: store?.name ?? pos.storeExternalId,
        // the display speaks its store's language and shows amounts in the site's currency
        locale,
        time_zone: store?.timeZone ?? defaults.timeZone,
        currency: profile.currency,
      };
      res.json(body);
    },
  );
  return router;
}
