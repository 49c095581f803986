import type pg from "pg";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { LOCALES, type Locale } from "@/lib/i18n/config";
import { translatorFor } from "@/lib/i18n/translate";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { normalizePhone, numberKey } from "@/lib/telephony/phone";

/**
 * New callers become customers (docs/crm-features.md, «Новые клиенты»). An incoming call first
 * heard of owes a NEW_CUSTOMER request before its card (lib/calls/ingest.ts); its account's
 * delivery lane sends it. One row per number in new_customers is the claim: whichever request
 * inserts it asks the CRM, every other request for the number is answered from it, on any
 * process of any instance.
 */

/** The caller, as the NEW_CUSTOMER delivery is built from the stored call. */
export interface NewCaller {
  phone: string;
  /** The store of the number it came in on, when the admin mapped it. */
  site?: string;
}

export type CustomerOutcome =
  | { action: "created"; customerId: number }
  | { action: "skipped"; reason: "option-off" }
  /** The CRM had a customer with the number, or another request of ours made or is making one. */
  | { action: "skipped"; reason: "known" | "claimed"; customerId?: number };

/** A claim older than this was left by a process that died mid-way: it is taken over (the lookup comes first, so nothing is made twice). */
const STALE_CLAIM = "2 minutes";

/** The name an account starts with, its placeholder left for customerName() to fill. */
export function defaultCustomerName(locale: Locale): string {
  return translatorFor(locale, "crmTexts")("newCustomerName", { phone: "{phone}" });
}

/**
 * The number written internationally, as people read it: "+7 900 123-45-67" in Russia and
 * Kazakhstan (libphonenumber spaces the last groups: "+7 900 123 45 67"), its international
 * format elsewhere, as it came when it is no phone number.
 */
function readablePhone(phone: string): string {
  const digits = normalizePhone(phone);
  const parsed = digits ? parsePhoneNumberFromString(`+${digits}`) : undefined;
  if (!parsed) return phone;
  const national = parsed.nationalNumber;
  if (parsed.countryCallingCode === "7" && national.length === 10)
    return `+7 ${national.slice(0, 3)} ${national.slice(3, 6)}-${national.slice(6, 8)}-${national.slice(8)}`;
  return parsed.formatInternational();
}

function customerName(template: string, phone: string): string {
  return template
    .replace(/\{phone\}/g, readablePhone(phone))
    .replace(/ {2,}/g, " ")
    .trim();
}

/**
 * Takes the number's claim: a new row, or one a dead process left. False when another request
 * holds it or it is settled.
 */
async function claim(pool: pg.Pool, accountId: string, key: string): Promise<boolean> {
  const { rowCount } = await pool.query({
    name: "new-customer-claim",
    text: `INSERT INTO "new_customers" ("accountId", "phoneKey", "state") VALUES ($1, $2, 'claimed')
      ON CONFLICT ("accountId", "phoneKey") DO UPDATE SET "claimedAt" = now(), "updatedAt" = now()
      WHERE "new_customers"."state" = 'claimed' AND "new_customers"."claimedAt" < now() - interval '${STALE_CLAIM}'`,
    values: [accountId, key],
  });
  return rowCount === 1;
}

async function settle(pool: pg.Pool, accountId: string, key: string, state: "created" | "known", customerId?: number) {
  await pool.query({
    name: "new-customer-settle",
    text: `UPDATE "new_customers" SET "state" = $3, "crmCustomerId" = $4, "updatedAt" = now() WHERE "accountId" = $1 AND "phoneKey" = $2`,
    values: [accountId, key, state, customerId ?? null],
  });
}

/**
 * Makes a customer of the caller unless the CRM knows the number (telephony/manager, in the
 * store called) or the number's claim is taken. A CRM error is thrown as it came, for the lane to
 * retry or record with the CRM's reason; the claim is let go then, so that a retry or the
 * number's next call asks again.
 */
export async function sendNewCustomer(
  pool: pg.Pool,
  accountId: string,
  crm: RetailCrmClient,
  caller: NewCaller,
): Promise<CustomerOutcome> {
  const { rows } = await pool.query<{ newCustomers: boolean; newCustomerName: string }>({
    name: "new-customer-options",
    text: `SELECT "newCustomers", "newCustomerName" FROM "crm_options" WHERE "accountId" = $1`,
    values: [accountId],
  });
  const options = rows[0];
  if (!options?.newCustomers) return { action: "skipped", reason: "option-off" };
  const key = numberKey(caller.phone);
  if (!(await claim(pool, accountId, key))) {
    const held = await pool.query<{ crmCustomerId: number | null }>({
      name: "new-customer-held",
      text: `SELECT "crmCustomerId" FROM "new_customers" WHERE "accountId" = $1 AND "phoneKey" = $2`,
      values: [accountId, key],
    });
    const customerId = held.rows[0]?.crmCustomerId ?? undefined;
    return { action: "skipped", reason: "claimed", ...(customerId !== undefined ? { customerId } : {}) };
  }
  try {
    const found = await crm.telephonyManager(caller.phone, { details: true, ignoreStatus: true, site: caller.site });
    if (found.customer) {
      await settle(pool, accountId, key, "known", found.customer.id);
      return { action: "skipped", reason: "known", customerId: found.customer.id };
    }
    const digits = normalizePhone(caller.phone);
    const created = await crm.createCustomer(
      {
        firstName: customerName(options.newCustomerName, caller.phone),
        phones: [{ number: digits ? `+${digits}` : caller.phone }],
        ...(caller.site ? { site: caller.site } : {}),
      },
      caller.site,
    );
    await settle(pool, accountId, key, "created", created.id);
    return { action: "created", customerId: created.id };
  } catch (error) {
    await pool.query({
      name: "new-customer-let-go",
      text: `DELETE FROM "new_customers" WHERE "accountId" = $1 AND "phoneKey" = $2 AND "state" = 'claimed'`,
      values: [accountId, key],
    });
    throw error;
  }
}

/** Whether a stored name is a default untouched, in whichever language: the cabinet offers it in the admin's. */
export function isDefaultCustomerName(template: string): boolean {
  return LOCALES.some((locale) => template === defaultCustomerName(locale));
}
