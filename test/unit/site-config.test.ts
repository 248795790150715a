import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { resolveSite } from "../../src/site-config.ts";

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe("MP_SITE and DEFAULT_LOCALE in the configuration", () => {
  it("are unset by default, and read when set (MP_SITE in any case)", () => {
    expect(loadConfig({}).site).toEqual({ site: undefined, defaultLocale: undefined });
    expect(loadConfig({ MP_SITE: " mlc ", DEFAULT_LOCALE: "en" }).site).toEqual({
      site: "MLC",
      defaultLocale: "en",
    });
  });

  it("an invalid value stops boot naming the variable and the values it takes", () => {
    expect(problemsOf({ MP_SITE: "MLX" })).toEqual([
      "MP_SITE: must be one of MLA, MLB, MLM, MLC, MCO, MPE, MLU (got MLX)",
    ]);
    expect(problemsOf({ DEFAULT_LOCALE: "pt" })).toEqual([
      "DEFAULT_LOCALE: must be one of es, pt-BR, en (got pt)",
    ]);
  });

  it.each(["MLM", "MCO"])(
    "MP_API=orders on %s stops boot naming the site and instore_v2",
    (site) => {
      const problems = problemsOf({ MP_SITE: site, MP_API: "orders" });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^MP_API: orders is not offered for QR payments on site /);
      expect(problems[0]).toContain(site);
      expect(problems[0]).toContain("MP_API=instore_v2");
      expect(problemsOf({ MP_SITE: site, MP_API: "instore_v2" })).toEqual([]);
    },
  );

  it.each(["MLA", "MLB", "MLC", "MPE", "MLU"])("MP_API=orders on %s starts", (site) => {
    expect(problemsOf({ MP_SITE: site, MP_API: "orders" })).toEqual([]);
  });
});

describe("the site boot runs as", () => {
  const unset = { site: undefined, defaultLocale: undefined };
  const live = { live: true, api: "instore_v2" as const };

  it("with a token: the token's site, and its locale unless DEFAULT_LOCALE says otherwise", () => {
    expect(resolveSite(unset, { ...live, tokenSite: "MLB" })).toEqual({
      site: "MLB",
      defaultLocale: "pt-BR",
    });
    expect(
      resolveSite({ site: "MLB", defaultLocale: "en" }, { ...live, tokenSite: "MLB" }),
    ).toEqual({ site: "MLB", defaultLocale: "en" });
  });

  it("MP_SITE other than the token's site stops boot naming both", () => {
    const r = resolveSite({ site: "MLB", defaultLocale: undefined }, { ...live, tokenSite: "MLA" });
    expect(r.problem).toBe(
      "MP_SITE: is MLB but MP_ACCESS_TOKEN belongs to a seller of site MLA; set MP_SITE=MLA " +
        "(or leave it unset) or use a token of site MLB",
    );
  });

  it("MP_API=orders on the token's site MLM stops boot naming the site", () => {
    const r = resolveSite(unset, { live: true, api: "orders", tokenSite: "MLM" });
    expect(r.problem).toContain("site MLM");
    expect(r.problem).toContain("MP_API=instore_v2");
    expect(resolveSite(unset, { live: true, api: "orders", tokenSite: "MLA" }).problem).toBe(
      undefined,
    );
  });

  it("a token of a site without QR here stops boot", () => {
    expect(resolveSite(unset, { ...live, tokenSite: "MBO" }).problem).toContain("site MBO");
  });

  it("the token's site unknown: MP_SITE, else MLA with a warning", () => {
    expect(
      resolveSite({ site: "MLC", defaultLocale: undefined }, { ...live, tokenSite: null }),
    ).toEqual({ site: "MLC", defaultLocale: "es" });
    const fallback = resolveSite(unset, { ...live, tokenSite: null });
    expect(fallback.site).toBe("MLA");
    expect(fallback.warning).toContain("set MP_SITE");
  });

  it("with the simulator: MP_SITE, else MLA without a warning", () => {
    const sim = { live: false, api: "instore_v2" as const, tokenSite: null };
    expect(resolveSite(unset, sim)).toEqual({ site: "MLA", defaultLocale: "es" });
    expect(resolveSite({ site: "MLB", defaultLocale: undefined }, sim)).toEqual({
      site: "MLB",
      defaultLocale: "pt-BR",
    });
  });
});
