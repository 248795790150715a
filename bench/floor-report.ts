// The service against its floor (bench/floor-server.ts) in the same run: CPU per path and
// `x floor`, the counted SQL statements, transactions and Mercado Pago calls of both, and the
// targets of issue 28, each met or not met.
import type { HttpFigure } from "./baseline.ts";
import type { PerItem } from "./counts.ts";
import { f0, f1, f3, table, type Target } from "./format.ts";
import type { ReconcileFigure } from "./phases/reconcile.ts";
import type { SalesPhase } from "./phases/sales.ts";
import type { SettlementFigure } from "./phases/settlement.ts";

/** What the floor measured; a phase not run is undefined. */
export interface FloorFigures {
  orders?: HttpFigure;
  sales?: SalesPhase;
  settlement?: SettlementFigure;
  reconcile?: ReconcileFigure;
}

interface ServiceFigures extends FloorFigures {
  webhook?: HttpFigure;
  peakRssMb: number;
}

interface Path {
  name: string;
  per: string;
  of: (f: FloorFigures) => number | undefined;
}

/** The paths compared with the floor, as CPU ms per request or per sale. */
const PATHS: Path[] = [
  { name: "GET /orders/:ref", per: "request", of: (f) => f.orders?.cpuMsPerRequest },
  { name: "POST /sales, load only", per: "request", of: (f) => f.sales?.figure.cpuMsPerRequest },
  { name: "POST /sales, until all settled", per: "sale", of: (f) => f.sales?.cpuMsPerSale },
  {
    name: "POST /sales, 32 in flight, none paid",
    per: "sale",
    of: (f) => f.settlement?.createCpuMsPerSale,
  },
  { name: "settlement", per: "settled sale", of: (f) => f.settlement?.cpuMsPerSale },
  { name: "reconciliation", per: "settled sale", of: (f) => f.reconcile?.cpuMsPerSale },
];

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !(b > 0) ? undefined : a / b;
const x = (r: number | undefined) => (r === undefined ? "" : `${r.toFixed(1)} x`);
const f2 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(2));

export function floorReport(service: ServiceFigures, floor: FloorFigures | undefined) {
  const cpu: string[][] = [["path (CPU ms, user + system)", "per", "service", "floor", "x floor"]];
  const targets: Target[] = [];
  const lower = (name: string, value: number | undefined, bound: number) => {
    if (value === undefined || Number.isNaN(value)) return;
    targets.push({ target: `${name} <= ${bound} CPU ms`, value: f3(value), met: value <= bound });
  };
  for (const p of PATHS) {
    const s = p.of(service);
    const f = floor ? p.of(floor) : undefined;
    if (s === undefined) continue;
    cpu.push([p.name, p.per, f3(s), f3(f), x(ratio(s, f))]);
  }
  if (service.webhook)
    cpu.push([
      "webhook ack + its inbox work",
      "request",
      f3(service.webhook.cpuMsPerRequest),
      "",
      "",
    ]);

  const counts: string[][] = [
    [
      "counted, per",
      "SQL service",
      "floor",
      "transactions service",
      "floor",
      "MP calls service",
      "floor",
    ],
  ];
  const countRow = (name: string, s: PerItem | undefined, f: PerItem | undefined) => {
    if (!s) return;
    counts.push([
      `${name} (${s.items}${f ? ` / ${f.items}` : ""})`,
      f2(s.statements),
      f2(f?.statements),
      f2(s.transactions),
      f2(f?.transactions),
      f2(s.upstream),
      f2(f?.upstream),
    ]);
  };
  countRow("POST /sales", service.settlement?.perCreate, floor?.settlement?.perCreate);
  countRow("settled sale", service.settlement?.perSettled, floor?.settlement?.perSettled);
  countRow("reconciled sale", service.reconcile?.perReconciled, floor?.reconcile?.perReconciled);

  // the targets of issue 28 (item 3)
  lower("POST /sales per request", service.sales?.figure.cpuMsPerRequest, 1.5);
  lower("POST /sales per settled sale", service.sales?.cpuMsPerSale, 2.5);
  lower("settlement per settled sale", service.settlement?.cpuMsPerSale, 1.0);
  const st = service.settlement;
  if (st) {
    // the simulator limits it when the sales settle about as fast as it takes their payments
    const limit =
      st.salesPerSec !== null && st.salesPerSec >= 0.9 * st.paidPerSec ? "simulator" : "service";
    targets.push({
      target: "settlement >= 600 sales/s",
      value:
        st.salesPerSec === null
          ? "timed out"
          : `${f0(st.salesPerSec)}/s, limited by the ${limit} (it took payments at ${f0(st.paidPerSec)}/s)`,
      met: (st.salesPerSec ?? 0) >= 600,
    });
  }
  const rc = service.reconcile;
  if (rc) {
    // scaled to 10 000 sales when the run reconciles another number
    const per10k = rc.seconds === null ? null : (rc.seconds * 10_000) / rc.sales;
    targets.push({
      target: "reconciliation of 10 000 unnotified sales < 10 s",
      value:
        per10k === null
          ? "timed out"
          : `${f1(per10k)} s${rc.sales === 10_000 ? "" : ` (scaled from ${rc.sales} in ${f1(rc.seconds ?? 0)} s)`}`,
      met: per10k !== null && per10k < 10,
    });
  }
  lower("GET /orders/:ref per request", service.orders?.cpuMsPerRequest, 0.25);
  lower("webhook ack per request", service.webhook?.cpuMsPerRequest, 0.25);
  for (const p of PATHS) {
    const r = floor ? ratio(p.of(service), p.of(floor)) : undefined;
    if (r === undefined) continue;
    targets.push({ target: `${p.name} <= 2 x floor`, value: x(r), met: r <= 2 });
  }
  targets.push({
    target: "peak RSS < 200 MB",
    value: `${f0(service.peakRssMb)} MB`,
    met: service.peakRssMb < 200,
  });
  if (service.sales) {
    const bad = Object.entries(service.sales.non2xx);
    targets.push({
      target: "POST /sales: no non-2xx answers under load (409: a pos_busy the bench caused)",
      value: bad.length === 0 ? "none" : bad.map(([status, n]) => `${n} x ${status}`).join(", "),
      met: bad.length === 0,
    });
  }

  const text = [
    table(cpu),
    "",
    table(counts),
    "",
    table([
      ["target (issue 28)", "measured", "met"],
      ...targets.map((t) => [t.target, t.value, t.met ? "met" : "not met"]),
    ]),
  ].join("\n");
  return { text, targets };
}
