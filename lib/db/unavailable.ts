import { Prisma } from "@/lib/generated/prisma/client";

// Prisma's codes for "cannot reach / lost / timed out waiting for" the database server.
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// PostgreSQL's own: admin shutdown, crash shutdown, cannot connect now (starting up or shutting down).
const POSTGRES_CODES = new Set(["57P01", "57P02", "57P03"]);
const NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The error and the errors it wraps (Prisma's driver adapter keeps PostgreSQL's in `cause`). */
function* causes(error: unknown): Generator<unknown> {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

type AdapterCause = { kind?: string; originalCode?: string };
const adapterCause = (e: unknown): AdapterCause | undefined =>
  (e as { meta?: { driverAdapterError?: { cause?: AdapterCause } } }).meta?.driverAdapterError?.cause;

/**
 * Whether an error means the database is out of reach for now (down, restarting, connection
 * lost), as opposed to a query that is wrong: the first is a 503 "retry", the second a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  for (const e of causes(error)) {
    const code = codeOf(e);
    if (code && (PRISMA_CODES.has(code) || POSTGRES_CODES.has(code) || NODE_CODES.has(code))) return true;
    if (
      e instanceof Error &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database server/i.test(
        e.message,
      )
    )
      return true;
    const adapterKind = adapterCause(e);
    if (adapterKind?.kind && /NotReachable|ConnectionClosed|SocketTimeout|TooManyConnections/.test(adapterKind.kind))
      return true;
    if (adapterKind?.originalCode && POSTGRES_CODES.has(adapterKind.originalCode)) return true;
  }
  return false;
}

// PostgreSQL's query_canceled: statement_timeout cut the statement (or someone cancelled it).
const CANCELED = "57014";

/**
 * Why a query ran out of time, if it did: "statement" when the server's statement_timeout cut it,
 * "wait" when its pool had no connection free within the wait it allows (lib/db/client.ts).
 */
export function outOfTime(error: unknown): "statement" | "wait" | undefined {
  for (const e of causes(error)) {
    if (adapterCause(e)?.originalCode === CANCELED) return "statement";
    if (e instanceof Error && /timeout exceeded when trying to connect/i.test(e.message)) return "wait";
  }
  return undefined;
}
