import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "@/lib/env";
import { createPool } from "./pool";
import { PrismaClient } from "@/lib/generated/prisma/client";

type Holder = { prisma?: PrismaClient; url?: string };
const holder = globalThis as typeof globalThis & { __bridgePrisma?: Holder };
const state: Holder = (holder.__bridgePrisma ??= {});

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (the launcher sets it when it starts the embedded database)");
  return url;
}

/** The process-wide Prisma client; reconnects when DATABASE_URL changes (tests switch databases per file). */
export function db(): PrismaClient {
  const url = databaseUrl();
  if (!state.prisma || state.url !== url) {
    void state.prisma?.$disconnect();
    const pool = createPool({ connectionString: url, max: env().DB_POOL_SIZE, connectionTimeoutMillis: 5_000 }, "service");
    const adapter = new PrismaPg(pool, { disposeExternalPool: true });
    state.prisma = new PrismaClient({ adapter });
    state.url = url;
  }
  return state.prisma;
}

export async function disconnectDb(): Promise<void> {
  const prisma = state.prisma;
  state.prisma = undefined;
  state.url = undefined;
  await prisma?.$disconnect();
}
