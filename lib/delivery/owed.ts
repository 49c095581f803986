import type pg from "pg";
import type { CallBack, MissedCall } from "@/lib/callback-tasks";
import type { NewCaller } from "@/lib/new-customers";
import { transcriptUrl, type CommentedCall, type NotedCall } from "@/lib/transcripts";
import { TIME_ZONE } from "@/lib/i18n/config";
import { recordingUrl } from "@/lib/recordings";
import { DID_MATCH } from "@/lib/telephony/phone";
import {
  callEventBody,
  callUploadBody,
  type CallEventBody,
  type CallUploadBody,
  type StoredEvent,
} from "@/lib/retailcrm/telephony";

/** A queued request to the CRM with its body, built from the stored call and event as they are now. */
export type OwedRequest = {
  id: number;
  callId: number;
  /** Temporary failures so far. */
  failures: number;
} & (
  | { kind: "CALL_EVENT"; body: CallEventBody }
  | { kind: "CALLS_UPLOAD"; body: CallUploadBody }
  | { kind: "MISSED_TASK"; missed: MissedCall }
  | { kind: "NEW_CUSTOMER"; caller: NewCaller }
  | { kind: "CUSTOMER_NOTE"; note: NotedCall }
  | { kind: "TASK_COMPLETE"; back: CallBack }
  | { kind: "TASK_COMMENT"; comment: CommentedCall }
);

interface OwedRow {
  id: number;
  callId: number;
  failures: number;
  kind: OwedRequest["kind"];
  uniqueid: string;
  direction: "IN" | "OUT" | null;
  startedAt: Date | null;
  createdAt: Date;
  crmTimeZone: string | null;
  extension: string | null;
  externalPhone: string | null;
  site: string | null;
  type: StoredEvent["type"] | "UPLOAD";
  payload: Omit<StoredEvent, "type" | "codes">;
  codes: string[];
  recordingId: number | null;
  everyExtension: string[] | null;
}

/**
 * What building a request needs, in one round trip: the call, the zone its CRM reads dates in,
 * the event, the call's newest uploaded recording (for an upload that has no path of the PBX's)
 * and, for an incoming call that names no extension, the account's mapped extensions in the CRM's
 * user order; the company number as the admin mapped it, with its store.
 */
const OWED_COLUMNS = `
  d."id", d."callId", d."failures", d."kind", c."uniqueid", c."direction", c."startedAt", c."createdAt", a."crmTimeZone", c."extension",
  COALESCE(x."phone", c."externalPhone") AS "externalPhone", x."siteCode" AS "site", e."type", e."payload",
  COALESCE(e."codes", '{}') AS "codes",
  CASE WHEN d."kind" = 'CALLS_UPLOAD' AND e."payload"->>'path' IS NULL THEN
    (SELECT max(r."id") FROM "recordings" r WHERE r."accountId" = c."accountId" AND r."uniqueid" = c."uniqueid") END AS "recordingId",
  CASE WHEN e."type" = 'IN' AND COALESCE(cardinality(e."codes"), 0) = 0 THEN
    ARRAY(SELECT u."extension" FROM "crm_users" u WHERE u."accountId" = c."accountId" AND u."extension" IS NOT NULL ORDER BY u."crmUserId") END AS "everyExtension"
  FROM "deliveries" d JOIN "calls" c ON c."id" = d."callId" JOIN "call_events" e ON e."id" = d."eventId"
  JOIN "accounts" a ON a."id" = c."accountId"
  LEFT JOIN LATERAL (SELECT x."phone", x."siteCode" FROM "external_phones" x
    WHERE x."accountId" = c."accountId" AND ${DID_MATCH('x."phone"', 'c."externalPhone"')} LIMIT 1) x ON true`;

function build(row: OwedRow, clientId: string): OwedRequest {
  const call = {
    uniqueid: row.uniqueid,
    direction: row.direction ?? "IN",
    startedAt: row.startedAt ?? row.createdAt,
    timeZone: row.crmTimeZone ?? TIME_ZONE,
    extension: row.extension,
    externalPhone: row.externalPhone,
    site: row.site,
  };
  const event = { ...row.payload, type: row.type === "UPLOAD" ? "HANGUP" : row.type, codes: row.codes } as StoredEvent;
  const { id, callId, failures } = row;
  if (row.kind === "NEW_CUSTOMER")
    return {
      id,
      callId,
      failures,
      kind: row.kind,
      caller: { phone: event.phone, ...(row.site ? { site: row.site } : {}) },
    };
  if (row.kind === "MISSED_TASK")
    return {
      id,
      callId,
      failures,
      kind: row.kind,
      missed: {
        uniqueid: call.uniqueid,
        phone: event.phone,
        startedAt: call.startedAt,
        timeZone: call.timeZone,
        heardAt: row.createdAt,
        waitSeconds: event.hold ?? 0,
        ...(row.site ? { site: row.site } : {}),
      },
    };
  if (row.kind === "CUSTOMER_NOTE")
    return {
      id,
      callId,
      failures,
      kind: row.kind,
      note: {
        callId,
        phone: event.phone,
        startedAt: call.startedAt,
        timeZone: call.timeZone,
        ...(row.site ? { site: row.site } : {}),
        transcriptUrl: transcriptUrl(callId, clientId),
      },
    };
  if (row.kind === "TASK_COMMENT") return { id, callId, failures, kind: row.kind, comment: { callId } };
  if (row.kind === "TASK_COMPLETE")
    return { id, callId, failures, kind: row.kind, back: { phone: event.phone, startedAt: call.startedAt } };
  if (row.kind === "CALL_EVENT")
    return { id, callId, failures, kind: row.kind, body: callEventBody(call, event, row.everyExtension ?? []) };
  return {
    id,
    callId,
    failures,
    kind: row.kind,
    body: callUploadBody(call, event, {
      uploaded: row.recordingId === null ? undefined : recordingUrl({ recordingId: row.recordingId }, clientId),
      announced: recordingUrl({ callId: row.callId }, clientId),
    }),
  };
}

/** The queued requests of these calls, in the order they were stored. */
export async function owedRequestsOfCalls(
  client: pg.Pool | pg.PoolClient,
  callIds: number[],
  clientId: string,
): Promise<OwedRequest[]> {
  const { rows } = await client.query<OwedRow>({
    name: "owed-requests-of-calls",
    text: `SELECT ${OWED_COLUMNS} WHERE d."callId" = ANY($1::int[]) AND d."state" = 'QUEUED' ORDER BY d."id"`,
    values: [callIds],
  });
  return rows.map((row) => build(row, clientId));
}

/** These requests (queued or not), in the order they were stored. */
export async function owedRequestsById(
  client: pg.Pool | pg.PoolClient,
  ids: number[],
  clientId: string,
): Promise<OwedRequest[]> {
  const { rows } = await client.query<OwedRow>({
    name: "owed-requests-by-id",
    text: `SELECT ${OWED_COLUMNS} WHERE d."id" = ANY($1::int[]) ORDER BY d."id"`,
    values: [ids],
  });
  return rows.map((row) => build(row, clientId));
}

/**
 * The account's calls whose next request may go now, oldest first, with all their queued
 * requests: a call is ready when its oldest queued request is not waiting out a backoff. Calls the
 * lane already has are left out. Reads only the account's queue (deliveries_queued_idx). Each row
 * also carries the account's address and key as they are now: a lane reads its calls several
 * times a call, and the account in a statement of its own was a round trip each time
 * (docs/performance.md, «One statement for the account and its settings»).
 */
const READY_SQL = `
  WITH ready AS (
    SELECT d."callId" FROM "deliveries" d
    WHERE d."accountId" = $1::uuid AND d."state" = 'QUEUED' AND ($4 OR d."notBefore" IS NULL OR d."notBefore" <= now())
      AND d."callId" <> ALL($2::int[])
      AND NOT EXISTS (SELECT 1 FROM "deliveries" e WHERE e."callId" = d."callId" AND e."state" = 'QUEUED' AND e."id" < d."id")
    ORDER BY d."id" LIMIT $3
  )
  SELECT a."crmUrl", a."apiKeyEnc", a."clientId", ${OWED_COLUMNS}
  WHERE d."callId" = ANY(ARRAY(SELECT "callId" FROM ready)) AND d."state" = 'QUEUED' ORDER BY d."id"`;

/** The account a lane's requests go to: its CRM, its key (encrypted) and its clientId. */
export interface LaneAccount {
  crmUrl: string;
  apiKeyEnc: string;
  clientId: string;
}

/**
 * Calls ready to send, each with its queued requests in order, the oldest call first, and the
 * account they go to (null when none is ready); `ignoreBackoff` takes them whatever their backoff
 * (a breaker's probe).
 */
export async function readyCalls(
  client: pg.Pool,
  accountId: string,
  skip: number[],
  limit: number,
  ignoreBackoff = false,
): Promise<{ account: LaneAccount | null; calls: OwedRequest[][] }> {
  const { rows } = await client.query<OwedRow & LaneAccount>({
    name: "ready-calls",
    text: READY_SQL,
    values: [accountId, skip, limit, ignoreBackoff],
  });
  const first = rows[0];
  if (!first) return { account: null, calls: [] };
  const calls = new Map<number, OwedRequest[]>();
  for (const row of rows) {
    const requests = calls.get(row.callId) ?? [];
    requests.push(build(row, first.clientId));
    calls.set(row.callId, requests);
  }
  const { crmUrl, apiKeyEnc, clientId } = first;
  return { account: { crmUrl, apiKeyEnc, clientId }, calls: [...calls.values()] };
}

/** In how many ms the earliest backoff of the account's queued requests ends; null when none waits. */
export async function nextBackoffEnd(client: pg.Pool, accountId: string): Promise<number | null> {
  const { rows } = await client.query<{ ms: number | null }>({
    name: "next-backoff-end",
    text: `SELECT (EXTRACT(EPOCH FROM min("notBefore") - now()) * 1000)::float8 AS "ms" FROM "deliveries"
      WHERE "accountId" = $1::uuid AND "state" = 'QUEUED' AND "notBefore" > now()`,
    values: [accountId],
  });
  return rows[0]?.ms ?? null;
}
