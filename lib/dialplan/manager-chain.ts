import type pg from "pg";
import type { RingManager, RingProfile } from "@/lib/accounts";
import { log } from "@/lib/log";
import { numberKey } from "@/lib/telephony/phone";
import { type CallerAnswer, within } from "./caller-lookup";

/** Who /api/manager sends the caller to: the first extension, and every one to ring together. */
export interface ChainChoice {
  extension: string;
  extensions: string[];
}

const NOBODY: ChainChoice = { extension: "", extensions: [] };

/** Whether a manager who may take calls by their status is free to now (routing over AMI: not on a call). */
export type Free = (extension: string) => Promise<boolean>;

const ALWAYS_FREE: Free = () => Promise.resolve(true);

/** Active and free as changeUserStatusUrl last told (a manager never reported counts as free), with an extension. */
function canTake(manager: RingManager | undefined): manager is RingManager & { extension: string } {
  return (
    manager !== undefined &&
    manager.active &&
    (manager.status === null || manager.status === "free") &&
    manager.extension !== null
  );
}

function byExtension(profile: RingProfile, extension: string): RingManager | undefined {
  for (const manager of profile.managers.values()) if (manager.extension === extension) return manager;
  return undefined;
}

/** Whether the manager of an extension may take a call by their status (one not mapped: as the CRM answered). */
export function mayTake(profile: RingProfile, extension: string): boolean {
  const manager = byExtension(profile, extension);
  return manager === undefined || canTake(manager);
}

/** The extension of the manager who last answered or made a call with this number (our own calls). */
async function lastTalked(pool: pg.Pool, accountId: string, phone: string): Promise<string | null> {
  const key = numberKey(phone);
  if (!key) return null;
  const { rows } = await pool.query<{ extension: string }>({
    name: "manager-chain-last-talked",
    text: `SELECT "extension" FROM "calls" WHERE "accountId" = $1 AND "phoneKey" = $2 AND "result" = 'answered'
      AND "extension" IS NOT NULL ORDER BY "createdAt" DESC LIMIT 1`,
    values: [accountId, key],
  });
  return rows[0]?.extension ?? null;
}

/**
 * The chain of managers (docs/crm-features.md, «Нужный менеджер»): the customer's manager, then
 * the one who last talked with the number, then the admin's managers to ring together; whoever is
 * inactive or not free is skipped, and so is whoever `free` says is busy. Statuses come from the
 * profile (kept by changeUserStatusUrl), the last talk from our own calls: nothing here asks the
 * CRM, and the one database read is bounded by what is left of the caller's budget.
 */
export async function chooseManager(
  pool: pg.Pool,
  accountId: string,
  profile: RingProfile,
  answer: CallerAnswer,
  phone: string,
  budgetMs: number,
  free: Free = ALWAYS_FREE,
): Promise<ChainChoice> {
  const owner =
    answer.managerId !== undefined
      ? profile.managers.get(answer.managerId)
      : answer.extension
        ? byExtension(profile, answer.extension)
        : undefined;
  if (canTake(owner) && (await free(owner.extension)))
    return { extension: owner.extension, extensions: [owner.extension] };

  if (profile.options?.chainLastTalked) {
    const talked = await within(
      lastTalked(pool, accountId, phone).catch((error: unknown) => {
        log.warn({ accountId, err: error }, "finding who last talked with a caller failed");
        return null;
      }),
      budgetMs,
      null,
    );
    const manager = talked === null ? undefined : byExtension(profile, talked);
    if (canTake(manager) && (await free(manager.extension)))
      return { extension: manager.extension, extensions: [manager.extension] };
  }

  const fallback: string[] = [];
  for (const id of profile.options?.chainFallbackUserIds ?? []) {
    const manager = profile.managers.get(id);
    if (canTake(manager) && (await free(manager.extension))) fallback.push(manager.extension);
  }
  return fallback.length > 0 ? { extension: fallback[0]!, extensions: fallback } : NOBODY;
}
