import { dialString } from "@/lib/asterisk/channel";
import { isClickId } from "@/lib/telephony/click-id";
import { dbPool } from "@/lib/db/client";
import { announceDeliveryDue } from "@/lib/db/delivery-due";
import { noteCalledBack } from "./called-back";
import { StatementBatcher } from "@/lib/db/statement-batcher";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { Refusal } from "@/lib/http/refusal";
import { TIME_ZONE } from "@/lib/i18n/config";
import { log } from "@/lib/log";
import { countEventStored } from "@/lib/metrics";
import { normalizePhone, numberKey } from "@/lib/telephony/phone";
import { parseCodes } from "@/lib/telephony/extension-codes";
import { mapStatus } from "@/lib/telephony/hangup-status";
import type { EventParams, InputWarning } from "@/lib/validations/dialplan";

type CallType = "in" | "out" | "hangup";

function requirePhone(params: EventParams): string {
  if (!params.phone) throw new Refusal("invalid_event", `parameter phone is required for type=${params.type}`);
  return params.phone;
}

/** out and hangup name the one manager on the call; a list there is ignored, and said so. */
function singleCode(params: EventParams, warnings: InputWarning[]): string | undefined {
  const codes = parseCodes(params.code ?? "").codes;
  if (codes.length <= 1) return codes[0];
  warnings.push({
    field: "code",
    action: "ignored",
    message: `parameter code must be a single extension for type=${params.type}; the event was stored without it`,
  });
  return undefined;
}

/**
 * The manager an out or hangup names. In a call the service placed (click-to-call), CALLERID(num)
 * is the customer's number, so a dialplan that reports it as the manager names the customer:
 * that code is not used, and the call keeps the manager the click rang (docs/asterisk.md,
 * «Звонок из CRM»).
 */
function managerCode(params: EventParams, phone: string, warnings: InputWarning[]): string | undefined {
  const code = singleCode(params, warnings);
  if (!code || !isClickId(params.uniqueid) || code !== dialString(phone)) return code;
  warnings.push({
    field: "code",
    action: "ignored",
    message: "parameter code is the customer's number in a call placed from the CRM; the manager it rang was used",
  });
  return undefined;
}

function withoutClientId({ clientId: _clientId, ...rest }: EventParams): Omit<EventParams, "clientId"> {
  return rest;
}

/**
 * When a call began, told by its hangup: the hangup's date (the dialplan's time at the h
 * extension) minus the wait and the talk. retailCRM shows calls/upload's date as the call's time
 * (docs/dialplan-api.md, «Время звонка»). Stays on the clock the date came in; the statement
 * reads it in its zone.
 */
function startFromHangup(params: EventParams): string | undefined {
  if (!params.date) return undefined;
  const hangupAt = new Date(`${params.date.replace(" ", "T")}Z`).getTime();
  // Not before 1970, the earliest date the CRM takes: a bogus talk time cannot push it further.
  const start = new Date(Math.max(0, hangupAt - ((params.hold ?? 0) + (params.duration ?? 0)) * 1000));
  return start.toISOString().slice(0, 19).replace("T", " ");
}

const EVENT_TYPE = { in: "IN", out: "OUT", hangup: "HANGUP" } as const;
const DIRECTION = { in: "IN", out: "OUT" } as const;

/** One event as the ingest statement takes it (a row of its JSON parameter). */
interface EventRow {
  accountId: string;
  uniqueid: string;
  /** The call's Linkedid, when AMI or the CDR told it. */
  linkedid: string | null;
  type: (typeof EVENT_TYPE)[CallType];
  /** Tells apart "in" events of one call derived from AMI: the extension each rings. */
  ring: string;
  /** A call recovered after it ended (docs/ami-events.md, «Пропуски»): it owes only calls/upload. */
  uploadOnly: boolean;
  /** The call owes no call-back task, whatever its end (a CDR line from before AMI mode). */
  noTask: boolean;
  payload: Omit<EventParams, "clientId">;
  /** The extensions the event names, cleaned: those rung (in), the one manager (out, hangup). */
  codes: string[];
  /** The call's direction when the event tells it; a hangup without `direct` leaves the stored one. */
  direction: "IN" | "OUT" | null;
  phone: string;
  /** The number's last ten digits, for finding a number's calls however it was spelt. */
  phoneKey: string | null;
  /** The number written internationally, without "+" (else its digits): what ignored prefixes match. */
  phoneDigits: string;
  extension: string | null;
  /** The company's number the call came in on or went out through, when the event names it. */
  externalPhone: string | null;
  result: string | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  /** The start, "Y-m-d H:i:s" on the clock of the event's source. */
  startedLocal: string | null;
  /** The start is in UTC (derived from AMI's epoch Timestamps), not in the PBX's zone (dialplan, CDR). */
  utc: boolean;
  /** "field:action" of each parameter that was cleaned or ignored (calls."inputWarnings"). */
  warnings: string[];
}

/**
 * The statement of ingestEvents: every event of the batch, the calls they make or complete and
 * the CRM requests they owe, in one round trip. It is atomic without a transaction. What depends
 * on the call as stored (a hangup's direction without `direct`, the start time) is decided in
 * SQL, so two events of one call arriving together cannot both miss each other. A batch holds
 * one event per call (a call's row is written once per statement) and writes events and calls
 * in one order, so that two statements do not deadlock over them (one that failed anyway is run
 * again event by event). A request owed is only its kind and its event: the body is built from
 * the stored call when it is sent (lib/retailcrm/telephony.ts). An incoming call that ended
 * unanswered also owes a call-back task when the account wants them (docs/crm-features.md): a
 * caller without five digits (hidden, a SIP name) cannot be called back. An incoming call first
 * heard of owes, before anything else, making a customer of its caller when the account wants
 * that («Новые клиенты»): the card and the task then find them. A call whose number the account
 * ignores, as its first event found the list, owes nothing («Номера без карточки»). The
 * account's settings are read by subqueries keyed by its id: a batch is a few rows, and a join
 * planned for the function's default hundred rows scanned every account's settings
 * (docs/performance.md, «Tenants at scale»).
 */
const INGEST_SQL = `
  WITH raw AS (
    -- Not before 1970, the earliest date the CRM takes, whatever zone a local time is read in
    -- (GREATEST skips a NULL, so a missing time stays missing).
    SELECT i.*, CASE WHEN i."startedLocal" IS NOT NULL THEN GREATEST(i."startedLocal" AT TIME ZONE
      CASE WHEN i."utc" THEN 'UTC' ELSE COALESCE((SELECT s."pbxTimeZone" FROM "asterisk_settings" s WHERE s."accountId" = i."accountId"), $2) END,
      to_timestamp(0)) END AS "startedAt",
      (SELECT o."newCustomers" FROM "crm_options" o WHERE o."accountId" = i."accountId") AS "newCustomers",
      (SELECT o."missedTasks" FROM "crm_options" o WHERE o."accountId" = i."accountId") AS "missedTasks"
    FROM jsonb_to_recordset($1::jsonb) AS i("n" int, "accountId" uuid, "uniqueid" text, "linkedid" text, "type" "CallEventType", "ring" text,
      "uploadOnly" boolean, "noTask" boolean, "payload" jsonb, "codes" text[], "direction" "CallDirection", "phone" text, "phoneKey" text, "phoneDigits" text, "extension" text, "externalPhone" text, "result" text,
      "waitSeconds" int, "talkSeconds" int, "startedLocal" timestamp, "utc" boolean, "warnings" text[])
  ), input AS (
    SELECT i.*, COALESCE((SELECT (l."hidden" AND i."phone" !~ '[0-9]') OR EXISTS (SELECT 1 FROM unnest(l."numbers") n WHERE CASE WHEN n LIKE '%*'
      THEN i."phoneDigits" LIKE regexp_replace(n, '\\D', '', 'g') || '%' ELSE i."phoneKey" = right(regexp_replace(n, '\\D', '', 'g'), 10) END)
      FROM "ignore_lists" l WHERE l."accountId" = i."accountId"), false) AS "ignored"
    FROM raw i
  ), stored AS (
    INSERT INTO "call_events" ("accountId", "uniqueid", "type", "ring", "payload", "codes")
    SELECT "accountId", "uniqueid", "type", "ring", "payload", "codes" FROM input ORDER BY "accountId", "uniqueid"
    ON CONFLICT ("accountId", "uniqueid", "type", "ring") DO NOTHING
    RETURNING "id", "accountId", "uniqueid", "type"
  ), call AS (
    INSERT INTO "calls" ("accountId", "uniqueid", "linkedid", "direction", "phone", "phoneKey", "extension", "externalPhone", "result", "waitSeconds", "talkSeconds", "startedAt", "inputWarnings", "deliveryPending", "ignored", "updatedAt")
    SELECT i."accountId", i."uniqueid", i."linkedid", COALESCE(i."direction", 'IN'), i."phone", i."phoneKey", i."extension", i."externalPhone", i."result", i."waitSeconds", i."talkSeconds", COALESCE(i."startedAt", now()), i."warnings", true, i."ignored", now()
    FROM input i JOIN stored s ON s."accountId" = i."accountId" AND s."uniqueid" = i."uniqueid"
    ORDER BY i."accountId", i."uniqueid"
    ON CONFLICT ("accountId", "uniqueid") DO UPDATE SET
      ("linkedid", "direction", "phone", "phoneKey", "extension", "externalPhone", "result", "waitSeconds", "talkSeconds", "startedAt", "inputWarnings", "deliveryPending", "updatedAt") = (
        SELECT COALESCE("calls"."linkedid", EXCLUDED."linkedid"), COALESCE(i."direction", "calls"."direction", 'IN'), EXCLUDED."phone", EXCLUDED."phoneKey", COALESCE(EXCLUDED."extension", "calls"."extension"),
          COALESCE(EXCLUDED."externalPhone", "calls"."externalPhone"),
          CASE WHEN i."type" = 'HANGUP' THEN EXCLUDED."result" ELSE "calls"."result" END,
          CASE WHEN i."type" = 'HANGUP' THEN EXCLUDED."waitSeconds" ELSE "calls"."waitSeconds" END,
          CASE WHEN i."type" = 'HANGUP' THEN EXCLUDED."talkSeconds" ELSE "calls"."talkSeconds" END,
          COALESCE(i."startedAt", "calls"."startedAt", now()), "calls"."inputWarnings" || EXCLUDED."inputWarnings", true, now()
        FROM input i WHERE i."accountId" = EXCLUDED."accountId" AND i."uniqueid" = EXCLUDED."uniqueid")
    RETURNING "id", "accountId", "uniqueid", "direction", "result", "phone", "ignored", ("xmax" = 0) AS "inserted"
  ), outbox AS (
    INSERT INTO "deliveries" ("accountId", "callId", "eventId", "kind", "updatedAt")
    SELECT s."accountId", call."id", s."id", owed."kind"::"DeliveryKind", now()
    FROM input i
    JOIN stored s ON s."accountId" = i."accountId" AND s."uniqueid" = i."uniqueid"
    JOIN call ON call."accountId" = i."accountId" AND call."uniqueid" = i."uniqueid"
    -- "inserted" (xmax = 0 in RETURNING: the upsert inserted the row) marks a call first heard of.
    CROSS JOIN LATERAL (VALUES (0, CASE WHEN call."inserted" AND i."newCustomers" AND call."direction" = 'IN'
        AND call."phone" ~ '[0-9].*[0-9].*[0-9].*[0-9].*[0-9]' THEN 'NEW_CUSTOMER' END),
      (1, CASE WHEN NOT i."uploadOnly" THEN 'CALL_EVENT' END),
      (2, CASE WHEN s."type" = 'HANGUP' THEN 'CALLS_UPLOAD' END),
      (3, CASE WHEN s."type" = 'HANGUP' AND i."missedTasks" AND NOT i."noTask" AND call."direction" = 'IN'
        AND call."result" IS DISTINCT FROM 'answered' AND call."phone" ~ '[0-9].*[0-9].*[0-9].*[0-9].*[0-9]' THEN 'MISSED_TASK' END)
    ) AS owed("position", "kind")
    WHERE owed."kind" IS NOT NULL AND NOT call."ignored"
    ORDER BY i."n", owed."position"
  )
  SELECT EXISTS (SELECT 1 FROM stored s WHERE s."accountId" = i."accountId" AND s."uniqueid" = i."uniqueid") AS "stored"
  FROM input i ORDER BY i."n"`;

/**
 * Stores the batch, then marks what its ended calls called back (lib/calls/called-back.ts). The
 * events are stored whatever becomes of the mark: a mark that failed is logged and made when the
 * call's hangup comes again (a repeated one is looked at too) or when a later call of the number ends.
 */
async function ingestEvents(rows: EventRow[]): Promise<boolean[]> {
  const numbered = rows.map((row, n) => ({ n, ...row }));
  const { rows: results } = await dbPool().query<{ stored: boolean }>({
    name: "ingest-call-events",
    text: INGEST_SQL,
    // A PBX whose zone was never set: retailCRM's home, the column's default.
    values: [JSON.stringify(numbered), TIME_ZONE],
  });
  const ended = rows
    .filter((row) => row.type === "HANGUP" && row.phoneKey !== null)
    .map(({ accountId, uniqueid }) => ({ accountId, uniqueid }));
  await noteCalledBack(dbPool(), ended).catch((error: unknown) =>
    log.warn({ err: error, calls: ended.length }, "marking calls called back failed"),
  );
  if (results.some((result) => result.stored)) announceDeliveryDue();
  return results.map((result) => result.stored);
}

// One statement at a time gathers the most events into each; an event waits at most for the
// statement before its own. Measured with 10 connections: 4.5 events a statement, 0.38 ms of
// database CPU an event instead of 0.62; with two at a time, batches of 2.5 and 0.67 ms.
const batcher = new StatementBatcher<EventRow, boolean>({
  run: ingestEvents,
  keyOf: (row) => `${row.accountId}\u0000${row.uniqueid}`,
  maxBatch: 100,
  maxInFlight: 1,
  failsAll: isDatabaseUnavailable,
});

export interface IngestOptions {
  /** Parameters the caller cleaned or dropped, for the journal. */
  warnings?: readonly InputWarning[];
  /** The extension an AMI-derived "in" rings: each ring of a call is an event of its own. */
  ring?: string;
  /** The call's Linkedid (AMI, the CDR): lines of the call in the CDR find it by it (docs/ami-events.md, «Пропуски»). */
  linkedid?: string;
  /** The call ended before anyone reported it (recovered from the CDR): only calls/upload is owed. */
  uploadOnly?: boolean;
  /** Not even a call-back task is owed, whatever the call's end (docs/ami-events.md, «Пропуски»). */
  noTask?: boolean;
  /** Who reported the event, for the operator's metrics (docs/metrics.md). AMI's dates are UTC, the others' the PBX's. */
  source?: "dialplan" | "ami" | "cdr" | "click";
}

/**
 * Stores one call event (from the dialplan or derived from AMI) and the CRM requests it owes,
 * before the reply. (account, uniqueid, type, ring) is stored once: a repeated event changes
 * nothing and nothing is sent twice. A hangup needs no earlier in/out: it carries all the CRM needs.
 *
 * Events arriving together are stored by one statement (StatementBatcher): a round trip, a
 * commit and a WAL flush for each event were most of what an event cost the service and the
 * database. The call is marked as owing requests; the delivery processes tell its account's
 * lane in batches (docs/delivery.md).
 */
export async function ingestCallEvent(
  accountId: string,
  params: EventParams & { type: CallType },
  options: IngestOptions = {},
): Promise<{ duplicate: boolean; warnings: InputWarning[] }> {
  const phone = requirePhone(params);
  const warnings = [...(options.warnings ?? [])];
  const code = params.type === "in" ? undefined : managerCode(params, phone, warnings);
  const status = params.type === "hangup" ? mapStatus(params.status ?? "") : undefined;
  if (status && !status.known)
    log.warn(
      { accountId, uniqueid: params.uniqueid, status: params.status },
      "unknown hangup status; sending it as failed",
    );

  const codes = params.type === "in" ? parseCodes(params.code ?? "").codes : code ? [code] : [];
  const hangup = params.type === "hangup";
  const stored = await batcher.submit({
    accountId,
    uniqueid: params.uniqueid,
    linkedid: options.linkedid ?? null,
    type: EVENT_TYPE[params.type],
    ring: options.ring ?? "",
    uploadOnly: options.uploadOnly ?? false,
    noTask: options.noTask ?? false,
    // The clientId is a credential: the stored event keeps what it said, not who said it.
    payload: withoutClientId(params),
    codes,
    direction: params.type === "hangup" ? (params.direct ? DIRECTION[params.direct] : null) : DIRECTION[params.type],
    phone,
    phoneKey: numberKey(phone) || null,
    phoneDigits: normalizePhone(phone) ?? phone.replace(/\D/g, ""),
    // An incoming call that rings one manager is theirs from the start; ringing several, it is whoever the hangup names.
    extension: codes.length === 1 ? codes[0]! : null,
    externalPhone: params.externalPhone ?? null,
    result: status?.upload ?? null,
    waitSeconds: hangup ? (params.hold ?? null) : null,
    talkSeconds: hangup ? (params.duration ?? null) : null,
    startedLocal: (hangup ? startFromHangup(params) : params.date) ?? null,
    utc: options.source === "ami",
    warnings: warnings.map((w) => `${w.field}:${w.action}`),
  });
  if (stored) countEventStored(params.type, options.source ?? "dialplan");
  return { duplicate: !stored, warnings };
}
