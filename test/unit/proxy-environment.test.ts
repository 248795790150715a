import { describe, expect, it } from "vitest";
import { proxyInEnvironment } from "../../src/mercadopago/mercadopago.transport.ts";

describe("proxyInEnvironment", () => {
  it("sees the variables axios reads for a proxy, in either case", () => {
    expect(proxyInEnvironment({ HTTPS_PROXY: "http://proxy:3128" })).toBe(true);
    expect(proxyInEnvironment({ http_proxy: "http://proxy:3128" })).toBe(true);
    expect(proxyInEnvironment({ ALL_PROXY: "socks://proxy" })).toBe(true);
    expect(proxyInEnvironment({ npm_config_https_proxy: "http://proxy:3128" })).toBe(true);
  });

  it("sees none without them, with them empty, or with NO_PROXY alone", () => {
    expect(proxyInEnvironment({ PATH: "/usr/bin" })).toBe(false);
    expect(proxyInEnvironment({ HTTPS_PROXY: "" })).toBe(false);
    expect(proxyInEnvironment({ NO_PROXY: "*", no_proxy: "localhost" })).toBe(false);
  });
});
