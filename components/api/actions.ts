"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { crmErrorMessage, rotateClientId } from "@/lib/accounts";
import { cabinetAction, sessionCookie } from "@/lib/auth";
import { db } from "@/lib/db/client";
import { translator } from "@/lib/i18n/server";

export const rotateClientIdAction = cabinetAction(
  { name: "rotate clientId", schema: z.void() },
  async (_input, { accountId }) => {
    const t = await translator();
    let clientId: string;
    try {
      clientId = await rotateClientId(accountId);
    } catch (error) {
      return { ok: false, formError: t("api.rotateFailed", { reason: await crmErrorMessage(error) }) };
    }
    // Every session granted under the old clientId ends; the admin who rotated it stays signed in.
    const cookie = await sessionCookie(await db().account.findUniqueOrThrow({ where: { id: accountId } }));
    (await cookies()).set(cookie.name, cookie.value, cookie.options);
    return { ok: true, message: t("api.rotated"), data: { clientId } };
  },
);
