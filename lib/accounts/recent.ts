import { db } from "@/lib/db/client";
import { TtlCache } from "@/lib/cache/ttl-cache";

/**
 * The ring path (/api/manager, /api/event) reads the same account and settings on every call; a
 * few seconds' memory of them saves two database round trips per request. Changes made through
 * this process (clientId rotation, activity, Asterisk settings) forget it at once; other
 * instances see them within RECENT_MS.
 */
export const RECENT_MS = 5_000;
const MAX_ENTRIES = 10_000;

type Account = NonNullable<Awaited<ReturnType<typeof loadAccount>>>;
type Settings = Awaited<ReturnType<typeof loadSettings>>;

const loadAccount = (clientId: string) => db().account.findUnique({ where: { clientId } });
const loadSettings = (accountId: string) => db().asteriskSettings.findUnique({ where: { accountId } });

const accounts = new TtlCache<Account>(MAX_ENTRIES);
const settings = new TtlCache<Settings>(MAX_ENTRIES);

/** The account with this clientId as read at most RECENT_MS ago (unknown ones are always read afresh). */
export async function recentAccountByClientId(clientId: string): Promise<Account | null> {
  const hit = accounts.get(clientId);
  if (hit) return hit.value;
  const account = await loadAccount(clientId);
  if (account) accounts.set(clientId, account, RECENT_MS, RECENT_MS);
  return account;
}

/** The account's Asterisk settings (null when never saved) as read at most RECENT_MS ago. */
export async function recentAsteriskSettings(accountId: string): Promise<Settings> {
  const hit = settings.get(accountId);
  if (hit) return hit.value;
  const value = await loadSettings(accountId);
  settings.set(accountId, value, RECENT_MS, RECENT_MS);
  return value;
}

export function forgetRecentAccounts(): void {
  accounts.clear();
  settings.clear();
}
