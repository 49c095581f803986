import { crmErrorMessage } from "@/lib/accounts/crm-messages";
import { listPhones, refreshUsers } from "@/lib/accounts/users";
import { sessionAccountId } from "@/lib/auth/session";
import { jsonError } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

/** The signed-in account's CRM users with their extensions; read from the CRM on first use. */
async function phonesOfAccount() {
  const accountId = await sessionAccountId();
  if (!accountId) return jsonError(401, "Сессия истекла: войдите снова");
  let phones = await listPhones(accountId);
  if (phones.length === 0) {
    try {
      await refreshUsers(accountId);
    } catch (error) {
      return jsonError(502, crmErrorMessage(error));
    }
    phones = await listPhones(accountId);
  }
  return Response.json({ success: true, phones });
}

export const GET = guardRoute(phonesOfAccount);
