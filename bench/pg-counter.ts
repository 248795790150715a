// A counting proxy in front of PostgreSQL: the service and the floor reach the database through
// it, so the bench counts what they send instead of reading their code. It reads the protocol's
// message headers only (nothing is changed or parsed further): a statement is a simple Query
// ('Q') or an Execute ('E'); a transaction ends at a ReadyForQuery ('Z') that leaves or stays
// outside a transaction block after work (an explicit BEGIN … COMMIT is one, as is each
// statement run outside one). BEGIN/COMMIT/ROLLBACK sent as simple queries are counted apart.
// GET /counts on STATS_PORT answers the totals; with STATEMENTS_FILE set, the statements are also
// tallied by their text (the Parse a Bind names, or the simple query) and written there on SIGTERM,
// to see which statements a path sends. Run as a child of bench/run.ts.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";

const listenPort = Number(process.env.PORT);
const statsPort = Number(process.env.STATS_PORT);
const target = new URL(process.env.TARGET_URL ?? "postgresql://127.0.0.1:5432");

const counts = { connections: 0, statements: 0, control: 0, transactions: 0 };
const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|END)\b/i;
const SSL_REQUEST = 80877103;
const statementsFile = process.env.STATEMENTS_FILE;
const byText = new Map<string, number>();

/** A statement's text, whitespace folded and cut short: the key it is tallied under. */
function keyOf(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 160);
}
function tally(text: string | undefined): void {
  if (!statementsFile || text === undefined) return;
  byText.set(text, (byText.get(text) ?? 0) + 1);
}
/** The NUL-terminated strings at the start of a message body. */
function cstrings(body: Buffer, n: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const end = body.indexOf(0, at);
    if (end < 0) break;
    out.push(body.toString("utf8", at, end));
    at = end + 1;
  }
  return out;
}

/** Splits a byte stream into protocol messages; `untyped` for the startup phase's messages. */
function reader(onMessage: (type: number, body: Buffer) => void) {
  let pending: Buffer = Buffer.alloc(0);
  let untyped = true;
  return {
    /** after an SSLRequest the server answers one byte, not a message */
    skipOne: false,
    setTyped() {
      untyped = false;
    },
    push(chunk: Buffer, self: { skipOne: boolean }) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (self.skipOne) {
          if (pending.length < 1) return;
          pending = pending.subarray(1);
          self.skipOne = false;
          continue;
        }
        const head = untyped ? 4 : 5;
        if (pending.length < head) return;
        const len = pending.readInt32BE(untyped ? 0 : 1);
        const total = untyped ? len : len + 1;
        if (pending.length < total) return;
        const type = untyped ? 0 : (pending[0] as number);
        onMessage(type, pending.subarray(head, total));
        pending = pending.subarray(total);
      }
    },
  };
}

net
  .createServer((client) => {
    counts.connections++;
    const server = net.connect(Number(target.port || 5432), target.hostname);
    let inTx = false;
    let workSinceReady = 0;
    // prepared statements by name (the unnamed one is ""), and the one the last Bind named
    const prepared = new Map<string, string>();
    let bound: string | undefined;
    const back = reader((type, body) => {
      if (type !== 0x5a) return; // 'Z'
      const status = String.fromCharCode(body[0] ?? 0x49);
      const now = status !== "I";
      if ((inTx && !now) || (!inTx && !now && workSinceReady > 0)) counts.transactions++;
      inTx = now;
      workSinceReady = 0;
    });
    back.setTyped();
    const front = reader((type, body) => {
      if (type === 0) {
        // startup, SSL or cancel request: typed messages follow a startup message
        const code = body.length >= 4 ? body.readInt32BE(0) : 0;
        if (code === SSL_REQUEST) back.skipOne = true;
        else front.setTyped();
        return;
      }
      if (type === 0x51) {
        // 'Q'
        counts.statements++;
        workSinceReady++;
        if (statementsFile) tally(keyOf(cstrings(body, 1)[0] ?? ""));
        if (CONTROL.test(body.toString("utf8", 0, Math.min(body.length, 32)))) counts.control++;
      } else if (type === 0x45) {
        // 'E'
        counts.statements++;
        workSinceReady++;
        tally(bound);
      } else if (statementsFile && type === 0x50) {
        // 'P': name, query
        const [name, query] = cstrings(body, 2);
        if (name !== undefined && query !== undefined) prepared.set(name, keyOf(query));
      } else if (statementsFile && type === 0x42) {
        // 'B': portal, statement name
        bound = prepared.get(cstrings(body, 2)[1] ?? "");
      }
    });
    client.on("data", (c: Buffer) => {
      front.push(c, front);
      server.write(c);
    });
    server.on("data", (c: Buffer) => {
      back.push(c, back);
      client.write(c);
    });
    client.on("error", () => server.destroy());
    server.on("error", () => client.destroy());
    client.on("close", () => server.end());
    server.on("close", () => client.end());
  })
  .listen(listenPort, "127.0.0.1");

http
  .createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(counts));
  })
  .listen(statsPort, "127.0.0.1");

process.on("SIGTERM", () => {
  if (statementsFile) {
    const rows = [...byText.entries()].sort((a, b) => b[1] - a[1]);
    fs.writeFileSync(statementsFile, JSON.stringify(Object.fromEntries(rows), null, 1));
  }
  process.exit(0);
});
