import { db, dbPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import { canonicalPattern, type IgnoreListInput } from "@/lib/validations/ignore-list";

/**
 * «Номера без карточки» (docs/crm-features.md): the account's numbers and prefixes whose calls
 * are stored and journalled but go nowhere in the CRM. The ingest statement reads the list with
 * every event (lib/calls/ingest.ts), so a change holds from the next call on, on every instance.
 */

/** The list as the form edits it, and how many calls it kept out of the CRM in the last 30 days. */
export async function loadIgnoreList(accountId: string): Promise<{ form: IgnoreListInput; ignoredLast30Days: number }> {
  const [list, counted] = await Promise.all([
    db().ignoreList.findUnique({ where: { accountId } }),
    // Reads only the account's ignored calls (calls_ignored_idx).
    dbPool().query<{ count: number }>({
      name: "ignored-calls-30-days",
      text: `SELECT count(*)::int AS "count" FROM "calls" WHERE "accountId" = $1 AND "ignored" AND "createdAt" > now() - interval '30 days'`,
      values: [accountId],
    }),
  ]);
  return {
    form: { numbers: (list?.numbers ?? []).map((pattern) => ({ pattern })), hidden: list?.hidden ?? false },
    ignoredLast30Days: counted.rows[0]!.count,
  };
}

/** Replaces the account's list (the input checked by ignoreListSchema). */
export async function saveIgnoreList(accountId: string, input: IgnoreListInput): Promise<void> {
  const data = { numbers: input.numbers.map((row) => canonicalPattern(row.pattern)), hidden: input.hidden };
  await db().ignoreList.upsert({ where: { accountId }, create: { accountId, ...data }, update: data });
  log.info({ accountId, entries: data.numbers.length, hidden: data.hidden }, "ignore list saved");
}
