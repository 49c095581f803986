import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { env } from "@/lib/env";
import { createPool } from "./pool";
import { PrismaClient } from "@/lib/generated/prisma/client";

type Holder = { prisma?: PrismaClient; pool?: pg.Pool; url?: string };
type Holders = { service: Holder; delivery: Omit<Holder, "prisma"> };
const holder = globalThis as typeof globalThis & { __bridgePrismaClients?: Holders };
const state: Holders = (holder.__bridgePrismaClients ??= { service: {}, delivery: {} });

function newPool(url: string, purpose: string, max: number, options?: string): pg.Pool {
  return createPool(
    { connectionString: url, max, connectionTimeoutMillis: 5_000, ...(options ? { options } : {}) },
    purpose,
  );
}

/**
 * An upload holds its transaction's connection while it takes a rate-limit slot on a second one.
 * npm run worker delivers with at least one job at a time even when DELIVERY_CONCURRENCY is 0.
 */
export function deliveryPoolSize(poolSize: number, concurrency: number): number {
  return Math.max(poolSize, 2 * Math.max(1, concurrency) + 1);
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

/**
 * The delivery worker's pool, for raw SQL: a CRM request costs it a few statements, and Prisma's
 * query engine cost more CPU than the statements themselves. Its commits do not wait for the
 * WAL to reach the disk (synchronous_commit off), which otherwise bounds every CRM request by an
 * fsync or two. It only records what was already sent, so the worst a crash of the database
 * server (not of ours) can do is lose the last fraction of a second of such records, and those
 * requests are sent again: at least once, never lost. What the dialplan reports is stored
 * through db(), durably, before the reply.
 */
export function deliveryPool(): pg.Pool {
  const url = databaseUrl();
  const current = state.delivery;
  if (!current.pool || current.url !== url) {
    void current.pool?.end();
    const { DB_POOL_SIZE, DELIVERY_CONCURRENCY } = env();
    current.pool = newPool(
      url,
      "delivery",
      deliveryPoolSize(DB_POOL_SIZE, DELIVERY_CONCURRENCY),
      "-c synchronous_commit=off",
    );
    current.url = url;
  }
  return current.pool;
}

export async function disconnectDb(): Promise<void> {
  const { service, delivery } = state;
  state.service = {};
  state.delivery = {};
  await Promise.all([service.prisma?.$disconnect(), delivery.pool?.end()]);
}
