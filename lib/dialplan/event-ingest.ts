import { dbPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import { parseCodes } from "@/lib/telephony/direction";
import { mapStatus } from "@/lib/telephony/status";
import type { EventParams } from "@/lib/validations/dialplan";

export class EventRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventRejected";
  }
}

type CallType = "in" | "out" | "hangup";

function requirePhone(params: EventParams): string {
  if (!params.phone) throw new EventRejected(`parameter phone is required for type=${params.type}`);
  return params.phone;
}

function singleCode(params: EventParams): string | undefined {
  const codes = parseCodes(params.code ?? "").codes;
  if (codes.length > 1) throw new EventRejected(`parameter code must be a single extension for type=${params.type}`);
  return codes[0];
}

function naiveDate(value: string | undefined): Date | null {
  return value ? new Date(`${value.replace(" ", "T")}Z`) : null;
}

const EVENT_TYPE = { in: "IN", out: "OUT", hangup: "HANGUP" } as const;

/** The statement of ingestCallEvent; its parameters are listed where it is run. */
const INGEST_SQL = `
  WITH stored AS (
    INSERT INTO "call_events" ("accountId", "uniqueid", "type", "payload")
    VALUES ($1::uuid, $2::text, $3::text::"CallEventType", $4::jsonb)
    ON CONFLICT ("accountId", "uniqueid", "type") DO NOTHING
    RETURNING 1
  ), call AS (
    INSERT INTO "calls" ("accountId", "uniqueid", "direction", "phone", "extension", "result", "waitSeconds", "talkSeconds", "startedAt", "deliveryPending", "updatedAt")
    SELECT $1::uuid, $2::text, COALESCE($5::text, 'IN')::"CallDirection", $6::text, $7::text, $8::text, $9::int, $10::int, COALESCE($11::timestamptz, now()), true, now()
    FROM stored
    ON CONFLICT ("accountId", "uniqueid") DO UPDATE SET
      "direction" = COALESCE($5::text::"CallDirection", "calls"."direction", 'IN'),
      "phone" = EXCLUDED."phone",
      "extension" = COALESCE(EXCLUDED."extension", "calls"."extension"),
      "result" = CASE WHEN $12::boolean THEN EXCLUDED."result" ELSE "calls"."result" END,
      "waitSeconds" = CASE WHEN $12::boolean THEN EXCLUDED."waitSeconds" ELSE "calls"."waitSeconds" END,
      "talkSeconds" = CASE WHEN $12::boolean THEN EXCLUDED."talkSeconds" ELSE "calls"."talkSeconds" END,
      "startedAt" = COALESCE($11::timestamptz, "calls"."startedAt", now()),
      "deliveryPending" = true,
      "updatedAt" = now()
    RETURNING "id", "direction"
  ), outbox AS (
    INSERT INTO "deliveries" ("accountId", "callId", "kind", "payload", "updatedAt")
    SELECT $1::uuid, call."id", owed."kind"::"DeliveryKind", owed."payload", now()
    FROM call CROSS JOIN LATERAL (VALUES
      (1, 'CALL_EVENT', CASE WHEN $13::boolean THEN jsonb_set($14::jsonb, '{codes}', (
        SELECT COALESCE(jsonb_agg(u."extension" ORDER BY u."crmUserId"), '[]'::jsonb) FROM "crm_users" u
        WHERE u."accountId" = $1::uuid AND u."extension" IS NOT NULL)) ELSE $14::jsonb END),
      (2, 'CALLS_UPLOAD', jsonb_set($15::jsonb, '{type}', to_jsonb(lower(call."direction"::text))))
    ) AS owed("position", "kind", "payload")
    WHERE owed."payload" IS NOT NULL
    ORDER BY owed."position"
  )
  SELECT (SELECT count(*) FROM stored)::int AS "stored"`;

/**
 * Stores one dialplan event and the CRM requests it owes before the reply. (account, uniqueid,
 * type) is stored once: a repeated event changes nothing and nothing is sent twice. A hangup
 * needs no earlier in/out: it carries all the CRM needs.
 *
 * One statement does it all (the event, the call, the outbox rows in order): it is atomic
 * without a transaction and costs the database one round trip, which is what bounds how many
 * events a second the service can take. What depends on the call as stored (a hangup's
 * direction without `direct`, the start time) is decided in SQL, so two events of one call
 * arriving together cannot both miss each other.
 *
 * The call is marked as owing requests; the delivery workers turn marked calls into jobs in
 * batches (lib/delivery/dispatch.ts). Adding a graphile-worker job here, per event, was two
 * thirds of the database's work per event.
 */
export async function ingestCallEvent(accountId: string, params: EventParams & { type: CallType }): Promise<{ duplicate: boolean }> {
  const phone = requirePhone(params);
  const code = params.type === "in" ? undefined : singleCode(params);
  const status = params.type === "hangup" ? mapStatus(params.status ?? "") : undefined;
  if (status && !status.known) log.warn({ accountId, uniqueid: params.uniqueid, status: params.status }, "unknown hangup status; sending it as failed");

  const codes = params.type === "in" ? parseCodes(params.code ?? "").codes : code ? [code] : [];
  // An incoming call that names no extension rings every mapped manager (guide 2.2.2).
  const ringAll = params.type === "in" && codes.length === 0;
  const event = { phone, type: params.type, codes, callExternalId: params.uniqueid, ...(status ? { hangupStatus: status.event } : {}) };
  // `type` (the call's direction) is filled in from the call as stored.
  const upload = status
    ? {
        date: params.date ?? new Date().toISOString().slice(0, 19).replace("T", " "),
        phone,
        ...(code ? { code } : {}),
        result: status.upload,
        duration: params.duration ?? 0,
        durationWaiting: params.hold ?? 0,
        externalId: params.uniqueid,
        ...(params.path ? { recordUrl: params.path } : {}),
      }
    : null;
  const direction = params.type === "hangup" ? (params.direct ? params.direct.toUpperCase() : null) : params.type.toUpperCase();
  const hangup = params.type === "hangup";

  const values = [
    accountId,
    params.uniqueid,
    EVENT_TYPE[params.type],
    JSON.stringify(params),
    direction,
    phone,
    code ?? null,
    status?.upload ?? null,
    hangup ? (params.hold ?? null) : null,
    hangup ? (params.duration ?? null) : null,
    naiveDate(params.date),
    hangup,
    ringAll,
    JSON.stringify(event),
    upload && JSON.stringify(upload),
  ];
  const { rows } = await dbPool().query<{ stored: number }>({ name: "ingest-call-event", text: INGEST_SQL, values });
  const row = rows[0];
  return { duplicate: row?.stored === 0 };
}
