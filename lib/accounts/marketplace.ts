import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { env } from "@/lib/env";
import { REQUIRED_SCOPES } from "./required-access";

export const registerSchema = z.object({
  systemUrl: z.string().min(1).max(255),
  apiKey: z.string().min(1).max(200),
  token: z.string().min(1).max(200),
});

/** hex(HMAC-SHA256(key = partner secret, message = apiKey)), as retailCRM's simple connection signs it. */
export function registerToken(apiKey: string, secret: string): string {
  return createHmac("sha256", secret).update(apiKey).digest("hex");
}

export function verifyRegisterToken(apiKey: string, token: string, secret: string): boolean {
  const expected = Buffer.from(registerToken(apiKey, secret));
  const given = Buffer.from(token.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function connectionConfig() {
  return { success: true, scopes: REQUIRED_SCOPES, registerUrl: `${env().PUBLIC_URL}/api/crm/register` };
}
