import { findAccountByClientId, isModuleEnabled } from "@/lib/accounts/lookup";

export type Gate =
  | { ok: true; account: NonNullable<Awaited<ReturnType<typeof findAccountByClientId>>> }
  | { ok: false; status: 401 | 403; message: string };

/** Who is calling the dialplan API: an unknown clientId is 401, a module the CRM switched off is 403. */
export async function dialplanGate(clientId: string, request: { headers: Headers }): Promise<Gate> {
  const account = await findAccountByClientId(clientId, request, { recent: true });
  if (!account) return { ok: false, status: 401, message: "unknown clientId" };
  if (!isModuleEnabled(account)) return { ok: false, status: 403, message: "модуль отключён в retailCRM" };
  return { ok: true, account };
}
