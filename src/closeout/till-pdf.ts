import type { Locale } from "../sites.ts";
import { TILL_COLUMNS, type TillLine } from "./till-layout.ts";

/**
 * Till lines as an 80 mm wide PDF, as long as its lines need: what a thermal printer's driver
 * takes, and what any printer prints as a strip. Courier is fixed-width, so the columns of the
 * text receipt stay aligned; Courier's WinAnsi encoding has every letter of Spanish and
 * Portuguese (á, ñ, ã, ç).
 */
const MM = 72 / 25.4;
const PAGE_WIDTH = 80 * MM;
const MARGIN = 4 * MM;
/** the size at which 42 Courier characters (0.6 em each) fill the printable width */
const FONT_SIZE = Math.floor(((PAGE_WIDTH - 2 * MARGIN) / (TILL_COLUMNS * 0.6)) * 10) / 10;
const LINE_HEIGHT = FONT_SIZE * 1.25;

export async function renderTillPdf(
  lines: TillLine[],
  meta: { title: string; locale: Locale },
): Promise<Buffer> {
  const height = 2 * MARGIN + Math.max(1, lines.length) * LINE_HEIGHT;
  // loaded on first use, not at boot (see pos-qr.ts)
  const PDFDocument = (await import("pdfkit")).default;
  const doc = new PDFDocument({
    size: [PAGE_WIDTH, height],
    margin: MARGIN,
    lang: meta.locale,
    info: { Title: meta.title },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  lines.forEach((line, i) => {
    doc
      .font(line.bold ? "Courier-Bold" : "Courier")
      .fontSize(FONT_SIZE)
      .text(line.text, MARGIN, MARGIN + i * LINE_HEIGHT, { lineBreak: false });
  });
  doc.end();
  return done;
}
