import { createHash } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile, cp } from "node:fs/promises";
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

describe("upgrading a database with requests still queued", () => {
  it("keeps each queued request, now naming the event its body is built from", async () => {
    const url = await emptyDatabase();
    const dir = await migrationsCopy();
    const later = (await readMigrations(dir)).filter((m) => m.name >= "20261205055855");
    for (const m of later) await rm(path.join(dir, m.name), { recursive: true });
    await applyMigrations(url, dir);
    await query(
      url,
      `INSERT INTO accounts (id, "crmUrl", "apiKeyEnc", "clientId", "moduleCode", "updatedAt")
         VALUES ('00000000-0000-0000-0000-000000000001', 'https://a.example/', 'k', 'c', 'm', now());
       INSERT INTO call_events ("accountId", uniqueid, type, payload) VALUES
         ('00000000-0000-0000-0000-000000000001', '1.1', 'IN', '{"type":"in","phone":"+7900","code":"101,102"}'),
         ('00000000-0000-0000-0000-000000000001', '1.1', 'HANGUP', '{"type":"hangup","phone":"+7900","code":"102","status":"ANSWER"}');
       INSERT INTO calls ("accountId", uniqueid, "updatedAt") VALUES ('00000000-0000-0000-0000-000000000001', '1.1', now());
       INSERT INTO deliveries ("accountId", "callId", kind, payload, "updatedAt")
         SELECT "accountId", id, k::"DeliveryKind", p::jsonb, now() FROM calls,
           (VALUES ('CALL_EVENT', '{"type":"in"}'), ('CALL_EVENT', '{"type":"hangup"}'), ('CALLS_UPLOAD', '{"type":"in"}')) AS v(k, p)`,
    );
    await applyMigrations(url);
    const rows = await query<{ kind: string; type: string; codes: string[] }>(
      url,
      `SELECT d.kind, e.type, e.codes FROM deliveries d JOIN call_events e ON e.id = d."eventId" ORDER BY d.id`,
    );
    expect(rows).toEqual([
      { kind: "CALL_EVENT", type: "IN", codes: ["101", "102"] },
      { kind: "CALL_EVENT", type: "HANGUP", codes: ["102"] },
      { kind: "CALLS_UPLOAD", type: "HANGUP", codes: ["102"] },
    ]);
  });
});
