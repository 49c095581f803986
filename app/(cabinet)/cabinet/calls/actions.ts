"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionResult } from "@/lib/actions/result";
import { sessionAccountId } from "@/lib/auth/session";
import { retryDelivery } from "@/lib/journal/calls";

// A server action takes whatever a client posts: the id must be a row id PostgreSQL can hold.
const deliveryIdSchema = z.number().int().min(1).max(2_147_483_647);

export async function retryDeliveryAction(deliveryId: unknown): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return { ok: false, error: "Сессия истекла: войдите снова" };
  const parsed = deliveryIdSchema.safeParse(deliveryId);
  if (!parsed.success) return { ok: false, error: "Неверный запрос" };
  if (!(await retryDelivery(accountId, parsed.data))) return { ok: false, error: "Этот запрос нельзя повторить" };
  revalidatePath("/cabinet/calls");
  return { ok: true, message: "Запрос снова в очереди" };
}
