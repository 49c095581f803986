import { defineConfig } from "prisma/config";

// Only the Prisma CLI reads this file (authoring migrations, drift checks).
// The service applies migrations itself (lib/db/migrate.ts) and connects
// through @prisma/adapter-pg, so nothing here is needed at run time.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
