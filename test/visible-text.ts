import ts from "typescript";

/**
 * Finds words a person would read that sit in a page's template or script instead of the
 * catalogue (src/i18n/). It reads the source as TypeScript does (string literals and the pieces
 * of template literals, never comments) and flags:
 *
 * - in HTML (a template literal holding a tag): any letter in a text node or in an attribute a
 *   person reads (alt, title, placeholder, aria-label, label);
 * - in a script: any letter in a string that lands on the screen (a child of `el(…)`, a value
 *   of `textContent`, the text of `say(…)`, an `alt`/`title`/`placeholder`/`aria-label` given
 *   to `el`), and anywhere else a string that reads as prose: two words with a space between, or
 *   one capitalised word ("Sales").
 *
 * Not shown to a person, so not flagged: module specifiers, the API's own messages
 * (`new AppError(…)`, `permit(…)`, English by contract) and developers' (`new Error(…)`), object
 * keys, CSS classes and data attributes (`class:`, `"data-…":`), the catalogue's own keys
 * ("sale.title": test/unit/catalogue.test.ts checks that each exists), and the few exact strings
 * in ALLOWED (a template's `${…}` written as such).
 */
export interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** Exact strings that read as prose to the rules above but are machine words; each says why. */
export const ALLOWED: Record<string, string> = {
  "Bearer ": "the Authorization scheme",
  "export const MESSAGES = ${…};\n": "the catalogue module's JavaScript, not prose",
  Helvetica: "a PDF font's name",
};

const PERSON_ATTRIBUTES = new Set(["alt", "title", "placeholder", "aria-label", "label"]);
const HOLE = "\u0000"; // where a template's ${…} was
const LETTER = /\p{L}/u;
const PROSE = /\p{L}{2,}[ \u00a0]+\p{L}{2,}|^\p{Lu}\p{Ll}+[.…:!?]*$/u;

/** The texts of an HTML template that a person reads. */
function htmlTexts(html: string): string[] {
  const out: string[] = [];
  const withoutTags = html.replace(/<!--[\s\S]*?-->/g, "");
  for (const piece of withoutTags.split(/<[^>]*>/)) out.push(piece);
  for (const tag of withoutTags.matchAll(/<[^>]*>/g)) {
    for (const attr of tag[0].matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)) {
      if (PERSON_ATTRIBUTES.has(attr[1]!.toLowerCase())) out.push(attr[2]!);
    }
  }
  return out.map((t) => t.replaceAll(HOLE, "").replace(/&\w+;|&#\d+;/g, " "));
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return "";
}

/** The expression a literal is part of: "badge " + status, ok ? "yes" : "no". */
function whole(node: ts.Node): ts.Node {
  let v = node;
  for (;;) {
    const p = v.parent;
    if (!p) return v;
    const joined =
      (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.PlusToken) ||
      ts.isParenthesizedExpression(p) ||
      (ts.isConditionalExpression(p) && p.condition !== v);
    if (!joined) return v;
    v = p;
  }
}

/** Whether the literal is the API's or a developer's words, or names a module. */
function notForPeople(literal: ts.Node): boolean {
  const node = whole(literal);
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return true;
    if (ts.isNewExpression(n) && ["AppError", "Error", "TypeError"].includes(calleeName(n)))
      return true;
    if (ts.isCallExpression(n)) {
      if (n.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
      if (calleeName(n) === "permit") return true;
    }
  }
  const p = node.parent;
  if (p && (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))) {
    if (p.name === node) return true;
    const key = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : "";
    if (key === "class" || key === "className" || key.startsWith("data-")) return true;
  }
  return false;
}

/** A key of the catalogue ("sale.title", "refund_status.done"), not words. */
const MESSAGE_KEY = /^[a-z_]+(\.[a-z_]+)+$/;

/** Whether the literal lands on the screen as it is. */
function shownAsIs(literal: ts.Node): boolean {
  const node = whole(literal);
  const p = node.parent;
  if (!p) return false;
  if (ts.isCallExpression(p)) {
    const name = calleeName(p);
    const index = p.arguments.indexOf(node as ts.Expression);
    if (name === "el" && index >= 2) return true;
    if (name === "say" && index === 1) return true;
    if (["append", "replaceChildren", "createTextNode"].includes(name)) return true;
  }
  if (
    ts.isBinaryExpression(p) &&
    p.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    p.right === node &&
    ts.isPropertyAccessExpression(p.left) &&
    ["textContent", "innerText", "title", "alt", "placeholder"].includes(p.left.name.text)
  )
    return true;
  if (ts.isPropertyAssignment(p) && p.initializer === node) {
    const key = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : "";
    if (PERSON_ATTRIBUTES.has(key) || key === "text") return true;
  }
  return false;
}

export function visibleText(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const report = (node: ts.Node, text: string, why: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    found.push({ file, line, text: text.trim().slice(0, 80), why });
  };
  const check = (node: ts.Node, raw: string) => {
    if (notForPeople(node) || raw.replaceAll(HOLE, "${…}") in ALLOWED) return;
    if (MESSAGE_KEY.test(raw)) return;
    if (/<[a-z!][^>]*>/i.test(raw)) {
      for (const text of htmlTexts(raw)) {
        if (LETTER.test(text)) report(node, text, "words in the HTML");
      }
      return;
    }
    const text = raw.replaceAll(HOLE, " ");
    if (shownAsIs(node) && LETTER.test(text)) report(node, text, "shown on the page");
    else if (PROSE.test(text.trim())) report(node, text, "reads as prose");
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      check(node, node.text);
    } else if (ts.isTemplateExpression(node)) {
      const pieces = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
      check(node, pieces.join(HOLE));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
