import { Router, type Request, type Response } from "express";
import { permit } from "../auth.ts";
import { scopeOf, storeInScope } from "../scope.ts";
import { AppError, parseInput } from "../errors.ts";
import { localeOr } from "../i18n/catalogue.ts";
import type { RefundHistory } from "../sales/sale.presenter.ts";
import { csvFormat, CSV_BOM } from "../sales/sales-csv.ts";
import type { SalesService } from "../sales/sales.service.ts";
import { reference } from "../sales/sales.routes.ts";
import { siteProfile, type Locale, type SiteId } from "../sites.ts";
import { localDayBounds } from "../stores/store-day.ts";
import type { StoreDefaults } from "../stores/store.ts";
import { closeOfDay } from "./close-of-day.ts";
import { marketplaceFeeOfDay } from "./marketplace-fee.ts";
import { closeCsv, closeLines, presentClose } from "./close.presenter.ts";
import type { CloseoutRepository } from "./closeout.repository.ts";
import { CloseQuerySchema, ReceiptQuerySchema } from "./closeout.schemas.ts";
import { buildReceipt, receiptLines, RECEIPT_STATUSES } from "./receipt.ts";
import { presentReceipt } from "./receipt.presenter.ts";
import { notYetReconciled, type ReconciliationOfDay } from "./reconciliation-port.ts";
import { renderTillPdf } from "./till-pdf.ts";
import { tillText } from "./till-layout.ts";
import { tillWords } from "./till-words.ts";

/** What the receipt and the close-out need of stores: names, zone and language (null: unknown here). */
export interface StoreFacts {
  defaults: StoreDefaults;
  findStore(
    id: string,
  ): Promise<{ name: string; timeZone: string | null; locale: Locale | null } | null>;
  findPos(id: string): Promise<{ name: string } | null>;
}

export interface CloseoutDeps {
  sales: Pick<SalesService, "get">;
  refunds?: RefundHistory;
  stores: StoreFacts;
  repo: CloseoutRepository;
  site: SiteId;
  reconciliationOfDay?: ReconciliationOfDay;
  /** platform mode's MP_MARKETPLACE_FEE_PERCENT: shown for the days of merchants' stores */
  marketplaceFeePercent?: number;
}

type Kind = "json" | "text" | "pdf" | "csv";

function answerKind(req: Request, offered: Kind[]): Kind {
  const types: Record<Kind, string> = {
    json: "application/json",
    text: "text/plain",
    pdf: "application/pdf",
    csv: "text/csv",
  };
  const chosen = req.accepts(offered.map((k) => types[k]));
  return (offered.find((k) => types[k] === chosen) ?? "json") as Kind;
}

async function sendPdf(res: Response, pdf: Buffer, filename: string): Promise<void> {
  res.setHeader("Content-Type", "application/pdf");
  res.setHeader("Content-Disposition", `inline; filename="${filename}"`);
  res.send(pdf);
}

/**
 * `GET /orders/:ref/receipt` (whoever may read the sale) and `GET /sales/close` (staff and full
 * keys, as the other reports): parse, read, compute (pure), present in the format asked.
 */
export function createCloseoutRouter(deps: CloseoutDeps): Router {
  const router = Router();
  const reconciliationOfDay = deps.reconciliationOfDay ?? notYetReconciled;
  const siteCurrency = siteProfile(deps.site).currency;

  router.get(
    "/orders/:ref/receipt",
    permit(["full", "staff", "pos"], "read receipts"),
    async (req, res) => {
      const q = parseInput(ReceiptQuerySchema, req.query);
      const sale = await deps.sales.get(reference(req.params.ref), scopeOf(req));
      if (!RECEIPT_STATUSES.has(sale.status)) {
        throw new AppError(
          "conflict",
          `sale ${sale.externalReference} is ${sale.status}: only a paid (or since refunded) sale has a receipt`,
          [{ external_reference: sale.externalReference, status: sale.status }],
        );
      }
      const [store, pos, refunds] = await Promise.all([
        deps.stores.findStore(sale.storeId),
        deps.stores.findPos(sale.posId),
        deps.refunds ? deps.refunds.ofSale(sale) : Promise.resolve([]),
      ]);
      const locale = q.locale ?? localeOr(store?.locale, deps.stores.defaults.locale);
      const timeZone = store?.timeZone ?? deps.stores.defaults.timeZone;
      const currency = sale.currency ?? siteCurrency;
      const words = tillWords({ locale, currency, site: deps.site, timeZone });
      const receipt = buildReceipt({
        sale,
        storeName: store?.name ?? sale.storeId,
        posName: pos?.name ?? sale.posId,
        refunds,
      });
      const kind = answerKind(req, ["json", "text", "pdf"]);
      if (kind === "json") {
        res.json(presentReceipt(receipt, { locale, currency, timeZone }));
        return;
      }
      const lines = receiptLines(receipt, words);
      if (kind === "text") {
        res.type("text/plain; charset=utf-8").send(tillText(lines));
        return;
      }
      const pdf = await renderTillPdf(lines, { title: receipt.externalReference, locale });
      await sendPdf(res, pdf, `receipt-${receipt.externalReference}.pdf`);
    },
  );

  router.get("/sales/close", permit(["full", "staff"], "close the day"), async (req, res) => {
    const q = parseInput(CloseQuerySchema, req.query);
    // another merchant's store is unknown to a merchant's key, as an id never registered
    if (!storeInScope(q.store_id, scopeOf(req))) {
      throw new AppError("not_found", `store ${q.store_id} not found`);
    }
    const store = await deps.stores.findStore(q.store_id);
    const timeZone = store?.timeZone ?? deps.stores.defaults.timeZone;
    const { start, end } = localDayBounds(q.date, timeZone);
    const day = { storeId: q.store_id, start, end, ...(q.pos_id ? { posId: q.pos_id } : {}) };
    const [sales, disputed, reconciliation, merchantId] = await Promise.all([
      deps.repo.salesOfDay(day),
      deps.repo.disputesSince(day),
      reconciliationOfDay(q.store_id, q.date),
      deps.marketplaceFeePercent === undefined
        ? Promise.resolve(null)
        : deps.repo.merchantOfStore(q.store_id),
    ]);
    const fee = marketplaceFeeOfDay(deps.marketplaceFeePercent, merchantId, deps.site);
    const currencies = [...new Set(sales.map((s) => s.currency ?? siteCurrency))];
    if (currencies.length > 1) {
      // sums of two currencies mean nothing; a store sells in its site's one
      throw new AppError(
        "conflict",
        `the day holds sales in ${currencies.join(" and ")}; a close-out sums one currency`,
      );
    }
    const currency = currencies[0] ?? siteCurrency;
    const body = presentClose(
      closeOfDay(sales, disputed, { start, end }, fee?.ofSale),
      {
        storeId: q.store_id,
        storeName: store?.name ?? q.store_id,
        date: q.date,
        timeZone,
        posId: q.pos_id ?? null,
        currency,
        start,
        end,
        marketplaceFeePercent: fee?.percent ?? null,
      },
      reconciliation,
    );
    const kind = answerKind(req, ["json", "csv", "pdf"]);
    const name = `close-${q.store_id}-${q.date}${q.pos_id ? `-${q.pos_id}` : ""}`;
    if (kind === "json") {
      res.json(body);
      return;
    }
    if (kind === "csv") {
      res.setHeader("Content-Type", "text/csv; charset=utf-8");
      res.setHeader("Content-Disposition", `attachment; filename="${name}.csv"`);
      // the BOM tells a spreadsheet the file is UTF-8, as in the sales CSV
      res.send(CSV_BOM + closeCsv(body, csvFormat(q.delimiter)));
      return;
    }
    const locale = q.locale ?? localeOr(store?.locale, deps.stores.defaults.locale);
    const words = tillWords({ locale, currency, site: deps.site, timeZone });
    const pdf = await renderTillPdf(closeLines(body, store?.name ?? q.store_id, words), {
      title: name,
      locale,
    });
    await sendPdf(res, pdf, `${name}.pdf`);
  });

  return router;
}
