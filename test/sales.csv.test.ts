import { spawn } from "node:child_process";
import { once } from "node:events";
import v8 from "node:v8";
import vm from "node:vm";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createSalesListRepository } from "../src/sales/sales-list.repository.ts";
import { CSV_BATCH_ROWS } from "../src/sales/sales-list.routes.ts";
import { API_KEY, auth, useHarness } from "./helpers.ts";
import { SALES_CSV_COLUMNS_V1_1, SALES_CSV_COLUMNS_V1_2 } from "./csv-columns.ts";

const t = useHarness();

v8.setFlagsFromString("--expose-gc");
const forceGc = vm.runInNewContext("gc") as () => void;

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: t.db.directUrl });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

/** A slow CSV client: `node -e SLOW_CLIENT <port> <key>`; prints "first …", then a JSON summary. */
const SLOW_CLIENT = `
const http = require("node:http");
const [port, key] = process.argv.slice(1);
const started = Date.now();
http.get({ host: "127.0.0.1", port: Number(port), path: "/sales?store_id=BIGSTORE",
  headers: { authorization: "Bearer " + key, accept: "text/csv" } }, (res) => {
  let lines = 0, bytes = 0, tail = "", firstByteMs = -1;
  const count = (chunk) => {
    bytes += chunk.length;
    const text = chunk.toString("latin1");
    for (let i = text.indexOf("\\n"); i !== -1; i = text.indexOf("\\n", i + 1)) lines++;
    tail = (tail + text).slice(-300);
  };
  res.once("data", (chunk) => {
    res.pause();
    firstByteMs = Date.now() - started;
    count(chunk);
    process.stdout.write("first " + chunk.toString("utf8", 0, 40).split("\\r")[0] + "\\n");
    setTimeout(() => { res.on("data", count); res.resume(); }, 5000);
  });
  res.on("end", () => process.stdout.write(JSON.stringify({ status: res.statusCode, lines, bytes,
    tail, firstByteMs, totalMs: Date.now() - started }) + "\\n"));
});
`;

/** RFC 4180, written independently of the service's writer: rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell !== "" || row.length) throw new Error(`the CSV does not end with CRLF: ${cell}`);
  return rows;
}

describe("GET /sales as CSV", () => {
  it("escapes quotes, commas and line breaks and defuses formulas", async () => {
    const texts = [
      '=HYPERLINK("http://evil.example","click")',
      "+1",
      "-2+3",
      "@SUM(A1)",
      "\tTab first",
      "a,b",
      'he said "hi"',
      "line1\nline2\r\nline3",
      "Café ñ 😀",
      "plain",
    ];
    await client.query(
      `INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                          total_cents, status, paid_cents, refunded_cents, request_hash,
                          expires_at, paid_at, order_state, merchant_order_id,
                          merchant_order_status, created_at, updated_at)
       SELECT '-csv' || i, 'CSVSTORE', 'CSVPOS' || i, t, 'd ' || t, '[{"title":"x"}]', 1234 + i,
              CASE WHEN i % 2 = 0 THEN 'paid' ELSE 'expired' END,
              CASE WHEN i % 2 = 0 THEN 1234 + i ELSE 0 END, CASE WHEN i = 0 THEN 5 ELSE 0 END, 'h',
              '2026-11-27T10:10:00Z', CASE WHEN i % 2 = 0 THEN timestamptz '2026-11-27T10:01:00Z' END,
              'withdrawn', CASE WHEN i % 2 = 0 THEN 9000000000 + i END,
              CASE WHEN i % 2 = 0 THEN 'closed' END,
              timestamptz '2026-11-27T10:00:00.123Z' + i * interval '1 second',
              '2026-11-27T10:05:00Z'
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n), LATERAL (SELECT (n - 1)::int AS i) x`,
      [texts],
    );

    const res = await request(t.h.app)
      .get("/sales?store_id=CSVSTORE&limit=1")
      .set(auth)
      .set("Accept", "text/csv")
      .buffer(true)
      .parse((r, done) => {
        let body = "";
        r.setEncoding("utf8");
        r.on("data", (c: string) => (body += c));
        r.on("end", () => done(null, body));
      });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toContain("sales.csv");
    // UTF-8 with a byte order mark, so a spreadsheet does not read it in its own code page
    const body = res.body as string;
    expect(body.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(body.slice(1));
    const [header, ...data] = rows;
    expect(header).toEqual([...SALES_CSV_COLUMNS_V1_1, ...SALES_CSV_COLUMNS_V1_2]);
    // every match, whatever limit says; newest first
    expect(data).toHaveLength(texts.length);
    const cells = (i: number) => Object.fromEntries(header!.map((h, j) => [h, data[i]![j]]));
    const defused = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
    texts.forEach((text, i) => {
      const c = cells(texts.length - 1 - i);
      expect(c.title).toBe(defused(text));
      expect(c.description).toBe(`d ${text}`);
      expect(c.external_reference).toBe(`'-csv${i}`);
      expect(c.total_amount).toBe(((1234 + i) / 100).toFixed(2));
      expect(c.item_count).toBe("1");
      expect(c.created_at).toBe(
        new Date(Date.parse("2026-11-27T10:00:00.123Z") + i * 1000).toISOString(),
      );
      if (i % 2 === 0) {
        expect(c).toMatchObject({
          status: "paid",
          paid_amount: ((1234 + i) / 100).toFixed(2),
          merchant_order_id: String(9000000000 + i),
          merchant_order_status: "closed",
          paid_at: "2026-11-27T10:01:00.000Z",
        });
      } else {
        expect(c).toMatchObject({
          status: "expired",
          paid_amount: "0.00",
          merchant_order_id: "",
          paid_at: "",
        });
      }
    });
    expect(cells(texts.length - 1).refunded_amount).toBe("0.05");
    const head = await request(t.h.app)
      .head("/sales?store_id=CSVSTORE")
      .set(auth)
      .set("Accept", "text/csv");
    expect(head.status).toBe(200);
    expect(head.headers["content-type"]).toBe("text/csv; charset=utf-8");
    // a bad query is still a JSON error, before any CSV
    const bad = await request(t.h.app).get("/sales?limit=0").set(auth).set("Accept", "text/csv");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });

  it("?delimiter=semicolon: the same file with ';' between cells and a decimal comma", async () => {
    await client.query(
      `INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                          total_cents, status, paid_cents, refunded_cents, request_hash,
                          expires_at, order_state, created_at, updated_at)
       VALUES ('semi-1', 'SEMISTORE', 'SEMIPOS', 'Pão; queijo', 'a,b', '[{"title":"x"}]', 123456,
               'paid', 123456, 1005, 'h', '2026-11-27T10:10:00Z', 'withdrawn',
               '2026-11-27T10:00:00Z', '2026-11-27T10:05:00Z')`,
    );
    const get = (query: string) =>
      request(t.h.app)
        .get(`/sales?store_id=SEMISTORE${query}`)
        .set(auth)
        .set("Accept", "text/csv")
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () => done(null, Buffer.concat(chunks)));
        });
    const semi = await get("&delimiter=semicolon");
    expect(semi.status).toBe(200);
    const bytes = semi.body as Buffer;
    // the UTF-8 BOM is the file's first three bytes
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, row, end] = bytes.subarray(3).toString("utf8").split("\r\n");
    expect(header).toBe(
      "external_reference;status;order_state;store_id;pos_id;title;description;item_count;" +
        "total_amount;paid_amount;refunded_amount;merchant_order_id;merchant_order_status;" +
        "created_at;updated_at;paid_at;cancelled_at;refund_processing_amount;" +
        "payment_method;payment_type;installments;card_last_four;authorization_code;fee_amount;" +
        "net_amount;money_release_date;payment_status_detail;payment_in_process;dispute_status;" +
        "dispute_amount;dispute_opened_at",
    );
    expect(row).toBe(
      'semi-1;paid;withdrawn;SEMISTORE;SEMIPOS;"Pão; queijo";"a,b";1;1234,56;1234,56;10,05;;;' +
        "2026-11-27T10:00:00.000Z;2026-11-27T10:05:00.000Z;;;0,00;;;;;;;;;;false;;;",
    );
    expect(end).toBe("");
    // today's format stays the default, and can be named
    for (const query of ["", "&delimiter=comma"]) {
      const comma = await get(query);
      const text = (comma.body as Buffer).toString("utf8");
      expect(text.split("\r\n")[1]).toBe(
        'semi-1,paid,withdrawn,SEMISTORE,SEMIPOS,"Pão; queijo","a,b",1,1234.56,1234.56,10.05,,,' +
          "2026-11-27T10:00:00.000Z,2026-11-27T10:05:00.000Z,,,0.00,,,,,,,,,,false,,,",
      );
    }
    const bad = await get("&delimiter=tab");
    expect(bad.status).toBe(400);
    expect(JSON.parse((bad.body as Buffer).toString("utf8")).error.details).toEqual([
      { path: "delimiter", message: "must be comma or semicolon" },
    ]);
  });

  it("streams 100 000 rows a batch at a time, held back by a slow client, with flat memory", async () => {
    const total = 100_000;
    await client.query(
      `INSERT INTO sales (external_reference, store_id, pos_id, title, description, items,
                          total_cents, status, paid_cents, request_hash, expires_at, order_state,
                          created_at, updated_at)
       SELECT 'big-' || g, 'BIGSTORE', 'BIGPOS' || (g % 50), 'Sale number ' || g,
              'A sale with a description long enough to weigh something ' || g,
              '[{"title":"Coffee","unitPriceCents":250,"quantity":2,"unitMeasure":"unit"}]',
              100 + g, 'paid', 100 + g, 'h', now(), 'withdrawn',
              timestamptz '2026-11-01T00:00:00Z' + g * interval '10 ms',
              timestamptz '2026-11-01T00:00:00Z'
         FROM generate_series(1, ${total}) g`,
    );
    await client.query("ANALYZE sales");

    // the service's repository, counting the batches it is asked for
    const repo = createSalesListRepository(t.db.prisma);
    let batches = 0;
    const app = createApp({
      logger: pino({ level: "silent" }),
      sales: t.h.sales,
      salesList: {
        ...repo,
        csvBatch: async (...args: Parameters<typeof repo.csvBatch>) => {
          batches++;
          return repo.csvBatch(...args);
        },
      },
      recordNotification: async () => undefined,
      ping: async () => undefined,
      config: { apiKeys: [API_KEY], webhookSecret: undefined, rateLimitPerMinute: undefined },
    });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;

    // live heap: measured right after a full collection, so garbage not yet collected (which
    // depends on when V8 chooses to run) does not count, only what the process holds
    const heap = () => {
      forceGc();
      return process.memoryUsage().heapUsed;
    };
    const baseline = heap();
    const rssBefore = process.memoryUsage().rss;
    let peak = baseline;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, heap());
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 250);
    try {
      // The client runs in a child process: in this one, nock's interception of http reads
      // responses eagerly, whatever the reader does. It reads the first chunk, stops reading
      // for 5 s, then reads the rest, counting lines and bytes.
      const child = spawn(process.execPath, ["-e", SLOW_CLIENT, String(port), API_KEY], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const out: string[] = [];
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (s: string) => out.push(...s.split("\n").filter(Boolean)));
      const until = async (what: string) => {
        for (let i = 0; i < 600 && !out.some((l) => l.startsWith(what)); i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return out.find((l) => l.startsWith(what));
      };
      expect(await until("first")).toMatch(/^first \uFEFFexternal_reference,/);
      const batchesAtFirstByte = batches;
      expect(batchesAtFirstByte).toBeLessThan(total / CSV_BATCH_ROWS / 4);

      // while the client does not read, the queries stop once the sockets' buffers are full
      // (the kernel's, a few MB): far below the total, which a service that read ahead of its
      // client would reach during the pause
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const whilePaused = batches;
      expect(whilePaused).toBeLessThan((total / CSV_BATCH_ROWS) * 0.6);

      const done = JSON.parse((await until("{"))!) as {
        status: number;
        lines: number;
        bytes: number;
        tail: string;
        firstByteMs: number;
        totalMs: number;
      };
      const { lines, bytes, tail, firstByteMs, totalMs } = done;
      expect(done.status).toBe(200);
      expect(lines).toBe(total + 1);
      expect(tail).toContain("big-1,paid,");
      expect(batches).toBe(Math.ceil((total + 1) / CSV_BATCH_ROWS));
      const growthMb = (peak - baseline) / 2 ** 20;
      const rssGrowthMb = (rssPeak - rssBefore) / 2 ** 20;
      // the figures, for whoever reads the test output
      process.stdout.write(
        `CSV ${total} rows, ${(bytes / 2 ** 20).toFixed(1)} MB in ${totalMs} ms; first byte after ` +
          `${firstByteMs} ms (${batchesAtFirstByte} batch); ${whilePaused} batches read while the ` +
          `client paused; live heap growth at most ${growthMb.toFixed(1)} MB, RSS ` +
          `${rssGrowthMb.toFixed(1)} MB\n`,
      );
      // the whole CSV held at once would be at least its size (strings are UTF-16 in V8)
      expect(growthMb).toBeLessThan(bytes / 2 ** 20 / 2);
    } finally {
      clearInterval(sampler);
      server.close();
    }
  }, 60_000);
});
