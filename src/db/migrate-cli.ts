import "dotenv/config";
import { migrate } from "./database.ts";

// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (the embedded database migrates
// itself when the service starts).
const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("DATABASE_URL is not set; the embedded database migrates at `npm start`\n");
  process.exit(2);
}
const result = await migrate(url);
for (const name of result.modified) {
  process.stderr.write(`warning: applied migration ${name} was modified after it was applied\n`);
}
process.stdout.write(
  result.applied.length
    ? `applied: ${result.applied.join(", ")}\n`
    : "database schema is up to date\n",
);
