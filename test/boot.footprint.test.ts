import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * What a process holds from boot. The QR and PDF libraries are loaded on first use (few requests
 * draw a QR, a sheet or a till PDF); V8's optimising WebAssembly tier is switched off before the
 * Prisma client compiles its query compiler (src/boot/wasm-baseline.ts). The memory itself is
 * measured by the bench (its peak RSS), not here.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

/** Loads the app and its services in a fresh process, then draws `after`; prints what was loaded. */
const PROBE = `
import { createRequire } from "node:module";
const cache = createRequire(import.meta.url).cache;
const libraries = ["qrcode", "pngjs", "jsqr", "linebreak"];
const loaded = () => libraries.filter((m) => Object.keys(cache).some((k) => k.includes("/node_modules/" + m + "/")));
await import("./src/app.ts");
await import("./src/boot/services.ts");
const atBoot = loaded();
const qr = await import("./src/stores/pos-qr.ts");
const png = await qr.renderQrPng("00020101021243650016COM.MERCADOLIBRE");
qr.readQrContent(png);
await qr.renderQrSheet({ content: "x", storeName: "Loja", posName: "Caixa 1", locale: "pt-BR" });
console.log(JSON.stringify({ atBoot, afterUse: loaded() }));
`;

describe("boot footprint", () => {
  it("loads the QR and PDF libraries when a QR is first drawn, not at boot", () => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", PROBE],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, LOG_LEVEL: "silent" } },
    );
    const { atBoot, afterUse } = JSON.parse(out.trim().split("\n").at(-1)!) as {
      atBoot: string[];
      afterUse: string[];
    };
    expect(atBoot).toEqual([]);
    expect(afterUse).toEqual(["qrcode", "pngjs", "jsqr", "linebreak"]);
  }, 60_000);

  it("sets V8's flags in main.ts's first import, before the Prisma client is loaded", () => {
    const main = readFileSync(path.join(ROOT, "src/main.ts"), "utf8");
    const firstImport = /^import\s+(?:[^;]*?\s+from\s+)?"([^"]+)";/m.exec(main)?.[1];
    expect(firstImport).toBe("./boot/wasm-baseline.ts");
  });
});
