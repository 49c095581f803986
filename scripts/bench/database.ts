// The benchmark's own database on DATABASE_URL's server: new for every section, dropped at the end.
import pg from "pg";
import { createDatabase, dropDatabase, withAdmin } from "../../e2e/setup/databases";
import { disconnectDb } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { adminUrl, BENCH_DATABASE } from "./process-env";

const MAINTENANCE_INTERVAL_MS = 30_000;

/**
 * An empty, migrated bench database. The servers would migrate it themselves when they boot;
 * doing it here lets a section fill the queue before any delivery worker exists.
 */
export async function freshDatabase(): Promise<void> {
  await dropBenchDatabase();
  const url = await createDatabase(adminUrl, BENCH_DATABASE);
  await applyMigrations(url);
}

export async function dropBenchDatabase(): Promise<void> {
  await disconnectDb();
  await dropDatabase(adminUrl, BENCH_DATABASE);
}

async function onBenchDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function autovacuumIsOn(): Promise<boolean> {
  return withAdmin(
    adminUrl,
    async (client) => (await client.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]?.autovacuum === "on",
  );
}

/**
 * Test servers often run without autovacuum (this machine's does). Production's vacuums and
 * analyses tables as they grow: without it the planner keeps the statistics of empty tables,
 * and a query planned for one row meets ten thousand. The bench does autovacuum's work every
 * 30 s while a section runs, paced as autovacuum paces itself (a manual VACUUM runs unpaced and
 * competes with the load for the disk as autovacuum never would). Returns how to stop.
 */
export function maintainTables(): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    // A failure (the section is re-creating its database, say) only skips one round.
    running ??= onBenchDatabase(async (client) => {
      await client.query(
        "SELECT set_config('vacuum_cost_delay', current_setting('autovacuum_vacuum_cost_delay'), false)",
      );
      await client.query("VACUUM (ANALYZE)");
    })
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => (running = undefined));
  }, MAINTENANCE_INTERVAL_MS);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
