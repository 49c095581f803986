import { z } from "zod";
import { crmClient, crmErrorMessage, syncModule } from "@/lib/accounts";
import { announceAccountChange } from "@/lib/cache/changes";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { numberKey } from "@/lib/telephony/phone";

/**
 * Stores by number (docs/crm-features.md, «Магазины по номерам»): the company's numbers (DIDs)
 * and the retailCRM store each belongs to, matched by numberKey.
 */

export interface StoreNumber {
  phone: string;
  siteCode: string;
}

/** The mapped entry of a number the PBX or the CRM named, if the admin mapped it. */
export function storeOf(stores: readonly StoreNumber[], phone: string | undefined): StoreNumber | undefined {
  const key = phone ? numberKey(phone) : "";
  return key ? stores.find((store) => numberKey(store.phone) === key) : undefined;
}

/** The numbers as the cabinet sends them; messages are keys (validationText). */
export const storeNumbersSchema = z
  .array(
    z.object({
      phone: z
        .string()
        .trim()
        .regex(/^\+?[0-9 ()-]+$/, "crm.stores.validation.phoneFormat")
        .refine((v) => v.replace(/\D/g, "").length >= 5, "crm.stores.validation.phoneTooShort")
        .refine((v) => v.replace(/\D/g, "").length <= 15, "crm.stores.validation.phoneTooLong"),
      siteCode: z
        .string()
        .trim()
        .min(1, "crm.stores.validation.siteRequired")
        .max(255, "crm.stores.validation.siteTooLong"),
    }),
  )
  .max(200, "crm.stores.validation.tooMany")
  .superRefine((rows, ctx) => {
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      const key = numberKey(row.phone);
      if (seen.has(key))
        ctx.addIssue({ code: "custom", path: [i, "phone"], message: "crm.stores.validation.duplicate" });
      seen.add(key);
    });
  });

/** The number as stored and registered: its digits, with the + when it was written with one. */
function canonical(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return phone.trim().startsWith("+") ? `+${digits}` : digits;
}

export interface StoresView {
  numbers: StoreNumber[];
  /** The CRM's stores, or why they could not be read (the admin may then type a code). */
  sites: { code: string; name: string }[] | { error: string };
}

/** The mapping and the CRM's stores, for the cabinet. */
export async function storesForCabinet(accountId: string): Promise<StoresView> {
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  const numbers = await db().externalPhone.findMany({
    where: { accountId },
    orderBy: { phone: "asc" },
    select: { phone: true, siteCode: true },
  });
  try {
    const { sites } = await crmClient(account).sites();
    return { numbers, sites: sites.map((site) => ({ code: site.code, name: site.name ?? site.code })) };
  } catch (error) {
    log.warn({ accountId, err: error }, "reading the CRM's stores failed");
    return { numbers, sites: { error: await crmErrorMessage(error) } };
  }
}

/**
 * Replaces the account's numbers and registers them with the CRM (externalPhones). Returns the
 * store codes the CRM does not know. When the CRM refuses, nothing is kept: the two stay alike.
 */
export async function saveStoreNumbers(accountId: string, input: StoreNumber[]): Promise<string[]> {
  const rows = input.map((row) => ({ accountId, phone: canonical(row.phone), siteCode: row.siteCode.trim() }));
  const before = await db().externalPhone.findMany({ where: { accountId } });
  await db().$transaction([
    db().externalPhone.deleteMany({ where: { accountId } }),
    db().externalPhone.createMany({ data: rows }),
  ]);
  const account = await db().account.findUniqueOrThrow({ where: { id: accountId } });
  let unknown: string[];
  try {
    unknown = (await syncModule(account)).unknownSites;
  } catch (error) {
    await db().$transaction([
      db().externalPhone.deleteMany({ where: { accountId } }),
      db().externalPhone.createMany({ data: before }),
    ]);
    throw error;
  }
  await announceAccountChange(accountId);
  log.info({ accountId, numbers: rows.length, unknownSites: unknown.length }, "store numbers saved");
  return unknown;
}
