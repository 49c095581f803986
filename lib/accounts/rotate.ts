import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { newClientId } from "./connect";
import { crmClientFor } from "./crm-client";
import { registerModule } from "./module";
import { forgetRecentAccounts } from "./recent";

/**
 * Replaces the account's clientId: the CRM learns the new one first, then the old one stops
 * working at once (every lookup goes by the stored value). Recording links signed with the
 * old id stop working too.
 */
export async function rotateClientId(accountId: string): Promise<string> {
  const account = await db().account.findUniqueOrThrow({
    where: { id: accountId },
    include: { users: { where: { extension: { not: null } } } },
  });
  const clientId = newClientId();
  const codes = account.users.map((u) => ({ userId: u.crmUserId, code: u.extension! }));
  await registerModule(
    crmClientFor(account),
    { clientId, moduleCode: account.moduleCode, active: account.active },
    codes,
  );
  await db().account.update({ where: { id: accountId }, data: { clientId } });
  forgetRecentAccounts();
  log.info({ accountId }, "clientId rotated");
  return clientId;
}
