import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { env } from "@/lib/env";
import { createPool } from "./pool";
import { PrismaClient } from "@/lib/generated/prisma/client";

type Holder = { prisma?: PrismaClient; pool?: pg.Pool; url?: string };
type Holders = { service: Holder };
const holder = globalThis as typeof globalThis & { __bridgePrismaClients?: Holders };
const state: Holders = (holder.__bridgePrismaClients ??= { service: {} });

function newPool(url: string, purpose: string, max: number): pg.Pool {
  return createPool({ connectionString: url, max, connectionTimeoutMillis: 5_000 }, purpose);
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (the launcher sets it when it starts the embedded database)");
  return url;
}

/** The process-wide Prisma client; reconnects when DATABASE_URL changes (tests switch databases per file). */
export function db(): PrismaClient {
  const url = databaseUrl();
  const current = state.service;
  if (!current.prisma || current.url !== url) {
    void current.prisma?.$disconnect();
    const pool = newPool(url, "service", env().DB_POOL_SIZE);
    current.prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    current.pool = pool;
    current.url = url;
  }
  return current.prisma;
}

/**
 * The pool behind db(), for the one statement on the hot path that runs as a named prepared
 * statement (lib/dialplan/event-ingest.ts): PostgreSQL then parses and plans it once per
 * connection instead of at every event, which Prisma's raw queries cannot ask for.
 */
export function dbPool(): pg.Pool {
  db();
  return state.service.pool!;
}

export async function disconnectDb(): Promise<void> {
  const { service } = state;
  state.service = {};
  await service.prisma?.$disconnect();
}
