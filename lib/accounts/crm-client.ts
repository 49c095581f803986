import { decryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { RetailCrmClient } from "@/lib/retailcrm/client";
import { accountBucket, bucketOf, CRM_RATES, waitForSlot } from "@/lib/retailcrm/rate-limit";

/** Whom the client speaks for: an address and key no stored account holds yet, or a stored account. */
export type CrmTarget = { crmUrl: string; apiKey: string } | { id: string; crmUrl: string; apiKeyEnc: string };

export interface CrmClientOptions {
  /**
   * How the account's shared rate limit is kept (docs/retailcrm.md): "slot per attempt" (the
   * default for a stored account) takes a slot before every attempt, its retries included;
   * "booked by caller" leaves it to a caller that books slots itself, ahead and in batches
   * (delivery's lanes). An address not yet stored has no shared limit.
   */
  limits?: "slot per attempt" | "booked by caller";
  /** Runs once an attempt has its slot. */
  onSlot?: () => void;
  /** Attempts after a 503 or 429; 0 hands the answer back at once, for the caller to back off. */
  retries?: number;
  /** Per request; CRM_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

/** The one way to a CRM client: for a stored account (its key decrypted only here) or a bare address and key. */
export function crmClient(target: CrmTarget, options: CrmClientOptions = {}): RetailCrmClient {
  const stored = "apiKeyEnc" in target;
  const slots = stored && (options.limits ?? "slot per attempt") === "slot per attempt";
  return new RetailCrmClient({
    baseUrl: target.crmUrl,
    apiKey: stored ? decryptSecret(target.apiKeyEnc) : target.apiKey,
    allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
    timeoutMs: options.timeoutMs ?? env().CRM_TIMEOUT_MS,
    beforeAttempt: slots ? slotTaker(target.id, options.onSlot) : undefined,
    rateLimitRetries: options.retries,
    // Only a stored account gets a name in the operator's metrics (docs/metrics.md).
    metricsAccount: stored ? target.crmUrl : undefined,
  });
}

/** Before each attempt: a slot of the limit the method counts against (docs/retailcrm.md), shared by every process. */
function slotTaker(accountId: string, onSlot?: () => void): (path: string) => Promise<void> {
  return async (path) => {
    const bucket = bucketOf(path);
    await waitForSlot(accountBucket(accountId, bucket), CRM_RATES[bucket]);
    onSlot?.();
  };
}
