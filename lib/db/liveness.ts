import pg from "pg";
import { log } from "@/lib/log";

// Namespace of our advisory locks ("brdg"); the second key is hashtext(workerId).
export const LIVENESS_LOCK_CLASS = 0x62726467;

/**
 * A `WITH` entry `alive`: the hashtext(workerId) of every worker whose process holds its liveness
 * lock in this database, the lock class being the query parameter `param` (LIVENESS_LOCK_CLASS).
 */
export const aliveWorkersSql = (param: string) => `
  alive AS MATERIALIZED (
    SELECT l."objid" FROM pg_locks l
    WHERE l."locktype" = 'advisory' AND l."granted" AND l."objsubid" = 2 AND l."classid" = ${param}::int::oid
      AND l."database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())
  )`;
const RECONNECT_DELAY_MS = 1_000;

/**
 * Proves to other processes that this process's workers (delivery, AMI event connections) are
 * alive: one session-level advisory lock per worker id, held on a connection of its own.
 * PostgreSQL drops the locks the moment the process dies (SIGKILL, power loss), so others can
 * take its work over at once instead of guessing from how long it has been held.
 */
export class WorkerLiveness {
  private client?: pg.Client;
  private readonly ids = new Set<string>();
  private closed = false;
  private connecting?: Promise<void>;
  /** The lock statements in flight: one connection runs one query at a time. */
  private locking: Promise<unknown> = Promise.resolve();

  constructor(private readonly connectionString: string) {}

  async hold(workerId: string): Promise<void> {
    this.ids.add(workerId);
    await this.connected();
    await this.lock(workerId).catch((error: unknown) =>
      log.warn({ err: error }, "could not mark a worker alive; retrying on reconnect"),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
  }

  private lock(workerId: string): Promise<unknown> {
    const client = this.client!;
    const locked = this.locking.then(() =>
      client.query("SELECT pg_advisory_lock($1, hashtext($2))", [LIVENESS_LOCK_CLASS, workerId]),
    );
    this.locking = locked.catch(() => undefined);
    return locked;
  }

  private connected(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    while (!this.closed) {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on("error", (error) => {
        log.warn({ err: error }, "the workers' liveness connection failed; reconnecting");
        if (this.client === client) this.client = undefined;
        void client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void this.connected().catch(() => undefined), RECONNECT_DELAY_MS).unref();
      });
      try {
        await client.connect();
        this.client = client;
        for (const id of this.ids) await this.lock(id);
        return;
      } catch (error) {
        this.client = undefined;
        await client.end().catch(() => undefined);
        log.warn({ err: error }, "the workers' liveness connection cannot connect yet");
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
      }
    }
  }
}
