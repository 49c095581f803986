import { z } from "zod";
import { db } from "@/lib/db/client";
import { syncQueuePause } from "@/lib/asterisk/queue-pause";
import { announceAccountChange } from "@/lib/cache/changes";
import { log } from "@/lib/log";

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

/** changeUserStatusUrl: the CRM reports a manager's status; «Ваши телефоны» shows it. */
export async function applyUserStatus(accountId: string, input: z.infer<typeof userStatusSchema>): Promise<boolean> {
  const updated = await db().crmUser.updateMany({
    where: { accountId, crmUserId: Number(input.userId) },
    data: { status: input.status },
  });
  if (updated.count === 0) {
    await db().crmUser.create({ data: { accountId, crmUserId: Number(input.userId), status: input.status } });
  }
  // The chain of managers skips whoever is not free, on every instance at once (docs/crm-features.md).
  await announceAccountChange(accountId, "staff");
  log.info({ accountId, userId: input.userId, status: input.status }, "manager status changed in the CRM");
  await syncQueuePause(accountId, Number(input.userId), input.status);
  return true;
}
