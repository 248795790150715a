import path from "node:path";
import { defineConfig } from "prisma/config";

// Prisma 7's CLI downloads its native schema engine before generate/validate/format too, although
// those never start it. Where that download is impossible it fails, so for those commands only we
// point Prisma's documented override at a stub that fails loudly if anything does run it.
// migrate/db commands are left alone: where the engine can be downloaded they work as usual.
const args = process.argv.slice(2);
const command = args.find(
  (a, i) => !a.startsWith("-") && !["--config", "--schema"].includes(args[i - 1] ?? ""),
);
if (["generate", "validate", "format"].includes(command ?? "")) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(
    import.meta.dirname,
    "scripts/no-schema-engine.sh",
  );
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // not env("DATABASE_URL"): that throws when the variable is unset, even for `prisma generate`
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/app" },
});
