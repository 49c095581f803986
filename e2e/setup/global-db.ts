// Vitest global setup: one PostgreSQL server for the whole run (the one DATABASE_URL names,
// or an embedded one when it is unset) and a template database with every migration
// applied, from which each test file gets its own database (see per-file-db.ts).
import type { TestProject } from "vitest/node";
import { startEmbeddedDatabase } from "../../lib/db/embedded";
import { applyMigrations } from "../../lib/db/migrate";
import { createDatabase, dropDatabase, uniqueName, withAdmin } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    dbServerUrl: string;
    dbTemplate: string;
  }
}

const STALE_AFTER_MS = 3 * 60 * 60 * 1000;

function isStale(name: string): boolean {
  const created = parseInt(name.split("_").at(-2) ?? "", 36);
  return !Number.isFinite(created) || Date.now() - created > STALE_AFTER_MS;
}

export default async function setup(project: TestProject) {
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase({ dataDir: ".data/test", port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54330) });
  const serverUrl = process.env.DATABASE_URL ?? embedded!.adminUrl;

  const leftovers = await withAdmin(serverUrl, (c) =>
    c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'bridge_t\\_%' OR datname LIKE 'bridge_tpl\\_%'",
    ),
  );
  // Another run may be using the recent ones (names carry their creation time): drop only the stale.
  for (const { datname } of leftovers.rows) if (isStale(datname)) await dropDatabase(serverUrl, datname);

  const template = uniqueName("bridge_tpl");
  const templateUrl = await createDatabase(serverUrl, template);
  await applyMigrations(templateUrl);
  project.provide("dbServerUrl", serverUrl);
  project.provide("dbTemplate", template);

  return async () => {
    await dropDatabase(serverUrl, template);
    await embedded?.stop();
  };
}
