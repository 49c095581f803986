import { z } from "zod";
import { db } from "@/lib/db/client";
import { syncQueuePause } from "@/lib/asterisk/queue-pause";
import { announceAccountChange } from "@/lib/cache/changes";
import { log } from "@/lib/log";
import { refreshUsers, UnknownUserError } from "./users";

export const userStatusSchema = z.object({
  userId: z
    .string({ error: "parameter userId is required" })
    .trim()
    .regex(/^\d{1,10}$/, "parameter userId must be a number")
    .refine((v) => Number(v) <= 2_147_483_647, "parameter userId is out of range"),
  status: z.enum(["free", "busy", "dinner", "break"], {
    error: "parameter status must be one of free, busy, dinner, break",
  }),
  code: z.string().trim().max(10, "parameter code is too long").optional(),
});

/** How long an account's users read from the CRM for an unknown userId stand before another read (per process). */
const LEARN_USERS_EVERY_MS = 5 * 60_000;

const learning = new Map<string, { at: number; done: Promise<void> }>();

/**
 * Reads the account's users from the CRM (with their statuses), at most once per
 * LEARN_USERS_EVERY_MS in this process; whoever asks meanwhile shares that read. A clientId
 * holder naming made-up userIds therefore costs the CRM one users read per window, not one each.
 */
function learnUsers(accountId: string): Promise<void> {
  const last = learning.get(accountId);
  if (last && Date.now() - last.at < LEARN_USERS_EVERY_MS) return last.done;
  const done = refreshUsers(accountId).then(
    () => undefined,
    (error: unknown) => log.warn({ accountId, err: error }, "reading the CRM's users for an unknown userId failed"),
  );
  learning.set(accountId, { at: Date.now(), done });
  return done;
}

const setStatus = async (accountId: string, input: z.infer<typeof userStatusSchema>) =>
  (
    await db().crmUser.updateMany({
      where: { accountId, crmUserId: Number(input.userId) },
      data: { status: input.status },
    })
  ).count > 0;

/**
 * changeUserStatusUrl: the CRM reports a manager's status; «Ваши телефоны» shows it. A userId the
 * account does not know is looked for in the CRM's users (a manager added since they were read);
 * one the CRM does not have either throws UnknownUserError: only the CRM makes users.
 */
export async function applyUserStatus(accountId: string, input: z.infer<typeof userStatusSchema>): Promise<void> {
  if (!(await setStatus(accountId, input))) {
    await learnUsers(accountId);
    if (!(await setStatus(accountId, input))) throw new UnknownUserError(Number(input.userId));
  }
  // The chain of managers skips whoever is not free, on every instance at once (docs/crm-features.md).
  await announceAccountChange(accountId, "staff");
  log.info({ accountId, userId: input.userId, status: input.status }, "manager status changed in the CRM");
  await syncQueuePause(accountId, Number(input.userId), input.status);
}
