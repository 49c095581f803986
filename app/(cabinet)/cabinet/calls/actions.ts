"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionResult } from "@/lib/actions";
import { sessionAccountId } from "@/lib/auth";
import { translator } from "@/lib/i18n/server";
import { retryDelivery } from "@/lib/journal";

// A server action takes whatever a client posts: the id must be a row id PostgreSQL can hold.
const deliveryIdSchema = z.number().int().min(1).max(2_147_483_647);

export async function retryDeliveryAction(deliveryId: unknown): Promise<ActionResult> {
  const t = await translator();
  const accountId = await sessionAccountId();
  if (!accountId) return { ok: false, error: t("common.sessionExpired") };
  const parsed = deliveryIdSchema.safeParse(deliveryId);
  if (!parsed.success) return { ok: false, error: t("calls.retry.badRequest") };
  if (!(await retryDelivery(accountId, parsed.data))) return { ok: false, error: t("calls.retry.notRetryable") };
  revalidatePath("/cabinet/calls");
  return { ok: true, message: t("calls.retry.queued") };
}
