"use server";

import { cookies } from "next/headers";
import { crmErrorMessage } from "@/lib/accounts";
import { rotateClientId } from "@/lib/accounts";
import type { ActionResult } from "@/lib/actions";
import { sessionAccountId, sessionCookie } from "@/lib/auth";
import { db } from "@/lib/db/client";
import { translator } from "@/lib/i18n/server";

export async function rotateClientIdAction(): Promise<ActionResult<{ clientId: string }>> {
  const accountId = await sessionAccountId();
  const t = await translator();
  if (!accountId) return { ok: false, error: t("common.sessionExpired") };
  let clientId: string;
  try {
    clientId = await rotateClientId(accountId);
  } catch (error) {
    return { ok: false, error: t("api.rotateFailed", { reason: await crmErrorMessage(error) }) };
  }
  // Every session granted under the old clientId ends; the admin who rotated it stays signed in.
  const cookie = await sessionCookie(await db().account.findUniqueOrThrow({ where: { id: accountId } }));
  (await cookies()).set(cookie.name, cookie.value, cookie.options);
  return { ok: true, message: t("api.rotated"), data: { clientId } };
}
