import { dbPool } from "@/lib/db/client";
import { listen, type Listening } from "@/lib/db/listen";
import { log } from "@/lib/log";

/**
 * Changes to an account that caches in every instance must forget at once (docs/caching.md): a
 * clientId rotated, the module switched off, Asterisk settings or extensions saved. The instance
 * that makes one tells every instance through PostgreSQL's NOTIFY on one channel; each keeps a
 * connection that LISTENs. A notification arrives within milliseconds; one missed while that
 * connection was down cannot be known, so on every (re)connection everything is forgotten.
 * (The time between is covered by hearsChanges().)
 */
export const ACCOUNT_CHANGES_CHANNEL = "bridge_account_changes";

/**
 * What changed: "account" is anything (settings, extensions, the clientId, the module); "staff"
 * only who of the managers may take calls (a status in the CRM), which caches of callers' answers
 * do not hold and need not forget.
 */
export type ChangePart = "account" | "staff";

/**
 * An account id, or null for "every account" (after the listener was away); `here` when this
 * instance made the change (shared state, such as rows in the database, is its to clear).
 */
type Handler = (accountId: string | null, here: boolean, part: ChangePart) => void;

const STAFF_PREFIX = "staff:";

type Holder = { handlers: Set<Handler>; listener?: { url: string; listening: Listening } };
const holder = globalThis as typeof globalThis & { __bridgeAccountChanges?: Holder };
const state: Holder = (holder.__bridgeAccountChanges ??= { handlers: new Set() });

function tell(accountId: string | null, here = false, part: ChangePart = "account"): void {
  for (const handler of state.handlers) {
    try {
      handler(accountId, here, part);
    } catch (error) {
      log.error({ err: error }, "a cache could not forget a changed account");
    }
  }
}

/** Starts listening on the current database (again, when tests move to another one). */
function ensureListening(): Listening | undefined {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const current = state.listener;
  if (current && current.url === url) return current.listening;
  current?.listening.close();
  const listening = listen(url, ACCOUNT_CHANGES_CHANNEL, "the account-change listener", {
    notice(payload) {
      if (payload.startsWith(STAFF_PREFIX)) tell(payload.slice(STAFF_PREFIX.length), false, "staff");
      else tell(payload || null);
    },
    // Whatever changed while nobody listened is unknown: forget it all. Until it is back, caches
    // check with the database (hearsChanges() is false) and fall back on what they hold only
    // while the database is away too.
    listening: () => tell(null),
  });
  state.listener = { url, listening };
  return listening;
}

/**
 * Calls `handler` with the id of every account another instance (or this one) changed, and with
 * null whenever changes may have been missed. Starts listening on first use.
 */
export function onAccountChange(handler: Handler): void {
  state.handlers.add(handler);
  ensureListening();
}

/** Whether this instance hears every change now: caches may trust what they hold only then. */
export function hearsChanges(): boolean {
  return ensureListening()?.connected ?? false;
}

/** Tells every instance, this one first, that the account changed: call it once the change is committed. */
export async function announceAccountChange(accountId: string, part: ChangePart = "account"): Promise<void> {
  tell(accountId, true, part);
  await dbPool().query("SELECT pg_notify($1, $2)", [
    ACCOUNT_CHANGES_CHANNEL,
    part === "staff" ? STAFF_PREFIX + accountId : accountId,
  ]);
}
