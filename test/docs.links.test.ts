import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLE_DOCS, shellCommands } from "./readme-examples.ts";

/**
 * The front door and the pages behind it: every relative link of README.md, ARCHITECTURE.md and
 * docs/*.md names a file that exists, and every #anchor a heading of its page by GitHub's rules.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

/** GitHub's anchor of a heading: its text, lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link counts by its text
    .replace(/<[^>]+>/g, "")
    .replace(/[`*]/g, "");
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a page's headings, with GitHub's -1, -2 for repeats. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutCode(markdown).split("\n")) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The text outside fenced blocks and inline code, line for line. */
function withoutCode(markdown: string): string {
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (/^\s*```/.test(line)) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line.replace(/`[^`]*`/g, "");
    })
    .join("\n");
}

/** Every link target of a page: `[text](target)` and `[label]: target`. */
export function linksOf(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defined = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...defined];
}

/** What is wrong with the links of `file` (a path from the root), one line each. */
export function brokenLinks(file: string, read: (file: string) => string | null): string[] {
  const markdown = read(file);
  if (markdown === null) return [`${file}: missing`];
  const out: string[] = [];
  for (const target of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const hash = target.indexOf("#");
    const filePart = decodeURI(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const linked =
      filePart === ""
        ? file
        : path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
    const text = filePart === "" ? markdown : read(linked);
    if (text === null) {
      out.push(`${file}: ${target}: no file ${linked}`);
      continue;
    }
    if (anchor !== null && !anchorsOf(text).has(anchor)) {
      out.push(`${file}: ${target}: no heading #${anchor} in ${linked}`);
    }
  }
  return out;
}

function readFromRoot(file: string): string | null {
  const full = path.join(ROOT, file);
  if (!existsSync(full)) return null;
  return statSync(full).isDirectory() ? "" : readFileSync(full, "utf8");
}

const PAGES = [
  "README.md",
  "ARCHITECTURE.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("docs links", () => {
  it("every relative link and anchor of the README, ARCHITECTURE.md and docs/ resolves", () => {
    expect(PAGES.length).toBeGreaterThan(5);
    const links = PAGES.flatMap((f) => linksOf(readFromRoot(f) ?? ""));
    expect(links.length).toBeGreaterThan(20);
    expect(PAGES.flatMap((f) => brokenLinks(f, readFromRoot))).toEqual([]);
  });

  it("the front door stays short: README.md at most 300 lines, ARCHITECTURE.md at most 150", () => {
    expect((readFromRoot("README.md") ?? "").split("\n").length).toBeLessThanOrEqual(301);
    expect((readFromRoot("ARCHITECTURE.md") ?? "").split("\n").length).toBeLessThanOrEqual(151);
  });

  it("every page with a curl example is one the examples test runs", () => {
    const withCurl = PAGES.filter((f) =>
      shellCommands(readFromRoot(f) ?? "", f).some((c) => c.words[0] === "curl"),
    );
    expect(withCurl.sort()).toEqual([...EXAMPLE_DOCS].sort());
  });

  it("slugs as GitHub does, and finds a link that is broken", () => {
    expect(slug("Orders API (`MP_API=orders`)")).toBe("orders-api-mp_apiorders");
    expect(slug("Try it in 60 seconds")).toBe("try-it-in-60-seconds");
    expect(slug("mp-qr-pos — Mercado Pago QR payments")).toBe(
      "mp-qr-pos--mercado-pago-qr-payments",
    );
    expect(slug("CPU per request (issue 16)")).toBe("cpu-per-request-issue-16");
    expect([...anchorsOf("# A\n## A\n```\n# not a heading\n```\n")]).toEqual(["a", "a-1"]);
    const pages: Record<string, string> = {
      "README.md":
        "# Top\n[ok](docs/a.md#part) [gone](docs/b.md) [bad](docs/a.md#nope) [self](#top)\n`[code](x.md)`",
      "docs/a.md": "# Part\n[up](../README.md#top) [web](https://example.com/x#y)",
    };
    const read = (f: string) => pages[f] ?? null;
    expect(brokenLinks("README.md", read)).toEqual([
      "README.md: docs/b.md: no file docs/b.md",
      "README.md: docs/a.md#nope: no heading #nope in docs/a.md",
    ]);
    expect(brokenLinks("docs/a.md", read)).toEqual([]);
  });
});
