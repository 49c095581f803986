import { signSubject, verifySubject } from "@/lib/crypto/signed-path";

/** What a link plays: one stored recording, or whichever recording a call has (one still to come). */
export type RecordingTarget = { recordingId: number } | { callId: number };

const subject = (target: RecordingTarget) =>
  "recordingId" in target ? `recording:${target.recordingId}` : `call:${target.callId}`;

/**
 * The path (no origin) of a link that plays the recording without a session, e.g. from the CRM:
 * `/recordings/<id>/<sig>` for a recording, `/recordings/c<id>/<sig>` for a call's.
 */
export function signRecordingPath(target: RecordingTarget, clientId: string, secret: string): string {
  const id = "recordingId" in target ? String(target.recordingId) : `c${target.callId}`;
  return `/recordings/${id}/${signSubject(subject(target), clientId, secret)}`;
}

export function verifyRecordingSignature(
  target: RecordingTarget,
  sig: string,
  clientId: string,
  secret: string,
): boolean {
  const id = "recordingId" in target ? target.recordingId : target.callId;
  if (!Number.isSafeInteger(id) || id <= 0) return false;
  return verifySubject(subject(target), sig, clientId, secret);
}
