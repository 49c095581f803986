import { randomBytes } from "node:crypto";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { RetailCrmClient } from "@/lib/retailcrm/client";
import { crmClient } from "./crm-client";

export interface ModuleAccount {
  clientId: string;
  moduleCode: string;
  active: boolean;
}

export interface AdditionalCode {
  userId: number;
  code: string;
}

/** A company number and its store (docs/crm-features.md, «Магазины по номерам»). */
export interface ExternalPhoneEntry {
  siteCode: string;
  externalPhone: string;
}

export const MODULE_PATHS = {
  activity: "/api/crm/activity",
  makeCall: "/api/crm/make-call",
  userStatus: "/api/crm/user-status",
  account: "/account",
  logo: "/logo.svg",
} as const;

/** A new one-time token for the module's accountUrl (docs/security.md, «Кабинет из retailCRM»). */
export function newCabinetToken(): string {
  return randomBytes(24).toString("base64url");
}

/** accountUrl as the CRM opens it: the cabinet entry with the account's current one-time token. */
export function cabinetUrl(token: string, publicUrl = env().PUBLIC_URL): string {
  return `${publicUrl}${MODULE_PATHS.account}?token=${token}`;
}

/** The integrationModule object the CRM stores for this account (docs/retailcrm.md, integration module). */
export function modulePayload(
  account: ModuleAccount,
  additionalCodes: AdditionalCode[],
  cabinetToken: string,
  publicUrl = env().PUBLIC_URL,
  externalPhones: ExternalPhoneEntry[] = [],
) {
  return {
    code: account.moduleCode,
    integrationCode: env().MODULE_CODE,
    active: account.active,
    name: "Asterisk",
    logo: publicUrl + MODULE_PATHS.logo,
    clientId: account.clientId,
    baseUrl: publicUrl,
    accountUrl: cabinetUrl(cabinetToken, publicUrl),
    actions: { activity: MODULE_PATHS.activity },
    availableCountries: [],
    integrations: {
      telephony: {
        makeCallUrl: publicUrl + MODULE_PATHS.makeCall,
        changeUserStatusUrl: publicUrl + MODULE_PATHS.userStatus,
        allowEdit: false,
        inputEventSupported: true,
        outputEventSupported: true,
        hangupEventSupported: true,
        additionalCodes,
        externalPhones,
      },
    },
  };
}

/** An account as the module registration needs it; `id` is absent for an account not stored yet. */
export interface SyncedAccount extends ModuleAccount {
  id?: string;
  crmUrl: string;
  apiKeyEnc: string;
  cabinetTokenEnc: string | null;
}

/**
 * Registers the account's module in its CRM with all it should know: the clientId, the active
 * flag, the extensions of mapped users (additionalCodes), the company numbers and their stores
 * (externalPhones) and the cabinet link. Every change that
 * the CRM must learn goes through here. An account without a cabinet token yet gets one, stored
 * once the CRM has taken it. Returns the CRM user ids and store codes the CRM reports as unknown.
 */
export async function syncModule(
  account: SyncedAccount,
  client?: RetailCrmClient,
): Promise<{ unknownUsers: number[]; unknownSites: string[] }> {
  const crm = client ?? (account.id ? crmClient({ ...account, id: account.id }) : undefined);
  if (!crm) throw new Error("syncModule: an account that is not stored yet needs the client to register with");
  const users = account.id
    ? await db().crmUser.findMany({
        where: { accountId: account.id, extension: { not: null } },
        orderBy: { crmUserId: "asc" },
      })
    : [];
  const codes = users.map((u) => ({ userId: u.crmUserId, code: u.extension! }));
  const phones = account.id
    ? (await db().externalPhone.findMany({ where: { accountId: account.id }, orderBy: { phone: "asc" } })).map((p) => ({
        siteCode: p.siteCode,
        externalPhone: p.phone,
      }))
    : [];
  const token = account.cabinetTokenEnc ? decryptSecret(account.cabinetTokenEnc) : newCabinetToken();
  const reply = await crm.editIntegrationModule(
    account.moduleCode,
    modulePayload(account, codes, token, env().PUBLIC_URL, phones),
  );
  if (!account.cabinetTokenEnc && account.id) {
    await db().account.updateMany({
      where: { id: account.id, cabinetTokenEnc: null },
      data: { cabinetTokenEnc: encryptSecret(token) },
    });
  }
  const info = reply.info && !Array.isArray(reply.info) ? reply.info : undefined;
  return { unknownUsers: info?.notExistUsersIds ?? [], unknownSites: info?.notExistSiteCodes ?? [] };
}
