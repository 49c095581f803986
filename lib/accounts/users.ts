import { db } from "@/lib/db/client";
import { Refusal } from "@/lib/http/refusal";
import { log } from "@/lib/log";
import { crmErrorMessage } from "./crm-messages";
import { crmClient } from "./crm-client";
import { learnCrmTimeZone } from "./crm-time-zone";
import { syncModule } from "./module";
import { announceAccountChange } from "@/lib/cache/changes";

export interface PhoneRow {
  crmUserId: number;
  name: string;
  email: string | null;
  active: boolean;
  extension: string | null;
  status: string | null;
}

function displayName(u: {
  firstName: string | null;
  lastName: string | null;
  patronymic: string | null;
  email: string | null;
  crmUserId: number;
}) {
  return [u.lastName, u.firstName, u.patronymic].filter(Boolean).join(" ") || u.email || `ID ${u.crmUserId}`;
}

export async function listPhones(accountId: string): Promise<PhoneRow[]> {
  const users = await db().crmUser.findMany({ where: { accountId }, orderBy: { crmUserId: "asc" } });
  return users.map((u) => ({
    crmUserId: u.crmUserId,
    name: displayName(u),
    email: u.email,
    active: u.active,
    extension: u.extension,
    status: u.status,
  }));
}

/** Reads every page of the CRM's users and stores them; extensions already mapped stay. */
/**
 * What «Ваши телефоны» shows: the account's CRM users with their extensions, read from the CRM
 * the first time (an account connects with its users, so that is rare), or why they could not be.
 */
export async function phonesForCabinet(accountId: string): Promise<{ phones: PhoneRow[] } | { error: string }> {
  const phones = await listPhones(accountId);
  if (phones.length > 0) return { phones };
  try {
    await refreshUsers(accountId);
  } catch (error) {
    return { error: await crmErrorMessage(error) };
  }
  return { phones: await listPhones(accountId) };
}

export async function refreshUsers(accountId: string): Promise<number> {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  const client = crmClient(account);
  const users = await client.allUsers();
  await db().$transaction(
    users.map((u) => {
      const data = {
        firstName: u.firstName ?? null,
        lastName: u.lastName ?? null,
        patronymic: u.patronymic ?? null,
        email: u.email ?? null,
        active: u.active,
        status: u.status ?? null,
      };
      return db().crmUser.upsert({
        where: { accountId_crmUserId: { accountId, crmUserId: u.id } },
        create: { accountId, crmUserId: u.id, ...data },
        update: data,
      });
    }),
  );
  await learnCrmTimeZone(accountId, client);
  // Who is active and free may have changed: the chain of managers reads it (docs/crm-features.md).
  await announceAccountChange(accountId, "staff");
  log.info({ accountId, users: users.length }, "CRM users refreshed");
  return users.length;
}

/** The extension belongs to another user (`owner`, null when a concurrent save took it first). */
export class ExtensionTakenError extends Refusal {
  constructor(readonly owner: string | null) {
    super("extension_taken", `extension already taken by ${owner ?? "another user"}`);
    this.name = "ExtensionTakenError";
  }
}

/** The CRM user is not in this account: only the CRM makes users. */
export class UnknownUserError extends Refusal {
  constructor(readonly crmUserId: number) {
    super("unknown_user", `no CRM user ${crmUserId} in this account`);
    this.name = "UnknownUserError";
  }
}

/** «Сохранить» of one row: stores the extension (nothing goes to the CRM yet). */
export async function saveExtension(accountId: string, crmUserId: number, extension: string | null): Promise<void> {
  if (extension) {
    const owner = await db().crmUser.findFirst({ where: { accountId, extension, NOT: { crmUserId } } });
    if (owner) throw new ExtensionTakenError(displayName(owner));
  }
  const updated = await db()
    .crmUser.updateMany({ where: { accountId, crmUserId }, data: { extension } })
    .catch((error: { code?: string }) => {
      throw error.code === "P2002" ? new ExtensionTakenError(null) : error;
    });
  if (updated.count === 0) throw new UnknownUserError(crmUserId);
  // Answers cached for callers name extensions: every instance forgets the account's.
  await announceAccountChange(accountId);
}

/** «Сохранить настройки»: pushes every mapped extension to the CRM as additionalCodes. Returns user ids the CRM does not know. */
export async function pushExtensions(accountId: string): Promise<number[]> {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  const { unknownUsers: unknown } = await syncModule(account);
  log.info({ accountId, unknown: unknown.length }, "extensions pushed to the CRM");
  return unknown;
}
