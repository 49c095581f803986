import { crmClient } from "@/lib/accounts";
import { hearsChanges, onAccountChange } from "@/lib/cache/changes";
import { db, dbPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import { countCallerLookup } from "@/lib/metrics";
import { callerIdName } from "@/lib/telephony/caller-name";
import { normalizePhone } from "@/lib/telephony/phone";
import { TtlCache } from "@/lib/cache/ttl-cache";

export interface CallerAnswer {
  callerId: string;
  extension: string;
  /** The customer's manager in the CRM, when asked for whatever their status (the chain of managers). */
  managerId?: number;
}

/** How the CRM is asked (docs/crm-features.md): in one store's customers, and whether for a manager who is away too. */
export interface LookupScope {
  site?: string;
  anyStatus: boolean;
}

export interface LookupAccount {
  id: string;
  crmUrl: string;
  apiKeyEnc: string;
}

export interface LookupSettings {
  callerIdPrefix: string;
  transliterateNames: boolean;
  countries: string[];
  lookupBudgetMs: number;
}

export const EMPTY_ANSWER: CallerAnswer = { callerId: "", extension: "" };

export const DEFAULT_LOOKUP_SETTINGS: LookupSettings = {
  callerIdPrefix: "",
  transliterateNames: false,
  countries: ["RU"],
  lookupBudgetMs: 1_500,
};

const FRESH_MS = 10 * 60_000;
const STALE_MS = 24 * 60 * 60_000;
// A CRM that failed is not asked again for every caller in a row: misses answer empty meanwhile.
const FAILURE_MS = 30_000;
const SWEEP_EVERY_MS = 10 * 60_000;

const cache = new TtlCache<CallerAnswer>(50_000);
/** Callers the CRM just failed to answer about: it is not asked again about them for FAILURE_MS. */
const failed = new TtlCache<true>(50_000);
const inFlight = new Map<string, Promise<CallerAnswer>>();
/**
 * Bumped when an account changes (or, the epoch, when every account may have): a lookup begun
 * before then keeps its answer to itself.
 */
const generations = new Map<string, number>();
let epoch = 0;
/** Answers on their way into the shared table: clearing it waits for them, or one lands after. */
const sharing = new Set<Promise<void>>();
let lastSweep = 0;

function generation(accountId: string): string {
  return `${epoch}:${generations.get(accountId) ?? 0}`;
}

/** Deletes shared answers once this instance's writes in flight have landed (docs/caching.md). */
async function deleteShared(accountId?: string): Promise<void> {
  await Promise.all([...sharing]);
  if (accountId === undefined) await dbPool().query(`DELETE FROM "caller_answers"`);
  else await dbPool().query(`DELETE FROM "caller_answers" WHERE "accountId" = $1`, [accountId]);
}

// An account changed (extensions saved, settings, rotation) on any instance: its answers go, here
// and, by the instance that made the change, in the shared table too (docs/caching.md).
onAccountChange((accountId, here, part) => {
  if (accountId === null) return forgetHere();
  if (part === "staff") return;
  generations.set(accountId, (generations.get(accountId) ?? 0) + 1);
  cache.deleteWhere((key) => key.startsWith(`${accountId}:`));
  failed.deleteWhere((key) => key.startsWith(`${accountId}:`));
  if (here)
    deleteShared(accountId).catch((error: unknown) =>
      log.warn({ accountId, err: error }, "forgetting the account's callers failed"),
    );
});

function forgetHere(): void {
  epoch += 1;
  cache.clear();
  failed.clear();
}

/** Forgets every caller, in this instance and in the shared table (tests start from nothing). */
export async function clearCallerCache(): Promise<void> {
  forgetHere();
  await deleteShared();
}

interface Shared {
  answer: CallerAnswer;
  fresh: boolean;
}

/** What any instance last learnt of this caller (the second level), or nothing. */
async function readShared(accountId: string, key: string): Promise<Shared | undefined> {
  const { rows } = await dbPool().query<{
    callerId: string;
    extension: string;
    managerId: number | null;
    fresh: boolean;
  }>({
    name: "read-caller-answer",
    text: `SELECT "callerId", "extension", "managerId", "freshUntil" > now() AS "fresh" FROM "caller_answers"
      WHERE "accountId" = $1 AND "key" = $2 AND "staleUntil" > now()`,
    values: [accountId, key],
  });
  const row = rows[0];
  if (!row) return undefined;
  const answer: CallerAnswer = { callerId: row.callerId, extension: row.extension };
  if (row.managerId !== null) answer.managerId = row.managerId;
  return { answer, fresh: row.fresh };
}

function writeShared(accountId: string, key: string, answer: CallerAnswer): void {
  const now = Date.now();
  const write = dbPool()
    .query({
      name: "write-caller-answer",
      text: `INSERT INTO "caller_answers" ("accountId", "key", "callerId", "extension", "managerId", "freshUntil", "staleUntil")
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT ("accountId", "key") DO UPDATE SET "callerId" = EXCLUDED."callerId", "extension" = EXCLUDED."extension",
          "managerId" = EXCLUDED."managerId", "freshUntil" = EXCLUDED."freshUntil", "staleUntil" = EXCLUDED."staleUntil"`,
      values: [
        accountId,
        key,
        answer.callerId,
        answer.extension,
        answer.managerId ?? null,
        new Date(now + FRESH_MS),
        new Date(now + STALE_MS),
      ],
    })
    .then(
      () => undefined,
      (error: unknown) => log.warn({ accountId, err: error }, "sharing a caller's answer failed"),
    )
    .finally(() => sharing.delete(write));
  sharing.add(write);
  if (now - lastSweep > SWEEP_EVERY_MS) {
    lastSweep = now;
    void dbPool()
      .query(`DELETE FROM "caller_answers" WHERE "staleUntil" < now()`)
      .catch((error: unknown) => log.warn({ err: error }, "sweeping expired caller answers failed"));
  }
}

async function askCrm(
  account: LookupAccount,
  settings: LookupSettings,
  phone: string,
  scope: LookupScope,
): Promise<CallerAnswer> {
  const reply = await crmClient(account).telephonyManager(phone, {
    details: true,
    ignoreStatus: scope.anyStatus,
    site: scope.site,
  });
  let extension = reply.manager?.code ?? "";
  if (!extension && reply.manager?.id !== undefined) {
    const user = await db().crmUser.findUnique({
      where: { accountId_crmUserId: { accountId: account.id, crmUserId: reply.manager.id } },
    });
    extension = user?.extension ?? "";
  }
  const callerId = callerIdName(reply.customer ?? null, {
    prefix: settings.callerIdPrefix,
    transliterate: settings.transliterateNames,
  });
  const answer: CallerAnswer = { callerId, extension: /^\d{1,10}$/.test(extension) ? extension : "" };
  if (scope.anyStatus && reply.manager?.id !== undefined) answer.managerId = reply.manager.id;
  return answer;
}

function refresh(
  key: string,
  account: LookupAccount,
  settings: LookupSettings,
  phone: string,
  scope: LookupScope,
): Promise<CallerAnswer> {
  const running = inFlight.get(key);
  if (running) return running;
  const begun = generation(account.id);
  const lookup = askCrm(account, settings, phone, scope)
    .then((answer) => {
      // The account changed while the CRM was asked: the answer may be of the old settings.
      if (generation(account.id) !== begun) return answer;
      cache.set(key, answer, FRESH_MS, STALE_MS);
      writeShared(account.id, cacheKey(key), answer);
      return answer;
    })
    .catch((error: unknown) => {
      log.warn({ accountId: account.id, err: error }, "caller lookup in the CRM failed; answering empty");
      failed.set(key, true, FAILURE_MS, FAILURE_MS);
      return EMPTY_ANSWER;
    })
    .finally(() => inFlight.delete(key));
  inFlight.set(key, lookup);
  return lookup;
}

/** The shared table's key: the in-process key without the account, which has a column of its own. */
function cacheKey(key: string): string {
  return key.slice(key.indexOf(":") + 1);
}

/** `work`, or `otherwise` once `ms` have passed (the work goes on in the background). */
export function within<T>(work: Promise<T>, ms: number, otherwise: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(otherwise), ms);
  });
  return Promise.race([work, budget]).finally(() => clearTimeout(timer));
}

/**
 * Who is calling and which extension owns them. Answers from this instance's memory when it can,
 * then from what any instance learnt (the shared table), and otherwise asks the CRM but never
 * waits longer than the account's budget: then it answers empty and lets the lookup finish in the
 * background to fill both levels for the next call. A known answer past its freshness is given at
 * once while a refresh runs, so a CRM that hangs never holds a caller it has seen before.
 */
export async function lookupCaller(
  account: LookupAccount,
  settings: LookupSettings,
  rawPhone: string,
  scope: LookupScope = { anyStatus: false },
): Promise<CallerAnswer> {
  const started = Date.now();
  const phone = normalizePhone(rawPhone, settings.countries);
  if (!phone) {
    countCallerLookup("invalid");
    return EMPTY_ANSWER;
  }
  const asked = `${scope.anyStatus ? "a" : "f"}:${scope.site ?? ""}`;
  const key = `${account.id}:${settings.transliterateNames ? "t" : "u"}:${settings.callerIdPrefix}:${asked}:${phone}`;
  const cached = cache.get(key);
  const trusted = hearsChanges();
  if (cached?.fresh && trusted) {
    countCallerLookup("memory");
    return cached.value;
  }
  let shared: Shared | undefined;
  let known = trusted ? cached?.value : undefined;
  try {
    shared = await within(readShared(account.id, cacheKey(key)), settings.lookupBudgetMs, undefined);
  } catch (error) {
    // The database is away, so nothing can have changed: what this instance knows still holds.
    known = cached?.value;
    log.warn({ accountId: account.id, err: error }, "reading shared caller answers failed");
  }
  if (shared?.fresh) {
    countCallerLookup("shared");
    cache.set(key, shared.answer, FRESH_MS, STALE_MS);
    return shared.answer;
  }
  const lookup = failed.get(key) ? undefined : refresh(key, account, settings, phone, scope);
  const fallback = shared?.answer ?? known;
  countCallerLookup(fallback ? "stale" : lookup ? "crm" : "skipped");
  if (fallback) return fallback;
  if (!lookup) return EMPTY_ANSWER;
  return within(lookup, Math.max(0, settings.lookupBudgetMs - (Date.now() - started)), EMPTY_ANSWER);
}
