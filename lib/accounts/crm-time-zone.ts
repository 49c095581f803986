import { db, dbPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import type { RetailCrmClient } from "@/lib/retailcrm/client";

/**
 * The zone the account's CRM reads call dates in, from its settings (docs/retailcrm.md, «Часовой
 * пояс»), read whenever the account connects and its users are read again. A key that may not
 * read the settings, or a CRM that names no zone both this runtime and PostgreSQL know, leaves
 * the zone known before (retailCRM's home, Europe/Moscow, while none is).
 */
export async function learnCrmTimeZone(accountId: string, client: RetailCrmClient): Promise<void> {
  try {
    const { settings } = await client.settings();
    if (settings.timezone && (await databaseKnowsZone(settings.timezone)))
      await db().account.update({ where: { id: accountId }, data: { crmTimeZone: settings.timezone } });
  } catch (error) {
    log.warn({ accountId, err: error }, "the CRM's time zone could not be read; the one known before is kept");
  }
}

/**
 * Whether PostgreSQL knows the zone too: dates are read in zones there (the ingest, «Обзор»), and
 * its zone database need not be the runtime's (docs/security.md, «Часовые пояса»).
 */
export async function databaseKnowsZone(zone: string): Promise<boolean> {
  try {
    await dbPool().query("SELECT now() AT TIME ZONE $1", [zone]);
    return true;
  } catch (error) {
    // invalid_parameter_value: "time zone … not recognized"; anything else is the database's own trouble.
    if ((error as { code?: string }).code === "22023") return false;
    throw error;
  }
}
