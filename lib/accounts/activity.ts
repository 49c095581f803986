import { z } from "zod";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { crmClientFor } from "./crm-client";
import { normalizeCrmUrl } from "./crm-url";
import { registerModule } from "./module";
import { forgetRecentAccounts } from "./recent";

export const activitySchema = z.object({
  active: z.boolean(),
  freeze: z.boolean().default(false),
});

/** The systemUrl the CRM reports is already the address of another connected account. */
export class SystemUrlTaken extends Error {
  constructor() {
    super("Parameter 'systemUrl' is the address of another account connected to this service");
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === "P2002";

/**
 * The CRM switched the module on or off (or froze it). A new systemUrl is stored and the
 * module re-registered there, as official modules do.
 */
export async function applyActivity(accountId: string, activity: z.infer<typeof activitySchema>, systemUrl?: string) {
  const account = await db().account.findUniqueOrThrow({
    where: { id: accountId },
    include: { users: { where: { extension: { not: null } } } },
  });
  const newUrl = systemUrl ? normalizeCrmUrl(systemUrl) : null;
  const moved = newUrl !== null && newUrl !== account.crmUrl;
  if (moved && (await db().account.count({ where: { crmUrl: newUrl, NOT: { id: accountId } } })))
    throw new SystemUrlTaken();
  const updated = await db()
    .account.update({
      where: { id: accountId },
      data: { active: activity.active, freeze: activity.freeze, ...(moved ? { crmUrl: newUrl } : {}) },
    })
    .catch((error: unknown) => {
      throw isUniqueViolation(error) ? new SystemUrlTaken() : error;
    });
  forgetRecentAccounts();
  log.info({ accountId, active: activity.active, freeze: activity.freeze, moved }, "module activity changed");
  if (moved) {
    const codes = account.users.map((u) => ({ userId: u.crmUserId, code: u.extension! }));
    await registerModule(
      crmClientFor(updated),
      { clientId: updated.clientId, moduleCode: updated.moduleCode, active: activity.active },
      codes,
    ).catch((error: unknown) =>
      log.warn({ accountId, err: error }, "re-registering the module at the new systemUrl failed"),
    );
  }
  return updated;
}
