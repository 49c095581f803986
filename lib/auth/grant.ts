import { createHash } from "node:crypto";

/**
 * What a cabinet session was granted under: the account's clientId at the time, as a hash so
 * that the token carries no credential. Rotating the clientId changes it, and every session
 * granted before is refused from then on (docs/security.md, «Сессии кабинета»).
 */
export function sessionGrant(clientId: string): string {
  return createHash("sha256").update(`cabinet-session:${clientId}`).digest("base64url");
}
