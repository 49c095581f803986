import { createHmac, timingSafeEqual } from "node:crypto";

const SIGNATURE_LENGTH = 32;

/** Keyed by the account's clientId too, so rotating the clientId revokes every link given out. */
function signature(recordingId: number, clientId: string, secret: string): string {
  return createHmac("sha256", `${secret}:${clientId}`)
    .update(`recording:${recordingId}`)
    .digest("base64url")
    .slice(0, SIGNATURE_LENGTH);
}

/** The path (no origin) of a link that plays the recording without a session, e.g. from the CRM. */
export function signRecordingPath(recordingId: number, clientId: string, secret: string): string {
  return `/recordings/${recordingId}/${signature(recordingId, clientId, secret)}`;
}

export function verifyRecordingSignature(recordingId: number, sig: string, clientId: string, secret: string): boolean {
  if (!Number.isSafeInteger(recordingId) || recordingId <= 0) return false;
  const expected = Buffer.from(signature(recordingId, clientId, secret));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
