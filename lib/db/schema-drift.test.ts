// Fails when prisma/schema.prisma and prisma/migrations disagree, and checks that
// `prisma migrate status` accepts the history our own runner writes. Both need a Prisma
// schema engine: the development stand-in from ../shared/tools/prisma-schema-engine
// (installed by .ci/run) or whatever PRISMA_SCHEMA_ENGINE_BINARY names.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createDatabase, dropDatabase, uniqueName } from "@/e2e/setup/databases";
import { applyMigrations } from "./migrate";

function findEngine(): string | undefined {
  const candidates = [
    process.env.PRISMA_SCHEMA_ENGINE_BINARY,
    path.resolve("..", "shared", "tools", "prisma-schema-engine", "shim.mjs"),
    "/tmp/prisma-schema-engine/shim.mjs",
  ];
  return candidates.find(
    (file) => file && existsSync(file) && existsSync(path.join(path.dirname(file), "node_modules", "@prisma")),
  );
}

async function serverMajorVersion(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version_num: string }>("SHOW server_version_num");
    return Math.floor(Number(rows[0]!.server_version_num) / 10_000);
  } finally {
    await client.end();
  }
}

const engine = findEngine();
const major = await serverMajorVersion(inject("dbServerUrl"));
// The stand-in engine fails to introspect PostgreSQL 18 (the embedded server's version).
const skipReason = !engine
  ? "no Prisma schema engine here. Install the stand-in with `cp -r ../shared/tools/prisma-schema-engine /tmp/ && npm ci --prefix /tmp/prisma-schema-engine` (.ci/run does this)"
  : major >= 18
    ? `the schema engine stand-in cannot introspect PostgreSQL ${major}; run the tests with DATABASE_URL pointing at PostgreSQL 17 or older (.ci/run does)`
    : undefined;
if (skipReason) console.warn(`SKIPPED schema drift check: ${skipReason}`);

function prisma(args: string[], databaseUrl: string) {
  const result = spawnSync("npx", ["prisma", ...args], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine, DATABASE_URL: databaseUrl },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe.skipIf(skipReason !== undefined)("schema.prisma and migrations", () => {
  it("agree (prisma migrate diff finds nothing to change)", () => {
    const result = prisma(
      [
        "migrate",
        "diff",
        "--from-migrations",
        "prisma/migrations",
        "--to-schema",
        "prisma/schema.prisma",
        "--exit-code",
      ],
      process.env.DATABASE_URL!,
    );
    expect(result.output, result.output).toContain("No difference detected");
    expect(result.status).toBe(0);
  }, 120_000);

  it("prisma migrate status accepts the history the service writes", async () => {
    const serverUrl = inject("dbServerUrl");
    const name = uniqueName("bridge_t_status");
    const url = await createDatabase(serverUrl, name);
    try {
      await applyMigrations(url);
      const result = prisma(["migrate", "status"], url);
      expect(result.output).toContain("Database schema is up to date");
      expect(result.status).toBe(0);
    } finally {
      await dropDatabase(serverUrl, name);
    }
  }, 120_000);
});
