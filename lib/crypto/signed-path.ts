import { createHmac, timingSafeEqual } from "node:crypto";

const SIGNATURE_LENGTH = 32;

/**
 * The signature of a public link's subject (e.g. `recording:42`, `transcript:7`): HMAC-SHA256
 * keyed by the service's secret and the account's clientId, so rotating the clientId revokes
 * every link given out (docs/security.md). 32 base64url characters.
 */
export function signSubject(subject: string, clientId: string, secret: string): string {
  return createHmac("sha256", `${secret}:${clientId}`).update(subject).digest("base64url").slice(0, SIGNATURE_LENGTH);
}

/** Whether `sig` is the subject's signature, compared in constant time. */
export function verifySubject(subject: string, sig: string, clientId: string, secret: string): boolean {
  const expected = Buffer.from(signSubject(subject, clientId, secret));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
