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

/**
 * Whether an error means the database is out of reach for now (down, restarting, connection
 * lost), as opposed to a query that is wrong: the first is a 503 "retry", the second a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e);
    if (code && (PRISMA_CODES.has(code) || POSTGRES_CODES.has(code) || NODE_CODES.has(code))) return true;
    if (
      e instanceof Error &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database server/i.test(
        e.message,
      )
    )
      return true;
    const adapterKind = (e as { meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } } })
      .meta?.driverAdapterError?.cause;
    if (adapterKind?.kind && /NotReachable|ConnectionClosed|SocketTimeout|TooManyConnections/.test(adapterKind.kind))
      return true;
    if (adapterKind?.originalCode && POSTGRES_CODES.has(adapterKind.originalCode)) return true;
  }
  return false;
}
