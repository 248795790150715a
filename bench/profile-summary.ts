// Top functions of a V8 .cpuprofile (what `BENCH_CPU_PROF=1` writes): self time by function and
// by group (Prisma, pino, zod, axios, Express, pg, the service, Node, native, GC) and package, and
// total (inclusive) time of the service's own functions.
//   npx tsx bench/profile-summary.ts <file.cpuprofile> [rows]
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [rows]");
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// time per node from the samples (µs)
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

function where(n: Node): string {
  const url = n.callFrame.url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/dist/") || url.includes("/src/")) return url.replace(/.*\/(dist|src)\//, "");
  if (url.startsWith("node:")) return url;
  return url === "" ? "(native)" : url;
}
const label = (n: Node) =>
  `${n.callFrame.functionName || "(anonymous)"} ${where(n)}:${n.callFrame.lineNumber + 1}`;
const pkgOf = (n: Node) => {
  const w = where(n);
  return w.includes(".js") ? `service ${w.split(":")[0]}` : w;
};

/** The few groups a summary is quoted in (bench/README.md, "Where the time goes"). */
const GROUPS: [string, RegExp][] = [
  ["Prisma client", /^@prisma\//],
  ["pino", /^(pino|pino-std-serializers|sonic-boom|thread-stream|@pinojs\/.*)$/],
  ["zod", /^zod$/],
  ["axios", /^(axios|proxy-from-env|follow-redirects|form-data)$/],
  [
    "Express",
    /^(express|router|body-parser|raw-body|type-is|content-type|path-to-regexp|parseurl|finalhandler|send|qs|iconv-lite|on-finished|mime-types|media-typer)$/,
  ],
  ["pg", /^(pg|pg-protocol|pg-pool|pg-types|postgres-.*)$/],
  ["the service's own code", /^service /],
  ["Node's own JavaScript", /^node:/],
];
function groupOf(n: Node): string {
  const fn = n.callFrame.functionName;
  if (fn === "(garbage collector)") return "garbage collection";
  const p = pkgOf(n);
  if (p === "(native)") return "native (syscalls such as writev, (program))";
  return GROUPS.find(([, re]) => re.test(p))?.[0] ?? "other packages";
}

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs.entries()]
  .filter(([id]) =>
    ["(idle)", "(program)", "(garbage collector)"].includes(
      byId.get(id)?.callFrame.functionName ?? "",
    ),
  )
  .map(([id, us]) => [byId.get(id)?.callFrame.functionName, us] as const);

function top(map: Map<string, number>, title: string, busy: number): void {
  console.log(`\n${title}`);
  for (const [k, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(
      `${((us / busy) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
    );
  }
}

const idleUs = idle.find(([n]) => n === "(idle)")?.[1] ?? 0;
const busy = total - idleUs;
console.log(`profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s`);
for (const [name, us] of idle) console.log(`  ${name}: ${(us / 1000).toFixed(0)} ms`);

const selfByFn = new Map<string, number>();
const selfByPkg = new Map<string, number>();
const inclusive = new Map<string, number>();
const selfByGroup = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (!n || n.callFrame.functionName === "(idle)") continue;
  selfByFn.set(label(n), (selfByFn.get(label(n)) ?? 0) + us);
  selfByPkg.set(pkgOf(n), (selfByPkg.get(pkgOf(n)) ?? 0) + us);
  selfByGroup.set(groupOf(n), (selfByGroup.get(groupOf(n)) ?? 0) + us);
  // inclusive: each distinct function on the stack once
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    if (!node) break;
    const l = label(node);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}
top(selfByGroup, "self time by group", busy);
top(selfByPkg, "self time by package / service file", busy);
top(selfByFn, "self time by function", busy);
const own = new Map(
  [...inclusive].filter(
    ([k]) => / [^ ]*\.js:\d+$/.test(k) && !k.includes("node_modules") && !k.includes("node:"),
  ),
);
top(own, "total time of the service's functions (callees included)", busy);
