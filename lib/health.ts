import { db } from "@/lib/db/client";
import { log } from "@/lib/log";

export interface Health {
  status: "ok" | "error";
  db: "ok" | "error";
  error?: string;
}

const DB_TIMEOUT_MS = 2_000;

/** Checks every part the service needs to answer; today that is the database. */
export async function checkHealth(): Promise<Health> {
  try {
    await Promise.race([
      db().$queryRaw`SELECT 1`,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${DB_TIMEOUT_MS} ms`)), DB_TIMEOUT_MS).unref(),
      ),
    ]);
    return { status: "ok", db: "ok" };
  } catch (error) {
    log.warn({ err: error }, "health check: database unreachable");
    return { status: "error", db: "error", error: "database unreachable" };
  }
}
