import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchantTokenBox } from "../src/merchants/merchant-tokens.ts";
import {
  AccountTakenError,
  createMerchantsRepository,
} from "../src/merchants/merchants.repository.ts";
import { createTestDb, type TestDb } from "./helpers.ts";

const ACCESS = "APP_USR-5551112223334444-120812-0123456789abcdef0123456789abcdef-700000001";
const REFRESH = "TG-0123456789abcdef01234567-700000001";
const key = randomBytes(32);
const box = createMerchantTokenBox({ current: key });
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

let db: TestDb;
let repo: ReturnType<typeof createMerchantsRepository>;
beforeAll(async () => {
  db = await createTestDb();
  repo = createMerchantsRepository(db.prisma);
});
afterAll(async () => db?.drop());

function connection(merchantId: string, userId: string) {
  return {
    ...box.seal(merchantId, {
      accessToken: ACCESS,
      refreshToken: REFRESH,
      expiresAt: new Date(Date.now() + 180 * 86_400_000),
    }),
    mercadopagoUserId: userId,
    site: "MLA",
  };
}

describe("merchants in the database", () => {
  it("a new merchant is not connected and shows no token", async () => {
    const m = await repo.create("Café Central");
    expect(m).toMatchObject({ name: "Café Central", status: "not_connected", site: null });
    expect(Object.keys(m).join()).not.toMatch(/sealed|token_key|refresh/i);
    expect(await repo.find(m.id)).toEqual(m);
  });

  it("a state is used once: unknown, expired and replayed states find nothing", async () => {
    const m = await repo.create("Kiosco");
    const now = new Date();
    await repo.createState({
      stateHash: sha("s1"),
      merchantId: m.id,
      codeVerifier: "v".repeat(43),
      expiresAt: new Date(now.getTime() + 600_000),
    });
    await repo.createState({
      stateHash: sha("old"),
      merchantId: m.id,
      codeVerifier: "w".repeat(43),
      expiresAt: new Date(now.getTime() - 1),
    });
    expect(await repo.consumeState(sha("forged"), now)).toBeNull();
    expect(await repo.consumeState(sha("old"), now)).toBeNull();
    // two callbacks at once with the same state: one wins
    const both = await Promise.all([
      repo.consumeState(sha("s1"), now),
      repo.consumeState(sha("s1"), now),
    ]);
    expect(both.filter(Boolean)).toEqual([{ merchantId: m.id, codeVerifier: "v".repeat(43) }]);
    expect(await repo.consumeState(sha("s1"), now)).toBeNull();
    expect(await repo.pruneStates(now)).toBe(2);
  });

  it("tokens are unreadable in the database without the key, and open with it", async () => {
    const m = await repo.create("Panadería");
    await repo.connect(m.id, connection(m.id, "700000001"), new Date());
    const client = new pg.Client({ connectionString: db.directUrl });
    await client.connect();
    const { rows } = await client.query("SELECT * FROM merchants WHERE id = $1", [m.id]);
    await client.end();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(ACCESS);
    expect(dump).not.toContain(REFRESH);
    expect(dump).not.toContain("0123456789abcdef0123456789abcdef");
    const stored = await repo.findWithTokens(m.id);
    expect(stored).toMatchObject({ status: "connected", mercadopagoUserId: "700000001" });
    expect(box.open(m.id, stored!)).toMatchObject({ accessToken: ACCESS, refreshToken: REFRESH });
    // another merchant's row cannot open them, nor can another key
    expect(() => box.open(randomBytes(16).toString("hex"), stored!)).toThrow();
    expect(() =>
      createMerchantTokenBox({ current: randomBytes(32) }).open(m.id, stored!),
    ).toThrow();
  });

  it("one Mercado Pago account is connected to one merchant at a time", async () => {
    const a = await repo.create("A");
    const b = await repo.create("B");
    await repo.connect(a.id, connection(a.id, "700000002"), new Date());
    await expect(repo.connect(b.id, connection(b.id, "700000002"), new Date())).rejects.toEqual(
      new AccountTakenError(a.id),
    );
    expect((await repo.findConnectedByUserId("700000002"))?.id).toBe(a.id);
    // once A lets it go, B may take it
    const gone = await repo.disconnect(a.id, "disconnected by the platform");
    expect(gone).toMatchObject({ status: "disconnected", tokenExpiresAt: null });
    expect(await repo.findWithTokens(a.id)).toBeNull();
    await repo.connect(b.id, connection(b.id, "700000002"), new Date());
    expect((await repo.findConnectedByUserId("700000002"))?.id).toBe(b.id);
  });

  it("a connected row without its tokens is refused by the table", async () => {
    const m = await repo.create("C");
    await expect(
      db.prisma.merchant.update({ where: { id: m.id }, data: { status: "connected" } }),
    ).rejects.toThrow();
  });

  it("stores made before platform mode belong to the default merchant (merchant_id null)", async () => {
    const client = new pg.Client({ connectionString: db.directUrl });
    await client.connect();
    const { rows } = await client.query(
      "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'stores' AND column_name = 'merchant_id'",
    );
    await client.end();
    expect(rows).toEqual([{ is_nullable: "YES" }]);
  });
});
