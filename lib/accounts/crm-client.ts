import { decryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { RetailCrmClient } from "@/lib/retailcrm/client";

export function crmClient(crmUrl: string, apiKey: string): RetailCrmClient {
  return new RetailCrmClient({
    baseUrl: crmUrl,
    apiKey,
    allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
    timeoutMs: env().CRM_TIMEOUT_MS,
  });
}

/** The CRM client of a stored account (its key decrypted only here). */
export function crmClientFor(account: { crmUrl: string; apiKeyEnc: string }): RetailCrmClient {
  return crmClient(account.crmUrl, decryptSecret(account.apiKeyEnc));
}
