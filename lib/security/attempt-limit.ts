import { dbPool } from "@/lib/db/client";

export interface Allowance {
  key: string;
  /** Attempts that may come at once. */
  burst: number;
  /** Attempts per second earned back. */
  perSecond: number;
}

// A full allowance for a key seen for the first time, so that its row can be locked.
const ENSURE_SQL = `
  INSERT INTO "rate_limit_buckets" ("key", "tokens", "refreshedAt") VALUES ($1, $2::float8, clock_timestamp())
  ON CONFLICT ("key") DO NOTHING`;
// Tokens as they stand now: earned back since the last attempt, up to the burst. The column keeps
// milliseconds, so a time stored rounded up lies ahead of the clock for up to half of one: an
// attempt right behind another would count that as negative time and lose what is left.
const EARNED = `LEAST($2::float8, b."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (clock_timestamp() - b."refreshedAt"))) * $3::float8)`;
const TOKENS_SQL = `SELECT ${EARNED} AS "tokens" FROM "rate_limit_buckets" b WHERE "key" = $1`;
const LOCK_SQL = `${TOKENS_SQL} FOR UPDATE`;
const TAKE_SQL = `UPDATE "rate_limit_buckets" SET "tokens" = $2::float8 - 1, "refreshedAt" = clock_timestamp() WHERE "key" = $1`;
const GIVE_BACK_SQL = `UPDATE "rate_limit_buckets" SET "tokens" = "tokens" + 1 WHERE "key" = ANY($1::text[])`;
// One allowance needs no transaction: the upsert locks its row, earns the tokens back and takes
// one in one statement, or returns nothing and leaves the row as it was when none is left.
const TAKE_ONE_SQL = `
  INSERT INTO "rate_limit_buckets" AS b ("key", "tokens", "refreshedAt") VALUES ($1, $2::float8 - 1, clock_timestamp())
  ON CONFLICT ("key") DO UPDATE SET "tokens" = ${EARNED} - 1, "refreshedAt" = clock_timestamp() WHERE ${EARNED} >= 1
  RETURNING 1`;
// Spent allowances of the past are full again by now: their rows only take room.
const FORGET_SQL = `DELETE FROM "rate_limit_buckets" WHERE "key" LIKE $1 AND "refreshedAt" < clock_timestamp() - interval '1 day'`;

/**
 * Takes one attempt from every allowance, or from none when any is spent, atomically (one
 * statement for one allowance, a transaction for several): all instances of the service share
 * the allowances (PostgreSQL), and attempts that arrive together cannot all pass before the
 * first is counted. Returns 0 when the attempt may go on,
 * otherwise the seconds until it may be tried again.
 */
export async function takeAttempt(allowances: Allowance[]): Promise<number> {
  if (allowances.length === 1) return takeOne(allowances[0]!);
  const client = await dbPool().connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const now: { allowance: Allowance; tokens: number }[] = [];
    // Locked in one order, so that two attempts naming the same allowances cannot deadlock.
    for (const allowance of [...allowances].sort((a, b) => a.key.localeCompare(b.key))) {
      await client.query(ENSURE_SQL, [allowance.key, allowance.burst]);
      const { rows } = await client.query<{ tokens: number }>(LOCK_SQL, [
        allowance.key,
        allowance.burst,
        allowance.perSecond,
      ]);
      now.push({ allowance, tokens: rows[0]!.tokens });
    }
    const wait = Math.max(
      0,
      ...now.map(({ allowance, tokens }) => (tokens >= 1 ? 0 : Math.ceil((1 - tokens) / allowance.perSecond))),
    );
    if (wait === 0) for (const { allowance, tokens } of now) await client.query(TAKE_SQL, [allowance.key, tokens]);
    await client.query("COMMIT");
    return wait;
  } catch (error) {
    await client.query("ROLLBACK").catch((failure: Error) => (broken = failure));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** takeAttempt of one allowance: one round trip when it is taken (the CDR of every PBX, each minute). */
async function takeOne({ key, burst, perSecond }: Allowance): Promise<number> {
  const { rowCount } = await dbPool().query(TAKE_ONE_SQL, [key, burst, perSecond]);
  if (rowCount) return 0;
  const { rows } = await dbPool().query<{ tokens: number }>(TOKENS_SQL, [key, burst, perSecond]);
  return Math.max(1, Math.ceil((1 - (rows[0]?.tokens ?? 0)) / perSecond));
}

/**
 * Returns an attempt taken by takeAttempt, for attempts that should not count once their
 * outcome is known (a sign-in that succeeded). LOCK_SQL caps the tokens at the burst again.
 */
export async function giveBackAttempt(allowances: Allowance[]): Promise<void> {
  await dbPool().query(GIVE_BACK_SQL, [allowances.map((a) => a.key)]);
}

/** Drops the rows of allowances under `prefix` that have been full for a day. */
export async function forgetOldAttempts(prefix: string): Promise<void> {
  await dbPool().query(FORGET_SQL, [`${prefix}%`]);
}
