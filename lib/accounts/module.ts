import { env } from "@/lib/env";
import { RetailCrmClient } from "@/lib/retailcrm/client";

export interface ModuleAccount {
  clientId: string;
  moduleCode: string;
  active: boolean;
}

export interface AdditionalCode {
  userId: number;
  code: string;
}

export const MODULE_PATHS = {
  activity: "/api/crm/activity",
  makeCall: "/api/crm/make-call",
  userStatus: "/api/crm/user-status",
  account: "/account",
  logo: "/logo.svg",
} as const;

/** The integrationModule object the CRM stores for this account (retailcrm-api.md §5.2–5.3). */
export function modulePayload(account: ModuleAccount, additionalCodes: AdditionalCode[], publicUrl = env().PUBLIC_URL) {
  return {
    code: account.moduleCode,
    integrationCode: env().MODULE_CODE,
    active: account.active,
    name: "Asterisk",
    logo: publicUrl + MODULE_PATHS.logo,
    clientId: account.clientId,
    baseUrl: publicUrl,
    accountUrl: publicUrl + MODULE_PATHS.account,
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
      },
    },
  };
}

/** Sends the module registration to the CRM; returns the CRM user ids it reports as unknown. */
export async function registerModule(
  client: RetailCrmClient,
  account: ModuleAccount,
  additionalCodes: AdditionalCode[],
): Promise<number[]> {
  const reply = await client.editIntegrationModule(account.moduleCode, modulePayload(account, additionalCodes));
  const info = reply.info;
  return info && !Array.isArray(info) ? (info.notExistUsersIds ?? []) : [];
}
