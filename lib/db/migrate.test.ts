import { createHash } from "node:crypto";
import { mkdtemp, mkdir, writeFile, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, dropDatabase, uniqueName } from "@/e2e/setup/databases";
import { applyMigrations, defaultMigrationsDir, MigrationError, readMigrations } from "./migrate";

const serverUrl = inject("dbServerUrl");
const created: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = uniqueName("bridge_t_mig");
  created.push(name);
  return createDatabase(serverUrl, name);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "migrations-"));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  for (const name of created) await dropDatabase(serverUrl, name);
});

describe("applyMigrations", () => {
  let url: string;
  beforeAll(async () => {
    url = await emptyDatabase();
  });

  it("creates the schema and the standard Prisma history", async () => {
    const migrations = await readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(await applyMigrations(url)).toEqual(migrations.map((m) => m.name));

    const history = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      url,
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(history.map((h) => h.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const [i, row] of history.entries()) {
      expect(row.checksum).toBe(createHash("sha256").update(migrations[i]!.sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
    const tables = await query<{ tablename: string }>(
      url,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining([
        "accounts",
        "crm_users",
        "asterisk_settings",
        "call_events",
        "calls",
        "recordings",
        "deliveries",
        "delivery_attempts",
      ]),
    );
  });

  it("does nothing the second time", async () => {
    expect(await applyMigrations(url)).toEqual([]);
  });

  it("refuses a migration that was edited after it was applied", async () => {
    const dir = await migrationsCopy();
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first!.name, "migration.sql"), `${first!.sql}\n-- edited\n`);
    await expect(applyMigrations(url, dir)).rejects.toThrow(/changed after it was applied/);
  });

  it("applies a new migration and records nothing when it fails", async () => {
    const dir = await migrationsCopy();
    await mkdir(path.join(dir, "99990101000000_good"));
    await writeFile(path.join(dir, "99990101000000_good", "migration.sql"), 'CREATE TABLE "probe" (id int);');
    expect(await applyMigrations(url, dir)).toEqual(["99990101000000_good"]);

    await mkdir(path.join(dir, "99990102000000_bad"));
    await writeFile(
      path.join(dir, "99990102000000_bad", "migration.sql"),
      'CREATE TABLE "half" (id int);\nSELECT * FROM "no_such_table";',
    );
    await expect(applyMigrations(url, dir)).rejects.toBeInstanceOf(MigrationError);
    const half = await query(url, "SELECT 1 FROM pg_tables WHERE tablename = 'half'");
    expect(half).toHaveLength(0);
    const recorded = await query(url, `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '99990102000000_bad'`);
    expect(recorded).toHaveLength(0);
  });

  it("lets several instances start at once and applies each migration once", async () => {
    const fresh = await emptyDatabase();
    const results = await Promise.all([applyMigrations(fresh), applyMigrations(fresh), applyMigrations(fresh)]);
    expect(results.flat()).toHaveLength((await readMigrations()).length);
    const rows = await query(fresh, `SELECT 1 FROM "_prisma_migrations"`);
    expect(rows).toHaveLength((await readMigrations()).length);
  });
});
