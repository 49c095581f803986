import { randomBytes } from "node:crypto";
import { pushExtensions, refreshUsers, saveExtension } from "@/lib/accounts/users";
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

/** «Ваши телефоны» as an admin would do it: read the CRM's users, give some an extension, push the codes to the CRM. */
export async function mapExtensions(accountId: string, extensions: Record<number, string>): Promise<void> {
  await refreshUsers(accountId);
  for (const [crmUserId, extension] of Object.entries(extensions))
    await saveExtension(accountId, Number(crmUserId), extension);
  await pushExtensions(accountId);
}
