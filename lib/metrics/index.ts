import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { GuessThrottle } from "@/lib/security/guess-throttle";
import { sourceAddress } from "@/lib/security/source-address";

/**
 * Operator metrics in Prometheus text format (docs/metrics.md). One registry per process, kept on
 * globalThis: Next may load this module more than once (route bundles, hot reload), and a metric
 * registered twice would throw. Counters count what this process did; the gauges read at scrape
 * time from PostgreSQL (delivery lag, AMI connections, delivery processes) are the deployment's.
 */
interface Metrics {
  registry: Registry;
  httpRequests: Counter<"route" | "method" | "status">;
  httpDuration: Histogram<"route" | "method">;
  callerLookups: Counter<"outcome">;
  eventsStored: Counter<"type" | "source">;
  deliveries: Counter<"kind" | "outcome">;
  crmAnswers: Counter<"account" | "status">;
  workerStarts: Counter;
  lanesTakenOver: Counter;
  /** The hosts of the accounts named in the `account` label, as last read. */
  named?: { at: number; hosts: Promise<Set<string>> };
  /** Counts waiting for `named`: a scrape includes them. */
  pending: Set<Promise<void>>;
  /** Wrong tokens per source address (docs/metrics.md). */
  tokenGuesses: GuessThrottle;
  lag?: { at: number; rows: Promise<LagRow[]> };
}

interface LagRow {
  account: string;
  lag: number;
  queued: number;
}

const KEY = Symbol.for("asterisk-retailcrm-bridge.metrics");
type Holder = typeof globalThis & { [KEY]?: Metrics };

function metrics(): Metrics {
  const holder = globalThis as Holder;
  holder[KEY] ??= create();
  return holder[KEY];
}

function create(): Metrics {
  const registry = new Registry();
  // The event loop's delay sampled every 100 ms, not prom-client's default 10 ms: the 10 ms timer
  // alone kept each process 0.7 % of a core busy while idle (docs/performance.md, «Tenants at scale»).
  collectDefaultMetrics({ register: registry, prefix: "bridge_", eventLoopMonitoringPrecision: 100 });
  const created: Metrics = {
    registry,
    httpRequests: new Counter({
      name: "bridge_http_requests_total",
      help: "HTTP requests answered, by route, method and status",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "bridge_http_request_duration_seconds",
      help: "Time to answer an HTTP request, by route and method",
      labelNames: ["route", "method"],
      // The dialplan's budget is 1.5 s by default: buckets resolve both the cached answer and the budget.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10],
      registers: [registry],
    }),
    callerLookups: new Counter({
      name: "bridge_caller_lookups_total",
      help: "Caller lookups of /api/manager by where the answer came from: memory, shared (PostgreSQL), stale, crm, skipped (the CRM failed a moment ago), invalid (no phone number)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    eventsStored: new Counter({
      name: "bridge_call_events_stored_total",
      help: "Call events stored (duplicates not counted), by type and source",
      labelNames: ["type", "source"],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: "bridge_deliveries_total",
      help: "Attempts at CRM requests owed by calls, by kind and outcome (sent, failed for good, retry)",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    }),
    crmAnswers: new Counter({
      name: "bridge_crm_answers_total",
      help: "Answers of retailCRM by account (the CRM's host; unregistered: an address being connected) and HTTP status, or timeout / network",
      labelNames: ["account", "status"],
      registers: [registry],
    }),
    workerStarts: new Counter({
      name: "bridge_delivery_worker_starts_total",
      help: "Delivery workers started in this process (one per process start; more means it was restarted)",
      registers: [registry],
    }),
    lanesTakenOver: new Counter({
      name: "bridge_delivery_lanes_taken_over_total",
      help: "Accounts' delivery this process took over from a process that died or stopped renewing its lease",
      registers: [registry],
    }),
    pending: new Set(),
    // A scraper with the right token never spends; a source trying tokens gets 10, then one every 30 s.
    tokenGuesses: new GuessThrottle({ burst: 10, refillPerSecond: 1 / 30, maxSources: 10_000 }),
  };
  new Gauge({
    name: "bridge_delivery_oldest_queued_seconds",
    help: "Age of the oldest CRM request still queued, per account (the most behind first; deployment-wide)",
    labelNames: ["account"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await laggingAccounts(created)) this.set({ account: row.account }, row.lag);
    },
  });
  new Gauge({
    name: "bridge_delivery_queued",
    help: "CRM requests still queued, per account (deployment-wide)",
    labelNames: ["account"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await laggingAccounts(created)) this.set({ account: row.account }, row.queued);
    },
  });
  new Gauge({
    name: "bridge_ami_event_connections",
    help: "AMI event connections of accounts in AMI mode by state: up (connected, its holder alive) or down (connecting, failed, or its holder gone)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await safely(() =>
        db().$queryRawUnsafe<{ up: number; down: number }[]>(
          `SELECT count(*) FILTER (WHERE "state" = 'connected' AND "leaseUntil" > now())::int AS "up",
                  count(*) FILTER (WHERE "state" <> 'stopped' AND NOT ("state" = 'connected' AND "leaseUntil" > now()))::int AS "down"
             FROM "ami_listeners"`,
        ),
      );
      if (!rows?.[0]) return;
      this.set({ state: "up" }, rows[0].up);
      this.set({ state: "down" }, rows[0].down);
    },
  });
  new Gauge({
    name: "bridge_delivery_workers",
    help: "Delivery processes alive (heartbeat within 10 s; deployment-wide)",
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await safely(() =>
        db().$queryRawUnsafe<{ alive: number }[]>(
          `SELECT count(*)::int AS "alive" FROM "delivery_workers" WHERE "seenAt" > now() - interval '10 seconds'`,
        ),
      );
      if (rows?.[0]) this.set(rows[0].alive);
    },
  });
  return created;
}

/**
 * The accounts that may be named in the `account` label: the METRICS_ACCOUNT_LABELS accounts
 * switched on in their CRM that were connected longest ago. Neither which account a process
 * hears from first nor which lags most decides it, so accounts connected later (an attacker's
 * CRMs) cannot push the established ones into "other", before or after a restart.
 */
const NAMED_ACCOUNTS_SQL = `SELECT "id", "crmUrl" FROM "accounts" WHERE "active" ORDER BY "createdAt", "id" LIMIT $1`;

/**
 * Each named account's queue and the rest summed as "other" (or one "all" row when accounts are
 * not named), so that the series add up to the whole queue. Both gauges of a scrape share one read.
 */
function laggingAccounts(m: Metrics): Promise<LagRow[]> {
  if (m.lag && Date.now() - m.lag.at < LAG_READ_SHARED_MS) return m.lag.rows;
  const named = labelLimit();
  const rows = safely(() =>
    db().$queryRawUnsafe<LagRow[]>(
      `WITH named AS (${NAMED_ACCOUNTS_SQL}), per AS (
         SELECT d."accountId", extract(epoch FROM now() - min(d."createdAt"))::float8 AS "lag", count(*)::int AS "queued"
           FROM "deliveries" d WHERE d."state" = 'QUEUED' GROUP BY d."accountId"
       )
       SELECT n."crmUrl" AS "account", max(per."lag") AS "lag", sum(per."queued")::int AS "queued"
         FROM per LEFT JOIN named n ON n."id" = per."accountId" GROUP BY 1`,
      named,
    ),
  ).then((found) =>
    (found ?? []).map((row) => ({
      ...row,
      account: named === 0 ? "all" : row.account === null ? "other" : hostOf(row.account),
    })),
  );
  m.lag = { at: Date.now(), rows };
  return rows;
}

const LAG_READ_SHARED_MS = 1_000;

/**
 * How many accounts may be named. Counting never fails a request: a process without the service's
 * configuration (a script using the CRM client) counts with the default.
 */
function labelLimit(): number {
  try {
    return env().METRICS_ACCOUNT_LABELS;
  } catch {
    return DEFAULT_ACCOUNT_LABELS;
  }
}

const DEFAULT_ACCOUNT_LABELS = 50;

/** A scrape goes on when the database is away: the gauges it reads are then left out, not an error. */
async function safely<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    log.warn({ err: error }, "a metric could not be read from the database");
    return undefined;
  }
}

/** How long the named accounts stand before they are read again. */
const NAMED_READ_MS = 60_000;
/** While there is room, how soon an account not named yet (one just connected) has them read again. */
const NAMED_NEWCOMER_READ_MS = 1_000;

/** The hosts of the named accounts (NAMED_ACCOUNTS_SQL), read again when stale; the last ones while the database is away. */
async function namedHosts(m: Metrics, host: string, limit: number): Promise<Set<string>> {
  const current = m.named;
  if (current) {
    const hosts = await current.hosts;
    const age = Date.now() - current.at;
    const newcomer = !hosts.has(host) && hosts.size < limit && age > NAMED_NEWCOMER_READ_MS;
    if ((age < NAMED_READ_MS && !newcomer) || m.named !== current) return m.named!.hosts;
  }
  const previous = current?.hosts ?? Promise.resolve(new Set<string>());
  const read = safely(() => db().$queryRawUnsafe<{ crmUrl: string }[]>(NAMED_ACCOUNTS_SQL, limit)).then((rows) =>
    rows ? new Set(rows.map((row) => hostOf(row.crmUrl))) : previous,
  );
  m.named = { at: Date.now(), hosts: read };
  return read;
}

/**
 * The `account` label of a stored account: the CRM's host when the account is one of the named
 * (NAMED_ACCOUNTS_SQL), else "other", so that a deployment of thousands of accounts stays a
 * bounded set of series. 0 turns the label's value into "all". Addresses typed at sign-in are
 * not accounts yet: they never take a place (`unregistered`).
 */
async function accountLabel(m: Metrics, crmUrl: string | undefined): Promise<string> {
  const limit = labelLimit();
  if (limit === 0) return "all";
  if (crmUrl === undefined) return "unregistered";
  const host = hostOf(crmUrl);
  return (await namedHosts(m, host, limit)).has(host) ? host : "other";
}

function hostOf(crmUrl: string): string {
  try {
    return new URL(crmUrl).host;
  } catch {
    return "other";
  }
}

export function countHttp(route: string, method: string, status: number, seconds: number): void {
  const m = metrics();
  m.httpRequests.inc({ route, method, status: String(status) });
  m.httpDuration.observe({ route, method }, seconds);
}

export type LookupOutcome = "memory" | "shared" | "stale" | "crm" | "skipped" | "invalid";

export function countCallerLookup(outcome: LookupOutcome): void {
  metrics().callerLookups.inc({ outcome });
}

export function countEventStored(type: string, source: "dialplan" | "ami" | "cdr" | "click"): void {
  metrics().eventsStored.inc({ type, source });
}

export function countDelivery(kind: string, outcome: "sent" | "failed" | "retry", requests = 1): void {
  metrics().deliveries.inc({ kind, outcome }, requests);
}

export function countCrmAnswer(account: string | undefined, status: number | "timeout" | "network"): void {
  const m = metrics();
  const counted = accountLabel(m, account).then((label) =>
    m.crmAnswers.inc({ account: label, status: String(status) }),
  );
  m.pending.add(counted);
  void counted.finally(() => m.pending.delete(counted));
}

export function countLanesTakenOver(lanes: number): void {
  if (lanes > 0) metrics().lanesTakenOver.inc(lanes);
}

export function countWorkerStart(): void {
  metrics().workerStarts.inc();
}

/**
 * Wraps a route handler to count its answers and time them under a fixed route name (never the
 * raw path, whose ids would make series without end). A handler that throws counts as 500.
 */
export function measured<A extends unknown[]>(
  route: string,
  handler: (request: Request, ...rest: A) => Promise<Response> | Response,
) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    const started = process.hrtime.bigint();
    let status = 500;
    try {
      const response = await handler(request, ...rest);
      status = response.status;
      return response;
    } finally {
      countHttp(route, request.method, status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

/**
 * GET /api/metrics: the text Prometheus scrapes, behind METRICS_TOKEN (off, 404, when unset). A
 * source that sent too many wrong tokens gets 429 for any token until it earns one back, so a
 * right guess cannot be told apart meanwhile.
 */
export async function metricsAnswer(request: Request): Promise<Response> {
  const token = env().METRICS_TOKEN;
  if (!token) return Response.json({ success: false, errorMsg: "metrics are off" }, { status: 404 });
  const { registry, pending, tokenGuesses } = metrics();
  const source = sourceAddress(request.headers);
  const wait = tokenGuesses.retryAfter(source);
  if (wait > 0)
    return Response.json(
      { success: false, errorMsg: `too many wrong tokens from this address; retry in ${wait} s` },
      { status: 429, headers: { "retry-after": String(wait) } },
    );
  if (!sameToken(bearerToken(request.headers.get("authorization")), token)) {
    tokenGuesses.recordMiss(source);
    return Response.json(
      { success: false, errorMsg: "a bearer token is required" },
      { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } },
    );
  }
  await Promise.all(pending);
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}

/** The credentials of an `Authorization: Bearer …` header (the scheme's case does not matter, RFC 9110). */
function bearerToken(header: string | null): string | null {
  const match = /^bearer +(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** Compares digests, so that neither the token's length nor its first wrong byte shows in the timing. */
function sameToken(given: string | null, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}
