import request from "supertest";
import { describe, expect, it } from "vitest";
import { MESSAGES } from "../src/i18n/catalogue.ts";
import { auth, useHarness } from "./helpers.ts";

// The pages as HTTP: their headers, their assets, and the display's one JSON route (the browser
// side is test/pages.browser.test.ts).

const STAFF = "staff-key-pages-http-012345";
const OWN = "pos-key-pages-own-0123456";
const OTHER = "pos-key-pages-other-01234";
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

const t = useHarness({
  staffApiKeys: [STAFF],
  posApiKeys: [`${OWN}@PGSTORE/PGPOS1`, `${OTHER}@PGSTORE/PGPOS2`],
});

async function register() {
  await t.db.prisma.store.upsert({
    where: { externalId: "PGSTORE" },
    update: {},
    create: {
      externalId: "PGSTORE",
      mercadopagoId: "1",
      name: "Sucursal Sur",
      location: {},
      requestHash: "0".repeat(64),
    },
  });
  await t.db.prisma.pos.upsert({
    where: { externalId: "PGPOS1" },
    update: {},
    create: {
      externalId: "PGPOS1",
      storeExternalId: "PGSTORE",
      mercadopagoId: 2n,
      name: "Caja Sur",
      requestHash: "0".repeat(64),
    },
  });
}

describe("pages", () => {
  it.each(["/dashboard", "/dashboard/sales/ref-1", "/dashboard/stores", "/display/PGPOS1"])(
    "%s is HTML with a CSP that allows no inline script, and has none",
    async (path) => {
      const res = await request(t.h.app).get(path).expect(200);
      expect(res.type).toBe("text/html");
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/unsafe-(inline|eval)/);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.text).not.toMatch(/<script>|<script [^>]*>[^<]/);
      expect(res.text).not.toMatch(/ style=|<style/);
    },
  );

  it("the display's page escapes the POS id it names", async () => {
    const res = await request(t.h.app).get("/display/%22%3E%3Cimg%20src=x%3E").expect(200);
    expect(res.text).toContain('data-pos="&quot;&gt;&lt;img src=x&gt;"');
    // in the site's default language (es for MLA) until a key says which store it is
    expect(res.text).toContain(
      "Pantalla del cliente de la caja <strong>&quot;&gt;&lt;img src=x&gt;</strong>",
    );
    expect(res.text).toContain('data-i18n-strong-pos="&quot;&gt;&lt;img src=x&gt;"');
  });

  it("serves the scripts and styles as files, and nothing beside them", async () => {
    const js = await request(t.h.app).get("/assets/dashboard-today.js").expect(200);
    expect(js.type).toBe("text/javascript");
    expect((await request(t.h.app).get("/assets/pages.css").expect(200)).type).toBe("text/css");
    expect((await request(t.h.app).get("/assets/display.css").expect(200)).type).toBe("text/css");
    await request(t.h.app).get("/assets/../package.json").expect(404);
    await request(t.h.app).get("/assets/%2e%2e/package.json").expect(404);
    await request(t.h.app).get("/assets/nothing.js").expect(404);
  });

  it("serves the catalogue as a module of the same origin, every language in it", async () => {
    const res = await request(t.h.app).get("/assets/messages.js").expect(200);
    expect(res.type).toBe("text/javascript");
    expect(res.headers["cache-control"]).toBe("no-cache");
    const json = /^export const MESSAGES = (.*);\n$/s.exec(res.text)?.[1] ?? "";
    expect(JSON.parse(json)).toEqual(MESSAGES);
  });

  it("tells the scripts the site's currency, the formats of each language and the default one", async () => {
    const res = await request(t.h.app).get("/dashboard").expect(200);
    expect(res.text).toContain('<html lang="es">');
    expect(res.text).toContain('data-currency="ARS"');
    expect(res.text).toContain('data-decimals="2"');
    expect(res.text).toContain('data-default-locale="es"');
    expect(res.text).toContain('data-time-zone="America/Argentina/Buenos_Aires"');
    expect(res.text).toContain(
      'data-formatting="{&quot;es&quot;:&quot;es-AR&quot;,&quot;pt-BR&quot;:&quot;pt-BR&quot;,&quot;en&quot;:&quot;en-AR&quot;}"',
    );
    expect(res.text).toContain('<h1 data-i18n="signin.title">Iniciar sesión</h1>');
  });
});

describe("GET /display/:pos_id/info", () => {
  it("names the POS and its store for its own POS key, staff and full keys", async () => {
    await register();
    const names = {
      pos_id: "PGPOS1",
      pos_name: "Caja Sur",
      store_id: "PGSTORE",
      store_name: "Sucursal Sur",
      // a store without a language or zone of its own has the site's
      locale: "es",
      time_zone: "America/Argentina/Buenos_Aires",
      currency: "ARS",
    };
    for (const key of [bearer(OWN), bearer(STAFF), auth]) {
      const res = await request(t.h.app).get("/display/PGPOS1/info").set(key).expect(200);
      expect(res.body).toEqual(names);
    }
  });

  it("gives the store's own language and zone when it has them", async () => {
    await register();
    await request(t.h.app)
      .patch("/stores/PGSTORE")
      .set(auth)
      .send({ locale: "pt-BR", time_zone: "America/Sao_Paulo" })
      .expect(200);
    const res = await request(t.h.app).get("/display/PGPOS1/info").set(auth).expect(200);
    expect(res.body).toMatchObject({ locale: "pt-BR", time_zone: "America/Sao_Paulo" });
    await request(t.h.app).patch("/stores/PGSTORE").set(auth).send({ locale: "es" }).expect(200);
  });

  it("401 without a key; 404 for a POS not registered here", async () => {
    await register();
    await request(t.h.app).get("/display/PGPOS1/info").expect(401);
    await request(t.h.app).get("/display/NOPOS/info").set(auth).expect(404);
    await request(t.h.app).get("/display/bad%20id/info").set(auth).expect(404);
  });

  it("403 naming the key's own till for a POS key of another till, registered here or not", async () => {
    await register();
    for (const pos of ["PGPOS1", "NOPOS"]) {
      const res = await request(t.h.app).get(`/display/${pos}/info`).set(bearer(OTHER)).expect(403);
      expect(res.body.error.code).toBe("forbidden");
      expect(res.body.error.message).toBe(`this key is for the till PGPOS2, not ${pos}`);
    }
    // its own till, even when not registered here, is simply not found
    await request(t.h.app).get("/display/PGPOS2/info").set(bearer(OTHER)).expect(404);
  });
});
