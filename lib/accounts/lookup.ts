import { timingSafeEqual } from "node:crypto";
import { db } from "@/lib/db/client";
import { recentAccountByClientId } from "./recent";
import { Refusal } from "@/lib/http/refusal";
import { GuessThrottle } from "@/lib/security/guess-throttle";
import { sourceAddress } from "@/lib/security/source-address";

const CLIENT_ID = /^[0-9a-f]{64}$/;

// A misconfigured PBX keeps well under this (one miss per call); a guesser hits it at once.
const guesses = new GuessThrottle({ burst: 30, refillPerSecond: 0.5, maxSources: 10_000 });

async function accountWithClientId(clientId: string, recent: boolean) {
  if (!CLIENT_ID.test(clientId)) return null;
  const account = recent
    ? await recentAccountByClientId(clientId)
    : await db().account.findUnique({ where: { clientId } });
  // The index lookup already matched; compare again in constant time so timing says nothing.
  if (!account || !timingSafeEqual(Buffer.from(account.clientId), Buffer.from(clientId))) return null;
  return account;
}

/**
 * The account a clientId belongs to, or null (also for anything that is not a well-formed
 * clientId). Unknown clientIds count against the request's source address; a source over its
 * allowance is refused (too_many_guesses) for any clientId, so a lucky guess cannot be told apart.
 * `recent` accepts the account as read a few seconds ago (see recent.ts), for the ring path.
 */
export async function findAccountByClientId(
  clientId: string | undefined | null,
  request: { headers: Headers },
  { recent = false } = {},
) {
  const source = sourceAddress(request.headers);
  const wait = guesses.retryAfter(source);
  if (wait > 0)
    throw new Refusal("too_many_guesses", `too many unknown clientIds from this address; retry in ${wait} s`, wait);
  if (!clientId) return null;
  const account = await accountWithClientId(clientId, recent);
  if (!account) guesses.recordMiss(source);
  return account;
}

/** The module works only while the CRM reports it active and not frozen. */
export function isModuleEnabled(account: { active: boolean; freeze: boolean }): boolean {
  return account.active && !account.freeze;
}

export type AccountGate =
  | { ok: true; account: NonNullable<Awaited<ReturnType<typeof findAccountByClientId>>> }
  | { ok: false; status: 401 | 403; message: string };

/**
 * The one check of every endpoint a clientId opens (the dialplan's and the CRM's callbacks):
 * an unknown clientId is 401, and where the module must be on (`enabled`), one the CRM switched
 * off or froze is 403, each with the same message everywhere (docs/dialplan-api.md).
 */
export async function accountGate(
  clientId: string | undefined | null,
  request: { headers: Headers },
  { enabled = false, recent = false } = {},
): Promise<AccountGate> {
  const account = await findAccountByClientId(clientId, request, { recent });
  if (!account) return { ok: false, status: 401, message: "unknown clientId" };
  if (enabled && !isModuleEnabled(account)) return { ok: false, status: 403, message: "модуль отключён в retailCRM" };
  return { ok: true, account };
}
