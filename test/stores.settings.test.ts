import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, useHarness } from "./helpers.ts";

// PATCH /stores/:store_id: a store's time_zone and locale, validated, full keys only; the store
// shape shows the value in force (the store's own, else the site's default: MLA here).

const STAFF_KEY = "staff-key-settings-0123456789";
const POS_KEY = "pos-key-settings-0123456789ab";
const t = useHarness({ staffApiKeys: [STAFF_KEY], posApiKeys: [`${POS_KEY}@ZONE1/*`] });

beforeAll(async () => {
  for (const id of ["ZONE1", "ZONE2"]) {
    await t.db.prisma.store.create({
      data: { externalId: id, mercadopagoId: `mp-${id}`, name: id, location: {}, requestHash: "h" },
    });
  }
});

const patch = (id: string, body: unknown, key?: string) =>
  request(t.h.app)
    .patch(`/stores/${id}`)
    .set(key ? { Authorization: `Bearer ${key}` } : auth)
    .send(body as object);

describe("PATCH /stores/:store_id", () => {
  it("a store that sets nothing shows the site's capital and DEFAULT_LOCALE", async () => {
    const res = await request(t.h.app).get("/stores/ZONE2").set(auth);
    expect(res.body).toMatchObject({
      time_zone: "America/Argentina/Buenos_Aires",
      locale: "es",
    });
    const list = await request(t.h.app).get("/stores").set(auth);
    expect(list.body.data.map((s: { time_zone: string }) => s.time_zone)).toEqual([
      "America/Argentina/Buenos_Aires",
      "America/Argentina/Buenos_Aires",
    ]);
  });

  it("sets the zone (canonical spelling) and the locale, each alone, and answers the store", async () => {
    const zone = await patch("ZONE1", { time_zone: "america/santiago" });
    expect(zone.status).toBe(200);
    expect(zone.body).toMatchObject({
      external_id: "ZONE1",
      time_zone: "America/Santiago",
      locale: "es",
    });
    // a current IANA name is kept as such, though ICU resolves it to an older link
    const cordoba = await patch("ZONE2", { time_zone: "America/Argentina/Cordoba" });
    expect(cordoba.body.time_zone).toBe("America/Argentina/Cordoba");
    await patch("ZONE2", { time_zone: null });
    const locale = await patch("ZONE1", { locale: "pt-BR" });
    expect(locale.body).toMatchObject({ time_zone: "America/Santiago", locale: "pt-BR" });
    const read = await request(t.h.app).get("/stores/ZONE1").set(auth);
    expect(read.body).toMatchObject({ time_zone: "America/Santiago", locale: "pt-BR" });
    const row = await t.db.prisma.store.findUniqueOrThrow({ where: { externalId: "ZONE1" } });
    expect(row).toMatchObject({ timeZone: "America/Santiago", locale: "pt-BR" });
    // null: back to the site's default, stored as not set
    const reset = await patch("ZONE1", { time_zone: null, locale: null });
    expect(reset.body).toMatchObject({
      time_zone: "America/Argentina/Buenos_Aires",
      locale: "es",
    });
    const after = await t.db.prisma.store.findUniqueOrThrow({ where: { externalId: "ZONE1" } });
    expect(after).toMatchObject({ timeZone: null, locale: null });
  });

  it.each([
    [{ time_zone: "Mars/Olympus_Mons" }, "time_zone"],
    [{ time_zone: "-03:00" }, "time_zone"],
    [{ time_zone: "GMT-3" }, "time_zone"],
    [{ time_zone: "" }, "time_zone"],
    [{ time_zone: 3 }, "time_zone"],
    [{ locale: "fr" }, "locale"],
    [{ locale: "pt" }, "locale"],
    [{ locale: "es-AR" }, "locale"],
    [{ name: "renamed" }, "name"],
  ])("%j is 400 validation_failed naming %s", async (body, field) => {
    const res = await patch("ZONE2", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([field]);
    expect(res.body.error.message).toContain(field);
  });

  it("an unknown store is 404; a body that is not JSON is 415", async () => {
    const res = await patch("NOSUCHSTORE", { locale: "en" });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    const text = await request(t.h.app)
      .patch("/stores/ZONE2")
      .set(auth)
      .set("Content-Type", "text/plain")
      .send("locale=en");
    expect(text.status).toBe(415);
  });

  it("is for full keys: staff and POS keys are 403, no key is 401, and nothing changes", async () => {
    for (const key of [STAFF_KEY, POS_KEY]) {
      const res = await patch("ZONE2", { locale: "en" }, key);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const none = await request(t.h.app).patch("/stores/ZONE2").send({ locale: "en" });
    expect(none.status).toBe(401);
    const row = await t.db.prisma.store.findUniqueOrThrow({ where: { externalId: "ZONE2" } });
    expect(row.locale).toBeNull();
    // staff may still read the store
    const read = await request(t.h.app)
      .get("/stores/ZONE2")
      .set({ Authorization: `Bearer ${STAFF_KEY}` });
    expect(read.body.locale).toBe("es");
  });
});
