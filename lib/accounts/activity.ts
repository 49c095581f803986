import { z } from "zod";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { crmClientFor } from "./crm-client";
import { normalizeCrmUrl } from "@/lib/retailcrm/crm-url";
import { syncModule } from "./module";
import { announceAccountChange } from "@/lib/cache/changes";

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

/** A new systemUrl that the CRM at the account's address does not name as its own. */
export class SystemUrlUnconfirmed extends Error {
  constructor(reason: string) {
    super(
      `Parameter 'systemUrl' is not confirmed: ${reason}. The account keeps its address; ` +
        "to move it, sign in to the cabinet again with the new CRM address and an API key",
    );
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === "P2002";

/**
 * Whether the CRM the admin signed in at names `newUrl` as one of its own addresses (its public
 * or technical URL). The callback that reports a new address is authenticated by the clientId
 * alone, which is no secret; the stored API key is sent only where the account's own CRM points
 * (docs/security.md, «Адрес CRM»).
 */
async function confirmMove(account: { id: string; crmUrl: string; apiKeyEnc: string }, newUrl: string): Promise<void> {
  let info;
  try {
    info = await crmClientFor(account).systemInfo();
  } catch (error) {
    throw new SystemUrlUnconfirmed(`the CRM at ${account.crmUrl} could not be asked (${(error as Error).message})`);
  }
  const own = [info.publicUrl, info.technicalUrl].map((url) => (url ? normalizeCrmUrl(url) : null));
  if (!own.includes(newUrl))
    throw new SystemUrlUnconfirmed(`the CRM at ${account.crmUrl} does not name ${newUrl} as its address`);
}

/**
 * The CRM switched the module on or off (or froze it). A new systemUrl is taken only when the
 * CRM at the current address confirms it; the module is then re-registered there, as official
 * modules do. Refused, nothing changes.
 */
export async function applyActivity(accountId: string, activity: z.infer<typeof activitySchema>, systemUrl?: string) {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  const newUrl = systemUrl ? normalizeCrmUrl(systemUrl) : null;
  const moved = newUrl !== null && newUrl !== account.crmUrl;
  if (moved) {
    if (await db().account.count({ where: { crmUrl: newUrl, NOT: { id: accountId } } })) throw new SystemUrlTaken();
    await confirmMove(account, newUrl);
  }
  const updated = await db()
    .account.update({
      where: { id: accountId },
      data: { active: activity.active, freeze: activity.freeze, ...(moved ? { crmUrl: newUrl } : {}) },
    })
    .catch((error: unknown) => {
      throw isUniqueViolation(error) ? new SystemUrlTaken() : error;
    });
  await announceAccountChange(accountId);
  log.info({ accountId, active: activity.active, freeze: activity.freeze, moved }, "module activity changed");
  if (moved) {
    await syncModule(updated).catch((error: unknown) =>
      log.warn({ accountId, err: error }, "re-registering the module at the new systemUrl failed"),
    );
  }
  return updated;
}
