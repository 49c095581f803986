import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { describe, expect, it } from "vitest";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startEmbeddedDatabase } from "./embedded";
import { applyMigrations } from "./migrate";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function withClient<T>(url: string, work: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
  try {
    return await work(prisma);
  } finally {
    await prisma.$disconnect();
  }
}

describe("embedded PostgreSQL (the default database when DATABASE_URL is unset)", () => {
  it("takes 50 parallel writes and keeps its data across a restart", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "bridge-embedded-"));
    const port = await freePort();

    const first = await startEmbeddedDatabase({ dataDir, port });
    await applyMigrations(first.url);
    await withClient(first.url, async (prisma) => {
      const accounts = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          prisma.account.create({
            data: { crmUrl: `https://a${i}.retailcrm.ru`, apiKeyEnc: "x", clientId: `c${i}`, moduleCode: `m${i}` },
          }),
        ),
      );
      expect(accounts).toHaveLength(50);
    });
    await first.stop();

    const second = await startEmbeddedDatabase({ dataDir, port });
    try {
      expect(await applyMigrations(second.url)).toEqual([]);
      expect(await withClient(second.url, (prisma) => prisma.account.count())).toBe(50);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
