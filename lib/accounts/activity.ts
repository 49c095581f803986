import { z } from "zod";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { crmClientFor } from "./crm-client";
import { normalizeCrmUrl } from "./crm-url";
import { registerModule } from "./module";

export const activitySchema = z.object({
  active: z.boolean(),
  freeze: z.boolean().default(false),
});

/**
 * The CRM switched the module on or off (or froze it). A new systemUrl is stored and the
 * module re-registered there, as official modules do.
 */
export async function applyActivity(accountId: string, activity: z.infer<typeof activitySchema>, systemUrl?: string) {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId }, include: { users: { where: { extension: { not: null } } } } });
  const newUrl = systemUrl ? normalizeCrmUrl(systemUrl) : null;
  const moved = newUrl !== null && newUrl !== account.crmUrl;
  const updated = await db().account.update({
    where: { id: accountId },
    data: { active: activity.active, freeze: activity.freeze, ...(moved ? { crmUrl: newUrl } : {}) },
  });
  log.info({ accountId, active: activity.active, freeze: activity.freeze, moved }, "module activity changed");
  if (moved) {
    const codes = account.users.map((u) => ({ userId: u.crmUserId, code: u.extension! }));
    await registerModule(crmClientFor(updated), { clientId: updated.clientId, moduleCode: updated.moduleCode, active: activity.active }, codes).catch(
      (error: unknown) => log.warn({ accountId, err: error }, "re-registering the module at the new systemUrl failed"),
    );
  }
  return updated;
}
