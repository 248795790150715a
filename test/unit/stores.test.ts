import { describe, expect, it } from "vitest";
import { MpPosSchema } from "../../src/mercadopago/mercadopago.schemas.ts";
import { readQrContent, renderQrPng } from "../../src/stores/pos-qr.ts";
import { CreateStoreSchema } from "../../src/stores/stores.schemas.ts";
import { posBelongsTo, posRequestHash, storeRequestHash } from "../../src/stores/stores.service.ts";

const location = {
  street_number: "3039",
  street_name: "Caseros",
  city_name: "Belgrano",
  state_name: "Capital Federal",
  latitude: -34.5,
  longitude: -58.4,
};
const store = (overrides: Record<string, unknown> = {}) =>
  CreateStoreSchema.parse({ external_id: "SUC001", name: "Centro", location, ...overrides });

describe("request hashes (replay or conflict)", () => {
  it("the same store asked the same way hashes the same; any field changes it", () => {
    expect(storeRequestHash(store())).toBe(storeRequestHash(store()));
    // a street number sent as a number is the same request as the same number in text
    expect(storeRequestHash(store({ location: { ...location, street_number: 3039 } }))).toBe(
      storeRequestHash(store()),
    );
    expect(storeRequestHash(store({ name: "Centro 2" }))).not.toBe(storeRequestHash(store()));
    expect(storeRequestHash(store({ location: { ...location, reference: "1er piso" } }))).not.toBe(
      storeRequestHash(store()),
    );
  });

  it("a POS hashes with its store: the same POS asked for another store differs", () => {
    const pos = { external_id: "P1", name: "Caja" };
    expect(posRequestHash("A", pos)).toBe(posRequestHash("A", { ...pos }));
    expect(posRequestHash("A", pos)).not.toBe(posRequestHash("B", pos));
    expect(posRequestHash("A", pos)).not.toBe(posRequestHash("A", { ...pos, category: 621102 }));
  });
});

describe("posBelongsTo", () => {
  const ours = { externalId: "SUC001", mercadopagoId: "123" };
  it.each([
    [{ external_store_id: "SUC001", store_id: "999" }, true],
    [{ external_store_id: "OTHER", store_id: "123" }, false],
    [{ store_id: "123" }, true],
    [{ store_id: 124 }, false],
    [{}, false],
  ])("%j → %s", (fields, expected) => {
    const pos = MpPosSchema.parse({ id: 1, external_id: "P1", ...fields });
    expect(posBelongsTo(pos, ours)).toBe(expected);
  });
});

describe("readQrContent", () => {
  it("reads back what a rendered QR encodes; anything else is null", async () => {
    expect(readQrContent(await renderQrPng("00020101021126"))).toBe("00020101021126");
    expect(readQrContent(Buffer.from("not a png"))).toBeNull();
  });
});
