import { PDFParse } from "pdf-parse";

/**
 * The text of a PDF as a viewer reads it (Mozilla's PDF.js, through pdf-parse): an independent
 * reader, so a test sees what a person would, not what the writer meant to write.
 */
export async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

/** The page's width in millimetres, from its MediaBox. */
export function pageWidthMm(pdf: Buffer): number {
  const m = /\/MediaBox \[0 0 ([\d.]+) [\d.]+\]/.exec(pdf.toString("latin1"));
  if (!m) throw new Error("no MediaBox in the PDF");
  return (Number(m[1]) * 25.4) / 72;
}
