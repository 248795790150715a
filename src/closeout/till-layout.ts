/**
 * Lines for a thermal till printer: a fixed number of columns (42: an 80 mm roll in its usual
 * font), text wrapped at word boundaries, amounts flush right. Pure; the same lines are the
 * text/plain answer and, drawn in a fixed-width font, the 80 mm PDF (till-pdf.ts).
 */
export const TILL_COLUMNS = 42;

export interface TillLine {
  text: string;
  bold?: boolean;
}

const width = (s: string) => [...s].length;

/** `text` broken into lines of at most `columns`, at spaces where it can, else mid-word. */
export function wrap(text: string, columns = TILL_COLUMNS): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (width(w) > columns) {
      if (line) out.push(line);
      line = "";
      out.push([...w].slice(0, columns).join(""));
      w = [...w].slice(columns).join("");
    }
    if (!line) line = w;
    else if (width(line) + 1 + width(w) <= columns) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

/** `left` and `right` on one line, `right` flush right; a long `left` wraps above it. */
/** `text` wrapped under a two-space indent (a detail of the line above). */
export function indent(text: string, columns = TILL_COLUMNS): string[] {
  return wrap(text, columns - 2).map((l) => `  ${l}`);
}

export function row(left: string, right: string, columns = TILL_COLUMNS): string[] {
  const r = width(right);
  const lines = wrap(left, columns);
  const last = lines.pop() ?? "";
  if (width(last) + 1 + r <= columns) {
    return [...lines, last + " ".repeat(columns - width(last) - r) + right];
  }
  return [...lines, last, " ".repeat(Math.max(0, columns - r)) + right];
}

export function center(text: string, columns = TILL_COLUMNS): string[] {
  return wrap(text, columns).map((l) => {
    const pad = Math.floor((columns - width(l)) / 2);
    return " ".repeat(pad) + l;
  });
}

export const rule = (columns = TILL_COLUMNS) => "-".repeat(columns);

/** Plain lines (each already within the columns) as TillLines. */
export const plain = (lines: string[], bold = false): TillLine[] =>
  lines.map((text) => (bold ? { text, bold } : { text }));

/** The text/plain form: one line each, trailing spaces dropped, CRLF-free. */
export function tillText(lines: TillLine[]): string {
  return `${lines.map((l) => l.text.replace(/\s+$/, "")).join("\n")}\n`;
}
