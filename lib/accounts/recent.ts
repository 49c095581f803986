import { hearsChanges, onAccountChange } from "@/lib/cache/changes";
import { TtlCache } from "@/lib/cache/ttl-cache";
import { db, dbPool } from "@/lib/db/client";
import { Prisma, type Account, type AsteriskSettings, type CrmOptions } from "@/lib/generated/prisma/client";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { log } from "@/lib/log";

/**
 * The ring path (/api/manager, /api/event) reads the same account and settings on every call;
 * memory of them saves a database round trip per request. A change made on any instance
 * (clientId rotation, activity, Asterisk settings, extensions) is forgotten here as soon as its
 * notification arrives (docs/caching.md). So while this instance hears changes, what it read up
 * to STALE_MS ago is answered at once, and when it was read more than RECENT_MS ago it is read
 * again behind the answer (a row edited behind the service's back shows from then on). While
 * this instance cannot hear changes, it reads the database instead; only while the database is
 * out of reach too does it answer from what it read last (nothing can change then). An account is
 * read with its settings, in one statement: /api/event needs both for nearly every call, and
 * through Prisma they were two round trips and most of the web process's time in Prisma
 * (docs/performance.md, «One statement for the account and its settings»).
 */
export const RECENT_MS = 5_000;
const STALE_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

type Settings = AsteriskSettings | null;

/** A manager as the ring path needs them: their extension and whether they may take a call now. */
export interface RingManager {
  extension: string | null;
  /** The CRM's status as changeUserStatusUrl last told it (null: never told). */
  status: string | null;
  active: boolean;
}

/** What the chain of managers and the stores by number need on the ring path (docs/crm-features.md). */
export interface RingProfile {
  options: CrmOptions | null;
  managers: ReadonlyMap<number, RingManager>;
  stores: readonly { phone: string; siteCode: string }[];
}

// The models' columns by name, as Prisma reads them: a column added by a later migration stays
// out, and a named statement's result never changes shape under an instance still running
// (PostgreSQL refuses such a prepared statement, «cached plan must not change result type»).
const ACCOUNT_COLUMNS = Object.values(Prisma.AccountScalarFieldEnum);
const SETTINGS_COLUMNS = Object.values(Prisma.AsteriskSettingsScalarFieldEnum);
const SETTINGS_AS = "settings.";

const ACCOUNT_SQL = `SELECT ${ACCOUNT_COLUMNS.map((column) => `a."${column}"`).join(", ")},
  ${SETTINGS_COLUMNS.map((column) => `s."${column}" AS "${SETTINGS_AS}${column}"`).join(", ")}
  FROM "accounts" a LEFT JOIN "asterisk_settings" s ON s."accountId" = a."id" WHERE a."clientId" = $1`;
const SETTINGS_SQL = `SELECT ${SETTINGS_COLUMNS.map((column) => `"${column}"`).join(", ")}
  FROM "asterisk_settings" WHERE "accountId" = $1`;

/**
 * The account and its settings, each column as node-postgres decodes it, which is how Prisma
 * returns these models (recent.test.ts compares them).
 */
async function loadAccount(clientId: string): Promise<{ account: Account; settings: Settings } | null> {
  const { rows } = await dbPool().query<Record<string, unknown>>({
    name: "recent-account",
    text: ACCOUNT_SQL,
    values: [clientId],
  });
  const row = rows[0];
  if (!row) return null;
  const account = Object.fromEntries(ACCOUNT_COLUMNS.map((column) => [column, row[column]])) as Account;
  const found = Object.fromEntries(SETTINGS_COLUMNS.map((column) => [column, row[SETTINGS_AS + column]]));
  return { account, settings: found.accountId === null ? null : (found as AsteriskSettings) };
}

async function loadSettings(accountId: string): Promise<Settings> {
  const { rows } = await dbPool().query<AsteriskSettings>({
    name: "recent-settings",
    text: SETTINGS_SQL,
    values: [accountId],
  });
  return rows[0] ?? null;
}

async function loadRingProfile(accountId: string): Promise<RingProfile> {
  const [options, users, stores] = await Promise.all([
    db().crmOptions.findUnique({ where: { accountId } }),
    db().crmUser.findMany({
      where: { accountId },
      select: { crmUserId: true, extension: true, status: true, active: true },
    }),
    db().externalPhone.findMany({ where: { accountId }, select: { phone: true, siteCode: true } }),
  ]);
  return {
    options,
    managers: new Map(users.map(({ crmUserId, ...manager }) => [crmUserId, manager])),
    stores,
  };
}

/** A memory, and the keys being read again behind an answer from it (one reading each at a time). */
interface Memory<V> {
  cache: TtlCache<V>;
  refreshing: Set<string>;
}

const memory = <V>(): Memory<V> => ({ cache: new TtlCache<V>(MAX_ENTRIES), refreshing: new Set() });
const accounts = memory<Account | null>();
const settings = memory<Settings>();
const profiles = memory<RingProfile>();

/**
 * Change notices, numbered as they are heard: the last for every account, and the last of each
 * account (its staff apart). A reading begun before a notice of its account may hold what that
 * change replaced: it answers its own request but is not remembered, or it would undo the
 * notice's forgetting. A staff notice (a manager's status) concerns the ring profile only.
 */
let noticeNumber = 0;
let everyAccountNotice = 0;
const lastNotice = new Map<string, number>();
const staffKey = (accountId: string) => `staff:${accountId}`;

function unchangedSince(number: number, accountId: string, staff: boolean): boolean {
  if (everyAccountNotice > number || (lastNotice.get(accountId) ?? 0) > number) return false;
  return !staff || (lastNotice.get(staffKey(accountId)) ?? 0) <= number;
}

/** Remembers `value`, read from notice number `begun` on, unless a notice of its account came since. */
function remember<V>(
  { cache }: Memory<V>,
  key: string,
  value: V,
  begun: number,
  accountId: string,
  staff = false,
): void {
  if (unchangedSince(begun, accountId, staff)) cache.set(key, value, RECENT_MS, STALE_MS);
}

onAccountChange((accountId, _here, part) => {
  noticeNumber++;
  if (accountId === null || lastNotice.size >= MAX_ENTRIES) {
    // Kept bounded: readings in flight then count as overtaken, which costs them only their memory.
    everyAccountNotice = noticeNumber;
    lastNotice.clear();
  }
  if (accountId === null) return forgetRecentAccounts();
  lastNotice.set(part === "staff" ? staffKey(accountId) : accountId, noticeNumber);
  profiles.cache.deleteWhere((key) => key === accountId);
  if (part === "staff") return;
  accounts.cache.deleteWhere((_, account) => account?.id === accountId);
  settings.cache.deleteWhere((key) => key === accountId);
});

/** Reads `key` and remembers it when `keep` says so and no notice of its account came meanwhile. */
async function read<V>(
  memory: Memory<V>,
  key: string,
  load: () => Promise<V>,
  keep: (value: V) => string | null,
  staff: boolean,
): Promise<V> {
  const begun = noticeNumber;
  const value = await load();
  const accountId = keep(value);
  if (accountId !== null) remember(memory, key, value, begun, accountId, staff);
  return value;
}

/**
 * `keep` names the account a value read belongs to, or null for one not to remember; `staff`:
 * the value holds managers' statuses, which staff notices change.
 */
async function recent<V>(
  memory: Memory<V>,
  key: string,
  load: () => Promise<V>,
  keep: (value: V) => string | null,
  staff = false,
): Promise<V> {
  const hit = memory.cache.get(key);
  if (hit && hearsChanges()) {
    if (!hit.fresh && !memory.refreshing.has(key)) {
      memory.refreshing.add(key);
      read(memory, key, load, keep, staff)
        .catch((error) => {
          if (!isDatabaseUnavailable(error)) log.warn({ err: error }, "a remembered account could not be read again");
        })
        .finally(() => memory.refreshing.delete(key));
    }
    return hit.value;
  }
  try {
    return await read(memory, key, load, keep, staff);
  } catch (error) {
    if (hit && isDatabaseUnavailable(error)) return hit.value;
    throw error;
  }
}

/** The account with this clientId as remembered (unknown ones are always read afresh). */
export function recentAccountByClientId(clientId: string): Promise<Account | null> {
  return recent(
    accounts,
    clientId,
    async () => {
      const begun = noticeNumber;
      const found = await loadAccount(clientId);
      if (!found) return null;
      const { id } = found.account;
      remember(settings, id, found.settings, begun, id);
      return found.account;
    },
    (account) => account?.id ?? null,
  );
}

/** The account's Asterisk settings (null when never saved) as remembered. */
export function recentAsteriskSettings(accountId: string): Promise<Settings> {
  return recent(
    settings,
    accountId,
    () => loadSettings(accountId),
    () => accountId,
  );
}

/** The account's CRM options, managers' statuses and stores by number, as remembered. */
export function recentRingProfile(accountId: string): Promise<RingProfile> {
  return recent(
    profiles,
    accountId,
    () => loadRingProfile(accountId),
    () => accountId,
    true,
  );
}

export function forgetRecentAccounts(): void {
  accounts.cache.clear();
  settings.cache.clear();
  profiles.cache.clear();
}
