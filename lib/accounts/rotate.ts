import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { newClientId } from "./connect";
import { syncModule } from "./module";
import { announceAccountChange } from "@/lib/cache/changes";

/**
 * Replaces the account's clientId: the CRM learns the new one first, then the old one stops
 * working at once (every lookup goes by the stored value). Recording links signed with the
 * old id stop working too, and so do the cabinet sessions opened under it (lib/auth/session.ts).
 */
export async function rotateClientId(accountId: string): Promise<string> {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  const clientId = newClientId();
  await syncModule({ ...account, clientId });
  await db().account.update({ where: { id: accountId }, data: { clientId } });
  await announceAccountChange(accountId);
  log.info({ accountId }, "clientId rotated");
  return clientId;
}
