import { signSubject, verifySubject } from "@/lib/crypto/signed-path";
import { env } from "@/lib/env";

/**
 * The public link to a call's transcript (docs/transcripts.md, «Note»): `/transcripts/c<callId>/<sig>`,
 * signed as recording links are, under another subject, so neither opens the other.
 */
const subject = (callId: number) => `transcript:${callId}`;

export function signTranscriptPath(callId: number, clientId: string, secret: string): string {
  return `/transcripts/c${callId}/${signSubject(subject(callId), clientId, secret)}`;
}

export function verifyTranscriptSignature(callId: number, sig: string, clientId: string, secret: string): boolean {
  if (!Number.isSafeInteger(callId) || callId <= 0) return false;
  return verifySubject(subject(callId), sig, clientId, secret);
}

/** The link a note gives, with the service's public address (revoked by rotating the clientId). */
export function transcriptUrl(callId: number, clientId: string): string {
  return env().PUBLIC_URL + signTranscriptPath(callId, clientId, env().ENCRYPTION_KEY);
}
