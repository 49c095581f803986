import type { HangupStatus, UploadResult } from "@/lib/telephony/status";

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
}

/** One call of POST /api/v5/telephony/calls/upload, as the bridge sends it. */
export interface CallUploadBody {
  /** The call's start, "Y-m-d H:i:s" in the PBX's clock (docs/dialplan-api.md, «Время звонка»). */
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
}

/**
 * calls/upload as an event stores it: the direction (`type`) is the call's as stored, which the
 * ingest statement fills in, and where it has one it names the call whose recording is still to
 * come (lib/delivery/deliver-call.ts turns that into the recordUrl and drops it).
 */
export type StoredCallUpload = Omit<CallUploadBody, "type"> & {
  type?: CallUploadBody["type"];
  recordingOfCall?: number;
};

export function callEventBody(call: {
  uniqueid: string;
  type: CallEventBody["type"];
  phone: string;
  codes: string[];
  hangupStatus?: HangupStatus;
}): CallEventBody {
  return {
    phone: call.phone,
    type: call.type,
    codes: call.codes,
    callExternalId: call.uniqueid,
    ...(call.hangupStatus ? { hangupStatus: call.hangupStatus } : {}),
  };
}

export function callUploadBody(call: {
  uniqueid: string;
  start: string;
  phone: string;
  code?: string;
  result: UploadResult;
  talkSeconds: number;
  waitSeconds: number;
  recordUrl?: string;
}): StoredCallUpload {
  return {
    date: call.start,
    phone: call.phone,
    ...(call.code ? { code: call.code } : {}),
    result: call.result,
    duration: call.talkSeconds,
    durationWaiting: call.waitSeconds,
    externalId: call.uniqueid,
    ...(call.recordUrl ? { recordUrl: call.recordUrl } : {}),
  };
}
