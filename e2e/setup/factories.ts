import { randomBytes } from "node:crypto";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";

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
