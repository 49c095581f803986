import { randomUUID } from "node:crypto";
import type pg from "pg";
import { onAccountChange } from "@/lib/cache/changes";
import { decryptSecret } from "@/lib/crypto/secrets";
import { aliveWorkersSql, LIVENESS_LOCK_CLASS, WorkerLiveness } from "@/lib/db/liveness";
import { periodic } from "@/lib/db/periodic";
import { createPool } from "@/lib/db/pool";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { splitFallback } from "@/lib/validations/asterisk-settings";
import {
  AccountListener,
  LISTENER_LIMITS,
  LISTENER_TIMING,
  type ListenerConfig,
  type ListenerLimits,
  type ListenerTiming,
} from "./listener";

/**
 * Which process holds each account's AMI event connection (docs/ami-events.md): exactly one in
 * the whole deployment, so that no call is reported twice. They run in the worker processes,
 * never in a web process, so that a PBX that floods its connection costs the dialplan's requests
 * of other accounts nothing. The processes that hold them share them out the way delivery shares
 * its lanes: each beats (ami_holders), a lease renewed at every beat (lost after `leaseMs`), taken
 * over at once from a process whose liveness lock is gone (lib/db/liveness.ts), each process
 * holding about its share of the accounts whose events come from AMI, shared among the processes
 * that beat and hold their liveness lock.
 */

/**
 * Accounts that want an event connection have a row; those that no longer do lose it. It reads
 * every account's settings (5 ms at 10 000 accounts: docs/performance.md, «Tenants at scale»), so
 * it runs at the beat after a change is heard (settings saved, an account switched off:
 * lib/cache/changes.ts) and otherwise every SYNC_EVERY_MS, for a change made behind the service's
 * back (a notice missed while the listener was away is covered: its reconnection counts as a
 * change heard).
 */
const SYNC_EVERY_MS = 60_000;
const SYNC_SQL = `
  WITH wanted AS MATERIALIZED (
    SELECT s."accountId" FROM "asterisk_settings" s JOIN "accounts" a ON a."id" = s."accountId"
    WHERE s."eventSource" <> 'DIALPLAN' AND a."active" AND NOT a."freeze" AND s."amiSecretEnc" IS NOT NULL
  ), added AS (
    INSERT INTO "ami_listeners" ("accountId")
    SELECT w."accountId" FROM wanted w WHERE NOT EXISTS (SELECT 1 FROM "ami_listeners" x WHERE x."accountId" = w."accountId")
    ORDER BY 1
    ON CONFLICT ("accountId") DO NOTHING
  )
  DELETE FROM "ami_listeners" l WHERE NOT EXISTS (SELECT 1 FROM wanted w WHERE w."accountId" = l."accountId")`;

/**
 * One round trip a beat (each statement is most of an idle process's cost: docs/performance.md):
 * this process's heartbeat; the connections it still holds; how many want one; and the holders
 * that share them, those that beat within the lease and whose liveness lock is held. A killed
 * process's lock goes with its connection, so it is counted out at the next beat, as the claim
 * takes its connections; a hung one keeps its lock and counts until its lease runs out.
 *
 * A lease is renewed only once half of it has gone: a row rewritten every beat for every held
 * connection was most of an idle deployment's writes (docs/performance.md, «Tenants at scale»).
 * One with more than half left cannot have been taken (a claim wants it run out, or this process
 * dead), so it is read, not written.
 */
const BEAT_SQL = `
  WITH ${aliveWorkersSql("$3")}, beat AS (
    INSERT INTO "ami_holders" ("id", "seenAt") VALUES ($1, now()) ON CONFLICT ("id") DO UPDATE SET "seenAt" = now()
  ), renewed AS (
    UPDATE "ami_listeners" l SET "leaseUntil" = now() + $2 * interval '1 millisecond'
    FROM (
      SELECT "accountId" FROM "ami_listeners"
      WHERE "workerId" = $1 AND ("leaseUntil" IS NULL OR "leaseUntil" < now() + $2 * interval '0.5 millisecond')
      ORDER BY "accountId" FOR UPDATE
    ) due
    WHERE l."accountId" = due."accountId"
    RETURNING l."accountId"
  )
  SELECT ARRAY(
      SELECT "accountId"::text FROM renewed
      UNION ALL
      SELECT "accountId"::text FROM "ami_listeners"
      WHERE "workerId" = $1 AND "leaseUntil" >= now() + $2 * interval '0.5 millisecond'
    ) AS "held",
    (SELECT count(*) FROM "ami_listeners")::int AS "listeners",
    (SELECT count(*) FROM "ami_holders" h WHERE h."id" <> $1 AND h."seenAt" > now() - $2 * interval '1 millisecond'
      AND hashtext(h."id")::oid IN (SELECT "objid" FROM alive))::int + 1 AS "workers"`;

/** Holders silent this long are gone for good: their rows are let go (a live one beats every second). */
const FORGET_SQL = `DELETE FROM "ami_holders" WHERE "seenAt" < now() - interval '1 hour'`;

/**
 * Takes free connections, and those of a process dead or silent past its lease. A taken one is
 * «connecting» until this process's session is up: the dead holder's «connected» would say a
 * session is listening while none is (events then are the CDR's to recover, docs/ami-events.md).
 */
const CLAIM_SQL = `
  WITH ${aliveWorkersSql("$4")}
  UPDATE "ami_listeners" l SET "workerId" = $1, "leaseUntil" = now() + $2 * interval '1 millisecond', "state" = 'connecting',
    "updatedAt" = now()
  FROM (
    SELECT c."accountId" FROM "ami_listeners" c
    WHERE c."workerId" IS NULL OR (c."workerId" <> $1 AND (c."leaseUntil" IS NULL OR c."leaseUntil" < now()
      OR hashtext(c."workerId")::oid NOT IN (SELECT "objid" FROM alive)))
    ORDER BY c."accountId" LIMIT $3 FOR UPDATE SKIP LOCKED
  ) free
  WHERE l."accountId" = free."accountId"
  RETURNING l."accountId"::text`;

const CONFIG_SQL = `
  SELECT a."id" AS "accountId", a."clientId", a."crmUrl", a."apiKeyEnc", s."amiHost", s."amiEventsPort", s."amiLogin",
    s."amiSecretEnc", s."eventSource", s."inboundContexts", s."outboundContexts", s."updatedAt", s."amiCallerName",
    s."amiRouting", s."routingContext", s."routingAnswerSeconds", s."routingFallback",
    ARRAY(SELECT u."extension" FROM "crm_users" u WHERE u."accountId" = a."id" AND u."extension" IS NOT NULL) AS "extensions"
  FROM "accounts" a JOIN "asterisk_settings" s ON s."accountId" = a."id"
  WHERE a."id" = $1 AND s."eventSource" <> 'DIALPLAN' AND a."active" AND NOT a."freeze" AND s."amiSecretEnc" IS NOT NULL`;

interface ConfigRow {
  accountId: string;
  clientId: string;
  amiHost: string;
  amiEventsPort: number;
  amiLogin: string;
  amiSecretEnc: string;
  eventSource: "AMI" | "BOTH";
  inboundContexts: string[] | null;
  outboundContexts: string[] | null;
  updatedAt: Date;
  extensions: string[];
  crmUrl: string;
  apiKeyEnc: string;
  amiCallerName: boolean;
  amiRouting: boolean;
  routingContext: string;
  routingAnswerSeconds: number;
  routingFallback: string;
}

async function configOf(pool: pg.Pool, accountId: string): Promise<ListenerConfig | undefined> {
  const row = (await pool.query<ConfigRow>({ name: "ami-listener-config", text: CONFIG_SQL, values: [accountId] }))
    .rows[0];
  if (!row) return undefined;
  return {
    accountId: row.accountId,
    clientId: row.clientId,
    endpoint: {
      host: row.amiHost,
      port: row.amiEventsPort,
      username: row.amiLogin,
      secret: decryptSecret(row.amiSecretEnc),
      timeoutMs: env().AMI_TIMEOUT_MS,
      allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
    },
    mode: row.eventSource,
    inboundContexts: row.inboundContexts ?? [],
    outboundContexts: row.outboundContexts ?? [],
    savedAt: row.updatedAt.getTime(),
    extensions: row.extensions,
    crmUrl: row.crmUrl,
    apiKeyEnc: row.apiKeyEnc,
    routing: {
      name: row.amiCallerName,
      route: row.amiRouting,
      context: row.routingContext,
      answerMs: row.routingAnswerSeconds * 1000,
      fallback: splitFallback(row.routingFallback),
    },
  };
}

export interface CallTrackingOptions {
  /** How often the process beats, renews its leases and takes or gives connections (ms). */
  beatMs?: number;
  /** A lease lasts this long without renewal; a process silent this long counts as gone (ms). */
  leaseMs?: number;
  /** How often the held accounts are checked against the settings when no change was heard (ms). */
  syncEveryMs?: number;
  limits?: Partial<ListenerLimits>;
  timing?: Partial<ListenerTiming>;
}

export interface CallTracking {
  /** This process's id among the holders of AMI event connections. */
  readonly id: string;
  stop(): Promise<void>;
}

/**
 * Holds this process's share of the accounts' AMI event connections, on a pool and a liveness
 * lock of its own, until stopped.
 */
export async function startCallTracking(
  connectionString: string,
  options: CallTrackingOptions = {},
): Promise<CallTracking> {
  const workerId = randomUUID();
  const timing = {
    beatMs: options.beatMs ?? 1_000,
    leaseMs: options.leaseMs ?? 10_000,
    syncEveryMs: options.syncEveryMs ?? SYNC_EVERY_MS,
  };
  const settings = {
    limits: { ...LISTENER_LIMITS, ...options.limits },
    timing: { ...LISTENER_TIMING, ...options.timing },
  };
  const pool = createPool({ connectionString, max: 4 }, "ami-events");
  const liveness = new WorkerLiveness(connectionString);
  await liveness.hold(workerId);
  const listeners = new Map<string, AccountListener>();
  const changed = new Set<string>();
  let stopping = false;
  let syncDue = true;
  let syncedAt = 0;

  onAccountChange((accountId, _here, part) => {
    if (part === "staff") return;
    syncDue = true;
    if (accountId === null) for (const id of listeners.keys()) changed.add(id);
    else if (listeners.has(accountId)) changed.add(accountId);
  });

  async function hold(accountId: string): Promise<void> {
    const config = await configOf(pool, accountId);
    if (!config) return;
    const listener = new AccountListener(config, pool, settings);
    listeners.set(accountId, listener);
    listener.start();
    log.info({ accountId }, "holding the account's AMI event connection");
  }

  async function letGo(accountId: string): Promise<void> {
    const listener = listeners.get(accountId);
    listeners.delete(accountId);
    await listener?.stop();
  }

  /** Settings saved since the last beat: the listener follows them, or stops for an account that no longer wants one. */
  async function follow(accountId: string): Promise<void> {
    const listener = listeners.get(accountId);
    if (!listener) return;
    const config = await configOf(pool, accountId);
    if (config && listener.update(config)) return;
    await letGo(accountId);
    if (config) await hold(accountId);
  }

  let beats = 0;
  async function beat(): Promise<void> {
    if (stopping) return;
    if (++beats % 60 === 0) await pool.query(FORGET_SQL);
    if (syncDue || Date.now() - syncedAt >= timing.syncEveryMs) {
      syncDue = false;
      syncedAt = Date.now();
      await pool.query({ name: "ami-listeners-sync", text: SYNC_SQL });
    }
    for (const accountId of [...changed]) {
      changed.delete(accountId);
      await follow(accountId);
    }
    const {
      held,
      listeners: wanted,
      workers,
    } = (
      await pool.query<{ held: string[]; listeners: number; workers: number }>({
        name: "ami-holders-beat",
        text: BEAT_SQL,
        values: [workerId, timing.leaseMs, LIVENESS_LOCK_CLASS],
      })
    ).rows[0]!;
    const kept = new Set(held);
    for (const accountId of [...listeners.keys()]) {
      if (kept.has(accountId)) continue;
      log.warn({ accountId }, "the AMI event connection is held elsewhere now (or no longer wanted); closing it here");
      await letGo(accountId);
    }
    const share = Math.ceil(wanted / workers);
    if (listeners.size > share) {
      // Over its share (another process started): gives the surplus back for others to take.
      const surplus = [...listeners.keys()].slice(share);
      await pool.query(
        `UPDATE "ami_listeners" SET "workerId" = NULL, "leaseUntil" = NULL WHERE "accountId" = ANY($1::uuid[]) AND "workerId" = $2`,
        [surplus, workerId],
      );
      for (const accountId of surplus) await letGo(accountId);
    } else if (listeners.size < share) {
      const claimed = await pool.query<{ accountId: string }>({
        name: "ami-listeners-claim",
        text: CLAIM_SQL,
        values: [workerId, timing.leaseMs, share - listeners.size, LIVENESS_LOCK_CLASS],
      });
      for (const { accountId } of claimed.rows) if (!listeners.has(accountId)) await hold(accountId);
    }
  }

  const beating = periodic(timing.beatMs, beat, "holding AMI event connections");
  return {
    id: workerId,
    async stop() {
      stopping = true;
      await beating.stop();
      await Promise.all([...listeners.keys()].map((accountId) => letGo(accountId)));
      await pool
        .query(
          `UPDATE "ami_listeners" SET "workerId" = NULL, "leaseUntil" = NULL, "state" = 'connecting' WHERE "workerId" = $1`,
          [workerId],
        )
        .catch(() => undefined);
      await pool.query(`DELETE FROM "ami_holders" WHERE "id" = $1`, [workerId]).catch(() => undefined);
      await liveness.close();
      await pool.end();
    },
  };
}
