import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { log } from "@/lib/log";

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
  accounts: Set<string>;
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
  collectDefaultMetrics({ register: registry, prefix: "bridge_" });
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
      help: "Caller lookups of /api/manager by where the answer came from: memory, shared (PostgreSQL), stale, crm, skipped (the CRM failed a moment ago)",
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
      help: "Answers of retailCRM by account (the CRM's host) and HTTP status, or timeout / network",
      labelNames: ["account", "status"],
      registers: [registry],
    }),
    workerStarts: new Counter({
      name: "bridge_delivery_worker_starts_total",
      help: "Delivery workers started in this process (one per process start; more means it was restarted)",
      registers: [registry],
    }),
    accounts: new Set(),
  };
  new Gauge({
    name: "bridge_delivery_oldest_queued_seconds",
    help: "Age of the oldest CRM request still queued, per account (the most behind first; deployment-wide)",
    labelNames: ["account"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await laggingAccounts()) this.set({ account: accountLabel(row.account) }, row.lag);
    },
  });
  new Gauge({
    name: "bridge_delivery_queued",
    help: "CRM requests still queued, per account (deployment-wide)",
    labelNames: ["account"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await laggingAccounts()) this.inc({ account: accountLabel(row.account) }, row.queued);
    },
  });
  new Gauge({
    name: "bridge_ami_event_connections",
    help: "AMI event connections of accounts in AMI mode by state: up (connected) or down (connecting, failed)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const rows = await safely(
        () =>
          db().$queryRawUnsafe<{ up: number; down: number }[]>(
            `SELECT count(*) FILTER (WHERE "state" = 'connected')::int AS "up",
                    count(*) FILTER (WHERE "state" IN ('connecting', 'failed'))::int AS "down"
               FROM "ami_listeners"`,
          ),
        [{ up: 0, down: 0 }],
      );
      this.set({ state: "up" }, rows[0]?.up ?? 0);
      this.set({ state: "down" }, rows[0]?.down ?? 0);
    },
  });
  new Gauge({
    name: "bridge_delivery_workers",
    help: "Delivery processes alive (heartbeat within 10 s; deployment-wide)",
    registers: [registry],
    async collect() {
      const rows = await safely(
        () =>
          db().$queryRawUnsafe<{ alive: number }[]>(
            `SELECT count(*)::int AS "alive" FROM "delivery_workers" WHERE "seenAt" > now() - interval '10 seconds'`,
          ),
        [{ alive: 0 }],
      );
      this.set(rows[0]?.alive ?? 0);
    },
  });
  return created;
}

/** The accounts most behind, at most as many as may be named (docs/metrics.md). */
async function laggingAccounts(): Promise<{ account: string; lag: number; queued: number }[]> {
  return safely(
    () =>
      db().$queryRawUnsafe<{ account: string; lag: number; queued: number }[]>(
        `SELECT a."crmUrl" AS "account", extract(epoch FROM now() - min(d."createdAt"))::float8 AS "lag",
                count(*)::int AS "queued"
           FROM "deliveries" d JOIN "accounts" a ON a."id" = d."accountId"
          WHERE d."state" = 'QUEUED'
          GROUP BY a."crmUrl" ORDER BY 2 DESC LIMIT $1`,
        Math.max(1, labelLimit()),
      ),
    [],
  );
}

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
async function safely<T>(read: () => Promise<T>, otherwise: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    log.warn({ err: error }, "a metric could not be read from the database");
    return otherwise;
  }
}

/**
 * The `account` label: the CRM's host, for the first METRICS_ACCOUNT_LABELS accounts this process
 * names; later ones are "other", so that a deployment of thousands of accounts stays a bounded
 * set of series. 0 turns the label's value into "all".
 */
export function accountLabel(crmUrl: string): string {
  const limit = labelLimit();
  if (limit === 0) return "all";
  let host: string;
  try {
    host = new URL(crmUrl).host;
  } catch {
    return "other";
  }
  const known = metrics().accounts;
  if (known.has(host)) return host;
  if (known.size >= limit) return "other";
  known.add(host);
  return host;
}

export function countHttp(route: string, method: string, status: number, seconds: number): void {
  const m = metrics();
  m.httpRequests.inc({ route, method, status: String(status) });
  m.httpDuration.observe({ route, method }, seconds);
}

export type LookupOutcome = "memory" | "shared" | "stale" | "crm" | "skipped";

export function countCallerLookup(outcome: LookupOutcome): void {
  metrics().callerLookups.inc({ outcome });
}

export function countEventStored(type: string, source: "dialplan" | "ami" | "cdr" | "click"): void {
  metrics().eventsStored.inc({ type, source });
}

export function countDelivery(kind: string, outcome: "sent" | "failed" | "retry", requests = 1): void {
  metrics().deliveries.inc({ kind, outcome }, requests);
}

export function countCrmAnswer(baseUrl: string, status: number | "timeout" | "network"): void {
  metrics().crmAnswers.inc({ account: accountLabel(baseUrl), status: String(status) });
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

/** GET /api/metrics: the text Prometheus scrapes, behind METRICS_TOKEN (off, 404, when unset). */
export async function metricsAnswer(request: Request): Promise<Response> {
  const token = env().METRICS_TOKEN;
  if (!token)
    return Response.json({ success: false, errorMsg: "metrics are off (METRICS_TOKEN is not set)" }, { status: 404 });
  if (!sameToken(request.headers.get("authorization"), `Bearer ${token}`))
    return Response.json(
      { success: false, errorMsg: "a bearer token is required" },
      { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } },
    );
  const registry = metrics().registry;
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}

/** Compares digests, so that neither the token's length nor its first wrong byte shows in the timing. */
function sameToken(given: string | null, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}
