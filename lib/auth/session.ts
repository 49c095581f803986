import { getServerSession } from "next-auth";
import { encode } from "next-auth/jwt";
import { redirect } from "next/navigation";
import { cache } from "react";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { Account } from "@/lib/generated/prisma/client";
import { sessionGrant } from "./grant";
import { authOptions, SESSION_MAX_AGE } from "./options";

/** Why a session that was once valid is refused now; the login page explains each. */
export type SessionRefusal = "rotated" | "ended" | "inactive";

type SessionState = { account: Account } | { account: null; refusal: SessionRefusal | null };

/**
 * The signed-in admin's account, checked against the database on every request: a session is
 * good only while its account exists, is active in the CRM, and has the clientId and the session
 * epoch it was granted under (the epoch rises when the module is switched off or frozen, so a
 * session that ended stays ended when it is switched on again). Read once per request (React cache).
 */
const sessionState = cache(async (): Promise<SessionState> => {
  const session = await getServerSession(authOptions());
  if (!session?.accountId) return { account: null, refusal: null };
  const account = await db().account.findUnique({ where: { id: session.accountId } });
  if (!account) return { account: null, refusal: null };
  if (session.grant !== sessionGrant(account.clientId)) return { account: null, refusal: "rotated" };
  if (!account.active) return { account: null, refusal: "inactive" };
  if ((session.epoch ?? 0) !== account.sessionEpoch) return { account: null, refusal: "ended" };
  return { account };
});

/** The signed-in admin's account id, or null. Every cabinet read and write is scoped by it. */
export async function sessionAccountId(): Promise<string | null> {
  return (await sessionState()).account?.id ?? null;
}

/** The signed-in admin's account; sends everyone else to the login page (saying why a session ended). */
export async function requireAccount(): Promise<Account> {
  const state = await sessionState();
  if (state.account) return state.account;
  redirect(state.refusal ? `/login?error=session-${state.refusal}` : "/login");
}

/** Name of next-auth's session cookie (the __Secure- variant on https, as next-auth itself chooses). */
export function sessionCookieName(): string {
  return env().PUBLIC_URL.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

/** The session cookie for an account, as next-auth would set it (used where the service, not the login form, signs the admin in). */
export async function sessionCookie(account: { id: string; crmUrl: string; clientId: string; sessionEpoch: number }) {
  const value = await encode({
    token: {
      sub: account.id,
      accountId: account.id,
      name: account.crmUrl,
      grant: sessionGrant(account.clientId),
      epoch: account.sessionEpoch,
    },
    secret: env().NEXTAUTH_SECRET,
    maxAge: SESSION_MAX_AGE,
  });
  return {
    name: sessionCookieName(),
    value,
    options: {
      httpOnly: true,
      sameSite: "lax" as const,
      secure: env().PUBLIC_URL.startsWith("https://"),
      path: "/",
      maxAge: SESSION_MAX_AGE,
    },
  };
}
