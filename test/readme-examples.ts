import { readFileSync } from "node:fs";

/**
 * The curl examples of README.md and the docs that go on from it (EXAMPLE_DOCS, in the order a
 * reader follows them), read as a shell would: ```bash / ```sh blocks, lines joined
 * on a trailing backslash and inside open quotes, comments dropped, words split with quotes
 * honoured. Variables (`$KEY`, `$API`) are kept as written; the caller substitutes them.
 */

export interface CurlExample {
  /** the file it is written in, from the repository's root: `README.md`, `docs/api.md` */
  file: string;
  /** 1-based line of that file where the command starts */
  line: number;
  /** the command as written (joined lines) */
  text: string;
  method: string;
  /** as written: `localhost:3000/sales`, `$API/stores`, `'localhost:3000/pos?store_id=…'` */
  url: string;
  headers: Record<string, string>;
  /** `-d` / `--data` */
  body: string | undefined;
  /** `-G --data-urlencode k=v` pairs, as written */
  query: string[];
  /** `-N`: a stream that never ends by itself */
  stream: boolean;
}

export interface ShellLine {
  file: string;
  line: number;
  words: string[];
  text: string;
}

/** Splits one command into words: '…' literal, "…" with `\"`, comments from an unquoted #. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${text}`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let s = "";
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        s += text[i];
      }
      if (i >= text.length) throw new Error(`unclosed " in: ${text}`);
      word = (word ?? "") + s;
    } else if (c === "\\" && text[i + 1] === "\n") {
      i++;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) {
      const nl = text.indexOf("\n", i);
      if (nl < 0) break;
      i = nl - 1;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** Whether the text leaves a quote open (the command goes on on the next line). */
function openQuote(text: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const nl = text.indexOf("\n", i);
      if (nl < 0) return false;
      i = nl;
    }
  }
  return quote !== null;
}

/** The commands of every ```bash / ```sh block, in order. */
export function shellCommands(markdown: string, file = "README.md"): ShellLine[] {
  const lines = markdown.split("\n");
  const commands: ShellLine[] = [];
  let inBlock = false;
  let pending: { line: number; text: string } | null = null;
  lines.forEach((raw, index) => {
    if (/^```/.test(raw)) {
      inBlock = !inBlock && /^```(bash|sh)\s*$/.test(raw);
      pending = null;
      return;
    }
    if (!inBlock) return;
    const text: string = pending ? `${pending.text}\n${raw}` : raw;
    const start: number = pending ? pending.line : index + 1;
    if (/\\$/.test(raw) || openQuote(text)) {
      pending = { line: start, text };
      return;
    }
    pending = null;
    // `A=1; B=2` on one line: each assignment is a command of its own
    for (const part of text.split(/;\s+(?=[A-Z_]+=)/)) {
      const words = shellWords(part);
      if (words.length > 0) commands.push({ file, line: start, words, text: part.trim() });
    }
  });
  return commands;
}

/** A curl command's request, as written. */
export function parseCurl(command: ShellLine): CurlExample {
  const [, ...args] = command.words;
  let method: string | undefined;
  const headers: Record<string, string> = {};
  let body: string | undefined;
  const query: string[] = [];
  let get = false;
  let stream = false;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} without a value: ${command.text}`);
      return v;
    };
    if (a === "-X" || a === "--request") method = value();
    else if (a === "-H" || a === "--header") {
      const h = value();
      const colon = h.indexOf(":");
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (a === "-d" || a === "--data" || a === "--data-raw") body = value();
    else if (a === "--data-urlencode") query.push(value());
    else if (a === "-G" || a === "--get") get = true;
    else if (a === "-o" || a === "--output") value();
    else if (a === "-N" || a === "--no-buffer") stream = true;
    else if (a === "-s" || a === "--silent" || a === "-S" || a === "-i") continue;
    else if (a.startsWith("-")) throw new Error(`curl option the test does not know: ${a}`);
    else if (url === undefined) url = a;
    else throw new Error(`two URLs in: ${command.text}`);
  }
  if (url === undefined) throw new Error(`no URL in: ${command.text}`);
  if (get && body !== undefined) throw new Error(`-G with -d in: ${command.text}`);
  return {
    file: command.file,
    line: command.line,
    text: command.text,
    method: method ?? (body !== undefined && !get ? "POST" : "GET"),
    url,
    headers,
    body,
    query,
    stream,
  };
}

/**
 * The files whose shell blocks are run as examples, in the order a reader meets them: the tour of
 * the README first (its sale is the one the API's examples refund), then the API, then the day's close (the tour's sale's receipt) and its reconciliation, then operations
 * (a real store from zero). test/docs.links.test.ts checks no other doc has a curl example.
 */
export const EXAMPLE_DOCS = [
  "README.md",
  "docs/api.md",
  "docs/closeout.md",
  "docs/reconciliation.md",
  "docs/operations.md",
] as const;

/** Every command of those files' shell blocks (curl and variable assignments among them). */
export function readmeCommands(): ShellLine[] {
  return EXAMPLE_DOCS.flatMap((file) =>
    shellCommands(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"), file),
  );
}

export function readmeCurls(): CurlExample[] {
  return readmeCommands()
    .filter((c) => c.words[0] === "curl")
    .map(parseCurl);
}

/** The path of a curl URL as written: host, port and `$API` dropped, query kept apart. */
export function pathOf(url: string): { path: string; search: string } {
  const noHost = url.replace(/^(https?:\/\/)?(localhost(:\d+)?|\$API|\$\{API\})/, "");
  const q = noHost.indexOf("?");
  return q < 0
    ? { path: noHost, search: "" }
    : { path: noHost.slice(0, q), search: noHost.slice(q + 1) };
}

/** Whether an OpenAPI path template (`/orders/{ref}/qr.png`) matches a concrete path. */
export function templateMatches(template: string, path: string): boolean {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${pattern}$`).test(path);
}
