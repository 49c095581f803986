import { z } from "zod";
import { db } from "@/lib/db/client";
import { Refusal } from "@/lib/http/refusal";
import { log } from "@/lib/log";
import { crmClient } from "./crm-client";
import { normalizeCrmUrl } from "@/lib/retailcrm/crm-url";
import { syncModule } from "./module";
import { announceAccountChange } from "@/lib/cache/changes";

export const activitySchema = z.object({
  active: z.boolean(),
  freeze: z.boolean().default(false),
});

type Activity = z.infer<typeof activitySchema>;

/** The systemUrl the CRM reports is already the address of another connected account. */
const systemUrlTaken = () =>
  new Refusal("system_url_taken", "Parameter 'systemUrl' is the address of another account connected to this service");

/** A new systemUrl that is not confirmed both by the CRM being left and by the CRM being moved to. */
const systemUrlUnconfirmed = (reason: string) =>
  new Refusal(
    "system_url_unconfirmed",
    `Parameter 'systemUrl' is not confirmed: ${reason}. The account keeps its address; ` +
      "to move it, sign in to the cabinet again with the new CRM address and an API key",
  );

/** A callback that would switch the module back on, which the CRM itself does not confirm. */
const activityUnconfirmed = (reason: string) =>
  new Refusal(
    "activity_unconfirmed",
    `Parameter 'activity' is not confirmed: ${reason}. The module stays switched off; ` +
      "sign in to the cabinet with the CRM address and an API key to switch it on",
  );

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === "P2002";

interface StoredAccount {
  id: string;
  crmUrl: string;
  apiKeyEnc: string;
  moduleCode: string;
  clientId: string;
  active: boolean;
  freeze: boolean;
}

/**
 * The module as the CRM at `crmUrl` keeps it, asked with the account's stored key: the CRM's own
 * word on whether it is on. It proves the CRM is this account's installation only when the key
 * is accepted there and the module it names has this account's clientId (or does not echo one).
 */
async function moduleAt(account: StoredAccount, crmUrl: string): Promise<Activity> {
  const { integrationModule: module } = await crmClient({ ...account, crmUrl }).integrationModule(account.moduleCode);
  if (module.clientId !== undefined && module.clientId !== account.clientId)
    throw new Error("the module there was registered with another clientId");
  return { active: module.active, freeze: module.freeze ?? false };
}

const reason = (error: unknown) => (error as Error).message;

/**
 * Whether a move to `newUrl` is the same installation moving (docs/security.md, «Адрес CRM»).
 * The CRM being left must name the new address as one of its own (public or technical URL):
 * otherwise the stored key is not sent there at all. The CRM being moved to must then accept
 * the key and know this module with this clientId: a CRM that merely points elsewhere, such as
 * one an attacker connected, cannot move an account onto an address nobody proved. Returns the
 * module's state as the new address reports it.
 */
async function confirmMove(account: StoredAccount, newUrl: string): Promise<Activity> {
  let info;
  try {
    info = await crmClient(account).systemInfo();
  } catch (error) {
    throw systemUrlUnconfirmed(`the CRM at ${account.crmUrl} could not be asked (${reason(error)})`);
  }
  const own = [info.publicUrl, info.technicalUrl].map((url) => (url ? normalizeCrmUrl(url) : null));
  if (!own.includes(newUrl))
    throw systemUrlUnconfirmed(`the CRM at ${account.crmUrl} does not name ${newUrl} as its address`);
  try {
    return await moduleAt(account, newUrl);
  } catch (error) {
    throw systemUrlUnconfirmed(`the CRM at ${newUrl} does not know this module (${reason(error)})`);
  }
}

/**
 * The state to apply. The callback is authenticated by the clientId alone, which is no secret, so
 * the CRM's own record of the module decides. When the CRM cannot be asked, a callback that
 * switches the module off or freezes it is taken as it came (it gives nobody anything), and one
 * that would switch it on is refused.
 */
async function confirmedActivity(account: StoredAccount, claimed: Activity): Promise<Activity> {
  try {
    return await moduleAt(account, account.crmUrl);
  } catch (error) {
    const enabling = claimed.active && !claimed.freeze && !(account.active && !account.freeze);
    if (enabling) throw activityUnconfirmed(`the CRM at ${account.crmUrl} could not confirm it (${reason(error)})`);
    log.warn({ accountId: account.id, err: error }, "the CRM could not be asked about the module; taking the callback");
    return claimed;
  }
}

/**
 * The CRM switched the module on or off (or froze it), maybe at a new address. The state applied
 * is the CRM's own; a new address is taken only when both CRMs confirm it, and the module is then
 * re-registered there, as official modules do. Switching off or freezing ends every cabinet
 * session for good (docs/security.md, «Сессии кабинета»). Refused, nothing changes.
 */
export async function applyActivity(accountId: string, claimed: Activity, systemUrl?: string) {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  const newUrl = systemUrl ? normalizeCrmUrl(systemUrl) : null;
  const moved = newUrl !== null && newUrl !== account.crmUrl;
  let activity: Activity;
  if (moved) {
    if (await db().account.count({ where: { crmUrl: newUrl, NOT: { id: accountId } } })) throw systemUrlTaken();
    activity = await confirmMove(account, newUrl);
  } else {
    activity = await confirmedActivity(account, claimed);
  }
  if (activity.active !== claimed.active || activity.freeze !== claimed.freeze)
    log.warn({ accountId, claimed, confirmed: activity }, "the activity callback differs from the CRM's own record");
  const sessionsEnd = (!activity.active && account.active) || (activity.freeze && !account.freeze);
  const updated = await db()
    .account.update({
      where: { id: accountId },
      data: {
        active: activity.active,
        freeze: activity.freeze,
        ...(moved ? { crmUrl: newUrl, crmUrlMoved: true } : {}),
        ...(sessionsEnd ? { sessionEpoch: { increment: 1 } } : {}),
      },
    })
    .catch((error: unknown) => {
      throw isUniqueViolation(error) ? systemUrlTaken() : error;
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
