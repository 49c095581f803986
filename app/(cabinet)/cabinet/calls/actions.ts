"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/actions/result";
import { sessionAccountId } from "@/lib/auth/session";
import { retryDelivery } from "@/lib/journal/calls";

export async function retryDeliveryAction(deliveryId: number): Promise<ActionResult> {
  const accountId = await sessionAccountId();
  if (!accountId) return { ok: false, error: "Сессия истекла: войдите снова" };
  if (!Number.isInteger(deliveryId) || deliveryId <= 0) return { ok: false, error: "Неверный запрос" };
  if (!(await retryDelivery(accountId, deliveryId))) return { ok: false, error: "Этот запрос нельзя повторить" };
  revalidatePath("/cabinet/calls");
  return { ok: true, message: "Запрос снова в очереди" };
}
