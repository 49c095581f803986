import { getServerSession } from "next-auth";
import { encode } from "next-auth/jwt";
import { redirect } from "next/navigation";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { authOptions, SESSION_MAX_AGE } from "./options";

/** The signed-in admin's account id, or null. Every cabinet read and write is scoped by it. */
export async function sessionAccountId(): Promise<string | null> {
  const session = await getServerSession(authOptions());
  return session?.accountId || null;
}

/** The signed-in admin's account; sends everyone else to the login page. */
export async function requireAccount() {
  const accountId = await sessionAccountId();
  const account = accountId ? await db().account.findUnique({ where: { id: accountId } }) : null;
  if (!account) redirect("/login");
  return account;
}

/** Name of next-auth's session cookie (the __Secure- variant on https, as next-auth itself chooses). */
export function sessionCookieName(): string {
  return env().PUBLIC_URL.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

/** A next-auth session token for an account (used where the CRM, not a form, signs the admin in). */
export async function issueSessionToken(account: { id: string; crmUrl: string }): Promise<string> {
  return encode({
    token: { sub: account.id, accountId: account.id, name: account.crmUrl },
    secret: env().NEXTAUTH_SECRET,
    maxAge: SESSION_MAX_AGE,
  });
}
