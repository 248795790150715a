import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import axios from "axios";
import { afterEach, describe, expect, it } from "vitest";

// The command a POS vendor runs (`npx mercadopago-simulator --port 8081`), as built by the
// install (dist/): it listens, says where, and answers with the token it printed.

const BIN = path.resolve(import.meta.dirname, "../bin/mercadopago-simulator.js");
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGTERM");
});

/** Starts the command and resolves with what it printed once it is listening. */
async function start(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.setEncoding("utf8");
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes("access token:")) return out;
  }
  throw new Error(`the command ended without listening: ${out}`);
}

describe("mercadopago-simulator (the command)", () => {
  it("listens on the port asked, as the site asked, and takes the token it printed", async () => {
    const out = await start(["--port", "0", "--site", "MLC", "--token", "APP_USR-cli-test"]);
    const base = /API \(MP_BASE_URL\):\s+(\S+)/.exec(out)?.[1];
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mp$/);
    expect(out).toContain("Mercado Pago simulator (MLC)");
    const me = await axios.get(`${base}/users/me`, {
      headers: { Authorization: "Bearer APP_USR-cli-test" },
    });
    expect(me.data).toMatchObject({ site_id: "MLC" });
    const refused = await axios.get(`${base}/users/me`, {
      headers: { Authorization: "Bearer another" },
      validateStatus: () => true,
    });
    expect(refused.status).toBe(401);
  });

  it("refuses an unknown site and says how to call it", async () => {
    const child = spawn(process.execPath, [BIN, "--site", "XXX"], { stdio: "pipe" });
    children.push(child);
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => (err += d));
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(err).toContain("--site must be one of MLA, MLB, MLC, MCO, MLM, MPE, MLU");
    expect(err).toContain("usage: mercadopago-simulator");
  });
});
