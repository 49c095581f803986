import { decryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { RetailCrmClient } from "@/lib/retailcrm/client";
import { accountBucket, bucketOf, CRM_RATES, waitForSlot } from "@/lib/retailcrm/rate-limit";

/** A client for an address and key that belong to no stored account yet (signing in, connecting). */
export function crmClient(
  crmUrl: string,
  apiKey: string,
  beforeAttempt?: (path: string) => Promise<void>,
  rateLimitRetries?: number,
  stored = false,
): RetailCrmClient {
  return new RetailCrmClient({
    baseUrl: crmUrl,
    apiKey,
    allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
    timeoutMs: env().CRM_TIMEOUT_MS,
    beforeAttempt,
    rateLimitRetries,
    // Only a stored account gets a name in the operator's metrics (docs/metrics.md).
    metricsAccount: stored ? crmUrl : undefined,
  });
}

/**
 * The CRM client of a stored account (its key decrypted only here). Every attempt it makes
 * takes a slot of the account's shared rate limit first; `onSlot` runs once it has one.
 */
export function crmClientFor(
  account: { id: string; crmUrl: string; apiKeyEnc: string },
  onSlot?: () => void,
): RetailCrmClient {
  return crmClient(account.crmUrl, decryptSecret(account.apiKeyEnc), slotTaker(account.id, onSlot), undefined, true);
}

/** Before each attempt: a slot of the limit the method counts against (docs/retailcrm.md), shared by every process. */
function slotTaker(accountId: string, onSlot?: () => void): (path: string) => Promise<void> {
  return async (path) => {
    const bucket = bucketOf(path);
    await waitForSlot(accountBucket(accountId, bucket), CRM_RATES[bucket]);
    onSlot?.();
  };
}

/**
 * The client delivery sends with: its lane books the shared limit's slots itself, ahead and in
 * batches, and a 503 or 429 comes back at once, for the lane to back off the whole account.
 */
export function deliveryClientFor(account: { crmUrl: string; apiKeyEnc: string }): RetailCrmClient {
  return crmClient(account.crmUrl, decryptSecret(account.apiKeyEnc), undefined, 0, true);
}

/**
 * The client delivery writes tasks and alerts with: each attempt takes its slot of the limit its
 * method counts against (tasks and notifications the general one, docs/retailcrm.md), and a 503
 * or 429 comes back at once, for the lane to back off.
 */
export function limitedDeliveryClientFor(account: { id: string; crmUrl: string; apiKeyEnc: string }): RetailCrmClient {
  return crmClient(account.crmUrl, decryptSecret(account.apiKeyEnc), slotTaker(account.id), 0, true);
}
