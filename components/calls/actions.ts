"use server";

import { z } from "zod";
import { cabinetAction } from "@/lib/auth";
import { translator } from "@/lib/i18n/server";
import { retryDelivery } from "@/lib/journal";

export const retryDeliveryAction = cabinetAction(
  // The id must be a row id PostgreSQL can hold.
  { name: "retry a delivery", schema: z.number().int().min(1).max(2_147_483_647) },
  async (deliveryId, { accountId }) => {
    const t = await translator("calls.retry");
    if (!(await retryDelivery(accountId, deliveryId))) return { ok: false, formError: t("notRetryable") };
    return { ok: true, message: t("queued") };
  },
);
