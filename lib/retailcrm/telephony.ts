import { isClickId } from "@/lib/telephony/click-id";
import { wallClock } from "@/lib/telephony/clock";
import { mapStatus, type HangupStatus, type UploadResult } from "@/lib/telephony/hangup-status";

/** The `event` of POST /api/v5/telephony/call/event, as the bridge sends it (docs/retailcrm.md). */
export interface CallEventBody {
  /** The customer's number. */
  phone: string;
  type: "in" | "out" | "hangup";
  /** Extensions whose managers get the card; for a call that rings everyone, every mapped one. */
  codes: string[];
  /** The PBX's uniqueid, the same as calls/upload's externalId. */
  callExternalId: string;
  hangupStatus?: HangupStatus;
  /** The company's number the call came in on or went out through, and the store it belongs to. */
  externalPhone?: string;
  site?: string;
}

/** One call of POST /api/v5/telephony/calls/upload, as the bridge sends it. */
export interface CallUploadBody {
  /** The call's start, "Y-m-d H:i:s" in the CRM's time zone (docs/dialplan-api.md, «Время звонка»). */
  date: string;
  type: "in" | "out";
  phone: string;
  /** The manager's extension, when one is known. */
  code?: string;
  result: UploadResult;
  duration: number;
  durationWaiting: number;
  externalId: string;
  recordUrl?: string;
  externalPhone?: string;
  site?: string;
}

/** A call as stored (the calls row), as far as the CRM's requests need it. */
export interface StoredCall {
  uniqueid: string;
  direction: "IN" | "OUT";
  /** When it began. */
  startedAt: Date;
  /** The zone the account's CRM reads dates in (docs/retailcrm.md, «Часовой пояс»). */
  timeZone: string;
  /** The manager the call belongs to, when one is known. */
  extension: string | null;
  /**
   * The company's number of the call, as the admin mapped it when it is mapped, and its store
   * (docs/crm-features.md, «Магазины по номерам»).
   */
  externalPhone?: string | null;
  site?: string | null;
}

/** One stored event of the call (the call_events row): what the PBX reported, cleaned at ingest. */
export interface StoredEvent {
  type: "IN" | "OUT" | "HANGUP";
  phone: string;
  /** The extensions it names: those rung for an incoming call, the one manager for out and hangup. */
  codes: string[];
  /** DIALSTATUS or CDR(disposition) of a hangup. */
  status?: string;
  /** Seconds waited before the answer and talked (a hangup's). */
  hold?: number;
  duration?: number;
  /** A recording the PBX keeps itself. */
  path?: string;
  /** The hangup announced that its recording follows as type=upload. */
  recording?: "upload";
}

/**
 * The manager an out or hangup is for: the one it names, else, in a call the service placed, the
 * manager the click rang (docs/asterisk.md, «Звонок из CRM»).
 */
function managerOf(call: StoredCall, event: StoredEvent): string | undefined {
  return event.codes[0] ?? (isClickId(call.uniqueid) ? (call.extension ?? undefined) : undefined);
}

/**
 * call/event for one stored event. An incoming call that names no extension rings every mapped
 * manager (docs/dialplan-api.md): `everyExtension` is the account's mapped ones, in the CRM's
 * user order, as they are when the request is sent.
 */
export function callEventBody(call: StoredCall, event: StoredEvent, everyExtension: readonly string[]): CallEventBody {
  const manager = event.type === "IN" ? undefined : managerOf(call, event);
  const codes =
    event.type === "IN" ? (event.codes.length ? event.codes : [...everyExtension]) : manager ? [manager] : [];
  return {
    phone: event.phone,
    type: event.type === "IN" ? "in" : event.type === "OUT" ? "out" : "hangup",
    codes,
    callExternalId: call.uniqueid,
    ...(event.type === "HANGUP" ? { hangupStatus: mapStatus(event.status ?? "").event } : {}),
    ...storeOf(call),
  };
}

function storeOf(call: StoredCall): { externalPhone?: string; site?: string } {
  return {
    ...(call.externalPhone ? { externalPhone: call.externalPhone } : {}),
    ...(call.site ? { site: call.site } : {}),
  };
}

/**
 * calls/upload for a call from its hangup. The recording is the PBX's own path, else the one
 * uploaded to us, else, when the hangup announced one still to come, the call's link, which plays
 * it once it arrives: the CRM keeps only the first calls/upload of a call (docs/dialplan-api.md,
 * «type=upload»).
 */
export function callUploadBody(
  call: StoredCall,
  hangup: StoredEvent,
  links: { uploaded?: string; announced: string },
): CallUploadBody {
  const code = managerOf(call, hangup);
  const recordUrl = hangup.path ?? links.uploaded ?? (hangup.recording === "upload" ? links.announced : undefined);
  return {
    date: wallClock(call.startedAt, call.timeZone),
    type: call.direction === "OUT" ? "out" : "in",
    phone: hangup.phone,
    ...(code ? { code } : {}),
    result: mapStatus(hangup.status ?? "").upload,
    duration: hangup.duration ?? 0,
    durationWaiting: hangup.hold ?? 0,
    externalId: call.uniqueid,
    ...(recordUrl ? { recordUrl } : {}),
    ...storeOf(call),
  };
}
