import { connectAccount, ConnectError } from "@/lib/accounts/connect";
import { registerSchema, verifyRegisterToken } from "@/lib/accounts/marketplace";
import { cabinetUrl } from "@/lib/accounts/module";
import { decryptSecret } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { jsonError, requestParams } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";
import { log } from "@/lib/log";

async function handleRegister(request: Request) {
  const secret = env().MARKETPLACE_SECRET;
  if (!secret) return jsonError(503, "Marketplace connection is not configured on this service");
  const { register } = await requestParams(request);
  if (!register) return jsonError(400, "Parameter 'register' is missing");
  let parsed;
  try {
    parsed = registerSchema.safeParse(JSON.parse(register));
  } catch {
    return jsonError(400, "Parameter 'register' is not valid JSON");
  }
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")).filter(Boolean))];
    return jsonError(
      400,
      fields.length
        ? `Parameter 'register' is invalid: ${fields.join(", ")}`
        : "Parameter 'register' must be a JSON object",
    );
  }
  if (!verifyRegisterToken(parsed.data.apiKey, parsed.data.token, secret)) {
    log.warn({ systemUrl: parsed.data.systemUrl }, "marketplace register with a bad token");
    return jsonError(401, "Invalid token");
  }
  let account;
  try {
    account = await connectAccount({ crmUrl: parsed.data.systemUrl, apiKey: parsed.data.apiKey });
  } catch (error) {
    if (error instanceof ConnectError) return jsonError(400, error.message);
    throw error;
  }
  return Response.json({ success: true, accountUrl: cabinetUrl(decryptSecret(account.cabinetTokenEnc!)) });
}

export const POST = guardRoute(handleRegister);
