/** `hangupStatus` of POST /api/v5/telephony/call/event. */
export type HangupStatus = "answered" | "busy" | "cancel" | "failed" | "no answered";
/** `result` of POST /api/v5/telephony/calls/upload (note "no answer", not "no answered"). */
export type UploadResult = "answered" | "busy" | "failed" | "no answer" | "not allowed" | "unknown";

export interface MappedStatus {
  event: HangupStatus;
  upload: UploadResult;
  /** False when the status was none of the known DIALSTATUS / CDR(disposition) values. */
  known: boolean;
}

/** Keys are the dialplan status upper-cased with spaces, "_" and "-" removed ("NO ANSWER" → "NOANSWER"). */
const KNOWN = new Map<string, Omit<MappedStatus, "known">>([
  ["ANSWER", { event: "answered", upload: "answered" }],
  ["ANSWERED", { event: "answered", upload: "answered" }],
  ["BUSY", { event: "busy", upload: "busy" }],
  ["CANCEL", { event: "cancel", upload: "no answer" }],
  ["NOANSWER", { event: "no answered", upload: "no answer" }],
  ["FAILED", { event: "failed", upload: "failed" }],
  ["CONGESTION", { event: "failed", upload: "failed" }],
  ["CHANUNAVAIL", { event: "failed", upload: "failed" }],
]);

/**
 * The CRM's statuses for the dialplan's `status` (DIALSTATUS or CDR(disposition), any case).
 * Anything else (empty, DONTCALL, TORTURE, INVALIDARGS, garbage) is failed / unknown with
 * known: false, for the caller to log.
 */
export function mapStatus(raw: string): MappedStatus {
  const mapped = KNOWN.get(
    raw
      .trim()
      .toUpperCase()
      .replace(/[\s_-]+/gu, ""),
  );
  return mapped ? { ...mapped, known: true } : { event: "failed", upload: "unknown", known: false };
}
