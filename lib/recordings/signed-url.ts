import { createHmac, timingSafeEqual } from "node:crypto";

const SIGNATURE_LENGTH = 32;

/** What a link plays: one stored recording, or whichever recording a call has (one still to come). */
export type RecordingTarget = { recordingId: number } | { callId: number };

const subject = (target: RecordingTarget) =>
  "recordingId" in target ? `recording:${target.recordingId}` : `call:${target.callId}`;

/** Keyed by the account's clientId too, so rotating the clientId revokes every link given out. */
function signature(target: RecordingTarget, clientId: string, secret: string): string {
  return createHmac("sha256", `${secret}:${clientId}`)
    .update(subject(target))
    .digest("base64url")
    .slice(0, SIGNATURE_LENGTH);
}

/**
 * The path (no origin) of a link that plays the recording without a session, e.g. from the CRM:
 * `/recordings/<id>/<sig>` for a recording, `/recordings/c<id>/<sig>` for a call's.
 */
export function signRecordingPath(target: RecordingTarget, clientId: string, secret: string): string {
  const id = "recordingId" in target ? String(target.recordingId) : `c${target.callId}`;
  return `/recordings/${id}/${signature(target, clientId, secret)}`;
}

export function verifyRecordingSignature(
  target: RecordingTarget,
  sig: string,
  clientId: string,
  secret: string,
): boolean {
  const id = "recordingId" in target ? target.recordingId : target.callId;
  if (!Number.isSafeInteger(id) || id <= 0) return false;
  const expected = Buffer.from(signature(target, clientId, secret));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
