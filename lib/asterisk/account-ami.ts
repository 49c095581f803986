import { amiSession } from "@/lib/asterisk/ami/pool";
import type { ManagedAmi } from "@/lib/asterisk/ami/managed";
import { decryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import type { AsteriskSettings } from "@/lib/generated/prisma/client";

/** The account's kept AMI session, from its «Настройки Asterisk» (null while no password is stored). */
export function accountAmi(settings: AsteriskSettings): ManagedAmi | null {
  if (!settings.amiSecretEnc) return null;
  return amiSession(settings.accountId, settings.amiTransport, {
    host: settings.amiHost,
    port: settings.amiPort,
    username: settings.amiLogin,
    secret: decryptSecret(settings.amiSecretEnc),
    timeoutMs: env().AMI_TIMEOUT_MS,
    allowPrivate: env().ALLOW_PRIVATE_NETWORKS,
  });
}
