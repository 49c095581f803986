"use server";

import { crmErrorMessage } from "@/lib/accounts/crm-messages";
import { rotateClientId } from "@/lib/accounts/rotate";
import type { ActionResult } from "@/lib/actions/result";
import { sessionAccountId } from "@/lib/auth/session";

export async function rotateClientIdAction(): Promise<ActionResult<{ clientId: string }>> {
  const accountId = await sessionAccountId();
  if (!accountId) return { ok: false, error: "Сессия истекла: войдите снова" };
  try {
    return {
      ok: true,
      message: "clientId заменён: обновите его в dialplan и event.sh",
      data: { clientId: await rotateClientId(accountId) },
    };
  } catch (error) {
    return { ok: false, error: `clientId не заменён. ${crmErrorMessage(error)}` };
  }
}
