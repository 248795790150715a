import { createRequire } from "node:module";
import type pngjs from "pngjs";
import { translate } from "../i18n/catalogue.ts";
import type { Locale } from "../sites.ts";

// The image and PDF libraries are loaded on first use, not at boot: few requests draw a QR or a
// sheet, and loaded at boot they would hold their code and tables in every process's memory.
const load = createRequire(import.meta.url);
// jsqr is CommonJS whose export is the decoder itself; its typings describe an ES default
// export that TypeScript cannot call under NodeNext, so it is loaded as what it is.
type DecodeQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = () => load("jsqr") as DecodeQr;
const png = () => load("pngjs") as typeof pngjs;
const qrCode = async () => (await import("qrcode")).default;

/**
 * The POS's QR, rendered here from what it encodes. Mercado Pago documents only links to its own
 * images of the QR, not the text they encode, so that text is read once from Mercado Pago's image
 * (readQrContent) and the same QR is drawn crisp at any size: PNG, SVG and a printable sheet.
 */

/** The text a QR in a PNG image encodes, or null when no QR can be read from it. */
export function readQrContent(pngFile: Buffer): string | null {
  let image: pngjs.PNG;
  try {
    image = png().PNG.sync.read(pngFile);
  } catch {
    return null;
  }
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  const found = jsQR()(pixels, image.width, image.height);
  return found && found.data !== "" ? found.data : null;
}

// M: a printed sticker survives some wear; the content is short enough for a small symbol
const ERROR_CORRECTION = "M" as const;

export async function renderQrPng(content: string, widthPx = 512): Promise<Buffer> {
  return (await qrCode()).toBuffer(content, {
    type: "png",
    width: widthPx,
    margin: 4,
    errorCorrectionLevel: ERROR_CORRECTION,
  });
}

export async function renderQrSvg(content: string): Promise<string> {
  return (await qrCode()).toString(content, {
    type: "svg",
    margin: 4,
    errorCorrectionLevel: ERROR_CORRECTION,
  });
}

export interface QrSheet {
  storeName: string;
  posName: string;
  posId: string;
  storeId: string;
  content: string;
  /** the store's language (its own, else DEFAULT_LOCALE) */
  locale: Locale;
}

const A5 = { width: 419.53, height: 595.28 };

/**
 * The QR as drawn by the qrcode library (its SVG: one stroked path over an n×n module grid), so
 * the sheet carries it as vector art: sharp at any printer resolution and cheap to make.
 */
async function qrVector(content: string): Promise<{ modules: number; path: string }> {
  const svg = await renderQrSvg(content);
  const modules = /viewBox="0 0 (\d+) \1"/.exec(svg)?.[1];
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1];
  if (!modules || !path) throw new Error("unexpected SVG from the QR library");
  return { modules: Number(modules), path };
}

/**
 * A printable A5 sheet in the store's language: store and POS names, the QR, and how to pay.
 * Helvetica's WinAnsi encoding has every letter of Spanish and Portuguese (á, ñ, ã, ç).
 */
export async function renderQrSheet(sheet: QrSheet): Promise<Buffer> {
  const qr = await qrVector(sheet.content);
  const scan = translate(sheet.locale, "qr_sheet.scan");
  const PDFDocument = (await import("pdfkit")).default;
  const doc = new PDFDocument({
    size: "A5",
    margin: 36,
    lang: sheet.locale,
    info: {
      Title: `${sheet.storeName} - ${sheet.posName}`,
      Subject: scan,
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const width = A5.width - 72;
  doc.font("Helvetica-Bold").fontSize(22).text(sheet.storeName, 36, 48, { width, align: "center" });
  doc.moveDown(0.3);
  doc.font("Helvetica").fontSize(15).text(sheet.posName, { width, align: "center" });
  const size = 300;
  const top = 150;
  // the SVG's own quiet zone (4 modules) is part of the square
  doc.save();
  doc.translate((A5.width - size) / 2, top).scale(size / qr.modules);
  doc.path(qr.path).lineWidth(1).strokeColor("#000000").stroke();
  doc.restore();
  doc
    .font("Helvetica-Bold")
    .fontSize(18)
    .text(scan, 36, top + size + 24, { width, align: "center" });
  doc
    .font("Helvetica")
    .fontSize(9)
    .fillColor("#555555")
    .text(
      translate(sheet.locale, "qr_sheet.ids", { store: sheet.storeId, pos: sheet.posId }),
      36,
      A5.height - 60,
      {
        width,
        align: "center",
      },
    );
  doc.end();
  return done;
}
