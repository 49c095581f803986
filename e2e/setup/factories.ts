import { randomBytes } from "node:crypto";
import { pushExtensions, refreshUsers, saveExtension, connectAccount } from "@/lib/accounts";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db, dbPool } from "@/lib/db/client";
import { createRetailCrmSim, DEMO, seedDemo } from "@/e2e/sim/retailcrm";
import { EVENT_FILTERS } from "@/lib/asterisk/snippets/ami-config";
import { until } from "./until";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { CrmOptionsInput } from "@/lib/validations/crm-options";

/** A stored account with random identifiers (for tests that need a tenant). */
export async function createTestAccount(overrides: { crmUrl?: string; apiKey?: string } = {}) {
  const suffix = randomBytes(4).toString("hex");
  return db().account.create({
    data: {
      crmUrl: overrides.crmUrl ?? `https://test-${suffix}.retailcrm.ru`,
      apiKeyEnc: encryptSecret(overrides.apiKey ?? `key-${suffix}`),
      clientId: randomBytes(32).toString("hex"),
      moduleCode: `asterisk-bridge-${suffix}`,
    },
  });
}

/** «Ваши телефоны» as an admin would do it: read the CRM's users, give some an extension, push the codes to the CRM. */
export async function mapExtensions(accountId: string, extensions: Record<number, string>): Promise<void> {
  await refreshUsers(accountId);
  for (const [crmUserId, extension] of Object.entries(extensions))
    await saveExtension(accountId, Number(crmUserId), extension);
  await pushExtensions(accountId);
}

/**
 * The set-up most integration files share: a simulated retailCRM with the demo data, an account
 * connected to it as an admin would connect it, and the given CRM users mapped to extensions.
 */
export async function demoCrmAccount(extensions: Record<number, string> = {}, settings: { timezone?: string } = {}) {
  const crm = await createRetailCrmSim();
  seedDemo(crm);
  if (settings.timezone) crm.state.timezone = settings.timezone;
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  if (Object.keys(extensions).length) await mapExtensions(account.id, extensions);
  return { crm, account };
}

/** «Возможности CRM» as the form sends it: every option off, the form's defaults, then the test's own. */
export function crmOptionsInput(options: Partial<CrmOptionsInput> = {}): CrmOptionsInput {
  return {
    missedTasks: false,
    missedTaskWindowMinutes: "60",
    missedTaskDefaultUserId: "",
    missedTaskTemplate: "Перезвонить {phone}",
    missedTasksPer10Minutes: "50",
    missedTasksPerDay: "1000",
    callBackWindowHours: "24",
    managerChain: false,
    chainLastTalked: true,
    chainFallbackUserIds: [],
    alertsEnabled: false,
    alertUserIds: [],
    alertAfterMinutes: "10",
    newCustomers: false,
    newCustomerName: "Новый клиент {phone}",
    ...options,
  };
}

/** The simulated PBX's AMI user for call tracking: the read classes and event filters the «API» tab gives it. */
export const AMI_EVENTS_USER = {
  username: "crm",
  secret: "s3cret",
  read: "call,agent,dialplan",
  write: "originate,reporting",
  eventFilters: EVENT_FILTERS,
};

/**
 * Calls of the account come from the simulated PBX's AMI events (docs/ami-events.md), as
 * «Настройки Asterisk» saves it, with the test's own settings beside.
 */
export async function listenToAmi(
  accountId: string,
  pbx: { tcpPort: number | null },
  settings: Prisma.AsteriskSettingsUpdateInput = {},
): Promise<void> {
  const data = {
    eventSource: "AMI" as const,
    amiHost: "127.0.0.1",
    amiEventsPort: pbx.tcpPort!,
    amiPort: pbx.tcpPort!,
    amiTransport: "TCP" as const,
    amiLogin: AMI_EVENTS_USER.username,
    amiSecretEnc: encryptSecret(AMI_EVENTS_USER.secret),
    ...settings,
  };
  await db().asteriskSettings.upsert({ where: { accountId }, create: { accountId }, update: {} });
  await db().asteriskSettings.update({ where: { accountId }, data });
}

/** Waits until the account's AMI event connection is up, as its holder records it. */
export async function amiConnected(accountId: string): Promise<void> {
  await until(
    () => db().amiListener.findUnique({ where: { accountId } }),
    (listener) => listener?.state === "connected",
    15_000,
  );
}

/** The account's allowance of CDR posts full again, as after a quiet while (docs/security.md, «Потоки в CRM»). */
export async function fullCdrAllowance(accountId: string): Promise<void> {
  await dbPool().query(`DELETE FROM "rate_limit_buckets" WHERE "key" = $1`, [`cdr:${accountId}`]);
}
