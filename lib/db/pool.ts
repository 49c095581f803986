import pg from "pg";
import { log } from "@/lib/log";

/**
 * A pg pool whose connections can fail without taking the process down. pg emits "error" on a
 * client whose server went away (restart, failover, admin shutdown) and on the pool for idle
 * ones; an "error" event nobody listens to is an uncaught exception. The queries that were
 * running fail on their own, and the pool replaces dropped connections on next use.
 */
export function createPool(config: pg.PoolConfig, purpose: string): pg.Pool {
  const pool = new pg.Pool(config);
  const report = (error: Error) => log.warn({ err: error, purpose }, "a database connection failed");
  pool.on("error", report);
  pool.on("connect", (client) => client.on("error", report));
  return pool;
}
