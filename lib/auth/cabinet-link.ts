import { timingSafeEqual } from "node:crypto";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import type { Account } from "@/lib/generated/prisma/client";
import { NextResponse } from "next/server";
import { sessionCookie } from "./session";
import { env } from "@/lib/env";
import { requestParams } from "@/lib/http/params";
import { log } from "@/lib/log";
import { findAccountByClientId, newCabinetToken, syncModule } from "@/lib/accounts";

export type CabinetEntry =
  | { ok: true; account: Account }
  | { ok: false; reason: "missing-client" | "unknown-client" | "inactive" | "stale-link" | "link-renewed" };

function sameToken(given: string, stored: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * «Перейти в личный кабинет»: the CRM opens the module's accountUrl with the clientId. Nothing
 * signs that request and the clientId is no secret, so the link also carries a one-time token:
 * the admin is let in only with the account's current token, which is replaced at once and
 * the CRM told the next one (docs/security.md, «Кабинет из retailCRM»). A link seen before, or
 * forged with a known clientId, signs nobody in.
 */
export async function enterCabinet(
  params: { clientId?: string; token?: string },
  request: { headers: Headers },
): Promise<CabinetEntry> {
  if (!params.clientId) return { ok: false, reason: "missing-client" };
  const account = await findAccountByClientId(params.clientId, request);
  if (!account) return { ok: false, reason: "unknown-client" };
  if (!account.active) return { ok: false, reason: "inactive" };
  if (!account.cabinetTokenEnc) {
    // Registered before links had tokens: the CRM learns its first one now, for the next click.
    await syncModule(account).catch((error: unknown) =>
      log.warn({ accountId: account.id, err: error }, "giving the CRM a cabinet link failed"),
    );
    return { ok: false, reason: "link-renewed" };
  }
  if (!params.token || !sameToken(params.token, decryptSecret(account.cabinetTokenEnc)))
    return { ok: false, reason: "stale-link" };

  const next = { ...account, cabinetTokenEnc: encryptSecret(newCabinetToken()) };
  // Only one of two clicks on the same link gets in: the other finds the token already replaced.
  const claimed = await db().account.updateMany({
    where: { id: account.id, cabinetTokenEnc: account.cabinetTokenEnc },
    data: { cabinetTokenEnc: next.cabinetTokenEnc },
  });
  if (claimed.count === 0) return { ok: false, reason: "stale-link" };
  try {
    await syncModule(next);
  } catch (error) {
    // The CRM still links to the token just used: keep it valid, or the next click could not get in.
    log.warn(
      { accountId: account.id, err: error },
      "the CRM could not be told the next cabinet link; the current one stays valid",
    );
    await db().account.updateMany({
      where: { id: account.id, cabinetTokenEnc: next.cabinetTokenEnc },
      data: { cabinetTokenEnc: account.cabinetTokenEnc },
    });
  }
  return { ok: true, account };
}

/** GET/POST /account (accountUrl, «Перейти в личный кабинет»): signs the admin in, or says why not. */
export async function handleCabinetLink(request: Request): Promise<Response> {
  const base = env().PUBLIC_URL;
  const entry = await enterCabinet(await requestParams(request), request);
  if (!entry.ok) return NextResponse.redirect(`${base}/login?error=${entry.reason}`, 303);
  const response = NextResponse.redirect(`${base}/cabinet/phones`, 303);
  const cookie = await sessionCookie(entry.account);
  response.cookies.set(cookie.name, cookie.value, cookie.options);
  return response;
}
