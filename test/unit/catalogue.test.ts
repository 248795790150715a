import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../src/errors.ts";
import { MESSAGES, placeholdersOf, type MessageKey } from "../../src/i18n/catalogue.ts";
import { en } from "../../src/i18n/en.ts";
import { SALE_EVENT_SOURCES } from "../../src/sales/sale.ts";
import { SALE_STATUSES } from "../../src/sales/sale-status.ts";
import { LOCALES } from "../../src/sites.ts";
import { ALLOWED, visibleText } from "../visible-text.ts";

// The message catalogue (src/i18n/) and what the pages hold beside it: every key in every
// language with the same blanks, every key a page or the QR sheet asks for present, and no words
// for a person left in a template or a script.

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

/** The pages' templates and scripts, and the QR sheet: everything that shows words. */
const SOURCES = [
  ...readdirSync(path.join(ROOT, "public"))
    .filter((f) => f.endsWith(".js"))
    .map((f) => `public/${f}`),
  ...readdirSync(path.join(ROOT, "src/pages"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `src/pages/${f}`),
  "src/stores/pos-qr.ts",
  "src/closeout/receipt.ts",
  "src/closeout/close.presenter.ts",
];

const KEYS = Object.keys(en) as MessageKey[];

describe("the catalogue", () => {
  it("has every key in every language, and no other", () => {
    expect(Object.keys(MESSAGES).sort()).toEqual([...LOCALES].sort());
    for (const locale of LOCALES) {
      expect(Object.keys(MESSAGES[locale]).sort(), locale).toEqual([...KEYS].sort());
      for (const key of KEYS) expect(MESSAGES[locale][key].trim(), `${locale} ${key}`).not.toBe("");
    }
  });

  it("fills the same blanks in every language", () => {
    for (const key of KEYS) {
      const blanks = placeholdersOf(en[key]).sort();
      for (const locale of LOCALES) {
        expect(placeholdersOf(MESSAGES[locale][key]).sort(), `${locale} ${key}`).toEqual(blanks);
      }
    }
  });

  it("is translated: Spanish and Portuguese differ from English where words are", () => {
    // ids, examples and formats may read the same in every language; prose may not
    const same = (locale: "es" | "pt-BR") =>
      KEYS.filter((k) => /\p{L}{3,} \p{L}{3,}/u.test(en[k]) && MESSAGES[locale][k] === en[k]);
    expect(same("es")).toEqual([]);
    expect(same("pt-BR")).toEqual([]);
  });

  it("speaks neutral Spanish: no voseo", () => {
    // the vos forms of the verbs a page would use ("escaneá", "podés", "tenés", "ingresá")
    const VOSEO =
      /\b(vos|podés|tenés|querés|sabés|escaneá|pagá|ingresá|iniciá|revisá|esperá|probá|elegí|volvé|tocá|intentá|cancelá|conectá|reembolsá)\b/iu;
    for (const key of KEYS) expect(MESSAGES.es[key], key).not.toMatch(VOSEO);
  });

  it("has words for every status a page shows and every refund status, processing too", () => {
    for (const s of SALE_STATUSES) expect(KEYS).toContain(`sale_status.${s}`);
    for (const s of ["requested", "processing", "done", "failed"]) {
      expect(KEYS).toContain(`refund_status.${s}`);
    }
    expect(MESSAGES.es["refund_status.processing"]).toBe("en proceso");
    expect(MESSAGES["pt-BR"]["refund_status.processing"]).toBe("em processamento");
    expect(MESSAGES.en["refund_status.processing"]).toBe("processing");
    for (const s of SALE_EVENT_SOURCES) expect(KEYS).toContain(`source.${s}`);
    for (const s of ["connecting", "live", "reconnecting", "stopped"]) {
      expect(KEYS).toContain(`live.${s}`);
    }
  });

  it("words every error code of the API the pages can meet", () => {
    const common = read("public/common.js");
    const worded = [...common.matchAll(/case "(\w+)":/g)].map((m) => m[1]);
    // 415 cannot come from pages that always send JSON: it gets the generic words
    const missing = Object.keys(ERROR_STATUS).filter(
      (code) => code !== "unsupported_media_type" && !worded.includes(code),
    );
    expect(missing).toEqual([]);
    for (const code of worded) {
      if (code === "pos_busy" || code === "internal") continue; // two messages each, by hand
      expect(KEYS, code).toContain(`error.${code}`);
    }
  });

  it("has every key the pages and the QR sheet ask for", () => {
    const keyLike = /["'`]([a-z_]+(?:\.[a-z_]+)+)["'`]/g;
    const asked = new Set<string>();
    for (const file of SOURCES) {
      const text = read(file);
      // t("key"), parts("key"), translate(locale, "key"), tag("h1", "key"), data-i18n="key"
      for (const m of text.matchAll(keyLike)) {
        const key = m[1]!;
        if (/\.(js|css|ts|png|svg|pdf|json)$/.test(key)) continue; // file names
        asked.add(key);
      }
      for (const m of text.matchAll(/data-i18n="([^"$]+)"/g)) asked.add(m[1]!);
    }
    expect(asked.size).toBeGreaterThan(100);
    expect([...asked].filter((k) => !(k in en))).toEqual([]);
  });
});

describe("the pages' templates and scripts", () => {
  it("hold no words for a person outside the catalogue", () => {
    const findings = SOURCES.flatMap((file) => visibleText(file, read(file)));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`)).toEqual([]);
  });

  it("the scan finds the words it is meant to find", () => {
    const sample = `
      import { t } from "./i18n.js";
      const html = \`<h1>Sign in</h1><p data-i18n="x.y">\${t("x.y")}</p>
        <input placeholder="Sucursal Norte"><img alt="\${t("a.b")}"><span> / </span>\`;
      el("p", {}, "Paid");
      el("span", { class: "badge" }, t("sale_status.paid"));
      node.textContent = "live";
      say(box, "CSV saved.");
      const a = "Scan to pay with Mercado Pago";
      const b = "Welcome";
      connection("Reconnecting…");
      const ok = ["content-type", "text/event-stream", "en-US", "data-i18n-strong-", "Bearer "];
      throw new AppError("forbidden", \`this key is for the till \${id}\`);
      permit(["full"], "read the display");
      const key = { "data-label": t("col.time") };
    `;
    const found = visibleText("sample.js", sample).map((f) => f.text);
    expect(found).toEqual([
      "Sign in",
      "Sucursal Norte",
      "Paid",
      "live",
      "CSV saved.",
      "Scan to pay with Mercado Pago",
      "Welcome",
      "Reconnecting…",
    ]);
    expect(Object.keys(ALLOWED)).toContain("Bearer ");
  });
});
