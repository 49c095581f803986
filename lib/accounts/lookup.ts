import { timingSafeEqual } from "node:crypto";
import { db } from "@/lib/db/client";

const CLIENT_ID = /^[0-9a-f]{64}$/;

/** The account a clientId belongs to, or null (also for anything that is not a well-formed clientId). */
export async function findAccountByClientId(clientId: string | undefined | null) {
  if (!clientId || !CLIENT_ID.test(clientId)) return null;
  const account = await db().account.findUnique({ where: { clientId } });
  // The index lookup already matched; compare again in constant time so timing says nothing.
  if (!account || !timingSafeEqual(Buffer.from(account.clientId), Buffer.from(clientId))) return null;
  return account;
}

/** The module works only while the CRM reports it active and not frozen. */
export function isModuleEnabled(account: { active: boolean; freeze: boolean }): boolean {
  return account.active && !account.freeze;
}
