import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { env } from "@/lib/env";
import { createPool } from "./pool";
import { PrismaClient } from "@/lib/generated/prisma/client";

type Holder = { prisma?: PrismaClient; pool?: pg.Pool; url?: string };
type Holders = { service: Holder; reports: Holder };
const holder = globalThis as typeof globalThis & { __bridgePrismaClients?: Holders };
const state: Holders = (holder.__bridgePrismaClients ??= { service: {}, reports: {} });

/**
 * The cabinet's heavy reads («Обзор», docs/overview.md): the connections they may hold at once in
 * this process, how long one waits for a connection, and how long a statement may run. Each
 * statement runs in one server process (no parallel workers), so all the reads of an instance
 * take at most REPORTS_POOL_SIZE of the database's cores, whatever is asked of them.
 */
const REPORTS_POOL_SIZE = 2;
const REPORTS_WAIT_MS = 5_000;
const REPORTS_STATEMENT_MS = 5_000;

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (the launcher sets it when it starts the embedded database)");
  return url;
}

/** The holder's client, made anew when DATABASE_URL changes (tests switch databases per file). */
function clientOf(current: Holder, connect: (url: string) => pg.Pool): PrismaClient {
  const url = databaseUrl();
  if (!current.prisma || current.url !== url) {
    void current.prisma?.$disconnect();
    const pool = connect(url);
    current.prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    current.pool = pool;
    current.url = url;
  }
  return current.prisma;
}

/** The process-wide Prisma client of the dialplan, the CRM's callbacks and the cabinet. */
export function db(): PrismaClient {
  return clientOf(state.service, (url) =>
    createPool({ connectionString: url, max: env().DB_POOL_SIZE, connectionTimeoutMillis: 5_000 }, "service"),
  );
}

/**
 * A client of its own for the cabinet's heavy reads, on a small pool apart from db()'s: however
 * many views of «Обзор» run at once, the dialplan's requests never wait for a connection behind
 * them, and each statement is cut by the server after REPORTS_STATEMENT_MS (docs/security.md).
 */
export function reportsDb(): PrismaClient {
  return clientOf(state.reports, (url) =>
    createPool(
      {
        connectionString: url,
        max: REPORTS_POOL_SIZE,
        connectionTimeoutMillis: REPORTS_WAIT_MS,
        options: `-c statement_timeout=${REPORTS_STATEMENT_MS} -c max_parallel_workers_per_gather=0`,
      },
      "reports",
    ),
  );
}

/**
 * The pool behind db(), for the hot path's statements that run as named prepared statements (the
 * ingest statement, the ring path's reading of an account, delivery's): PostgreSQL then parses
 * and plans each once per connection instead of at every use, which Prisma's raw queries cannot
 * ask for.
 */
export function dbPool(): pg.Pool {
  db();
  return state.service.pool!;
}

export async function disconnectDb(): Promise<void> {
  const { service, reports } = state;
  state.service = {};
  state.reports = {};
  await Promise.all([service.prisma?.$disconnect(), reports.prisma?.$disconnect()]);
}
