import { crmClientFor } from "@/lib/accounts/crm-client";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { callerIdName } from "@/lib/telephony/caller-name";
import { normalizePhone } from "@/lib/telephony/phone";
import { TtlCache } from "@/lib/cache/ttl-cache";

export interface CallerAnswer {
  callerId: string;
  extension: string;
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

const cache = new TtlCache<CallerAnswer>(50_000);
const inFlight = new Map<string, Promise<CallerAnswer>>();

export function clearCallerCache(): void {
  cache.clear();
}

async function askCrm(account: LookupAccount, settings: LookupSettings, phone: string): Promise<CallerAnswer> {
  const reply = await crmClientFor(account).telephonyManager(phone, { details: true });
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
  return { callerId, extension: /^\d{1,10}$/.test(extension) ? extension : "" };
}

function refresh(key: string, account: LookupAccount, settings: LookupSettings, phone: string): Promise<CallerAnswer> {
  const running = inFlight.get(key);
  if (running) return running;
  const lookup = askCrm(account, settings, phone)
    .then((answer) => {
      cache.set(key, answer, FRESH_MS, STALE_MS);
      return answer;
    })
    .catch((error: unknown) => {
      log.warn({ accountId: account.id, err: error }, "caller lookup in the CRM failed; answering empty");
      cache.set(key, EMPTY_ANSWER, FAILURE_MS, FAILURE_MS);
      return EMPTY_ANSWER;
    })
    .finally(() => inFlight.delete(key));
  inFlight.set(key, lookup);
  return lookup;
}

/**
 * Who is calling and which extension owns them. Answers from the cache when it can; otherwise
 * asks the CRM but never waits longer than the account's budget: then it answers empty and
 * lets the lookup finish in the background to fill the cache for the next call.
 */
export async function lookupCaller(
  account: LookupAccount,
  settings: LookupSettings,
  rawPhone: string,
): Promise<CallerAnswer> {
  const phone = normalizePhone(rawPhone, settings.countries);
  if (!phone) return EMPTY_ANSWER;
  const key = `${account.id}:${settings.transliterateNames ? "t" : "u"}:${settings.callerIdPrefix}:${phone}`;
  const cached = cache.get(key);
  if (cached?.fresh) return cached.value;
  const lookup = refresh(key, account, settings, phone);
  if (cached) return cached.value;
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<CallerAnswer>((resolve) => {
    timer = setTimeout(() => resolve(EMPTY_ANSWER), settings.lookupBudgetMs);
  });
  try {
    return await Promise.race([lookup, budget]);
  } finally {
    clearTimeout(timer);
  }
}
