import { NextResponse } from "next/server";
import { findAccountByClientId } from "@/lib/accounts/lookup";
import { issueSessionToken, sessionCookieName } from "@/lib/auth/session";
import { SESSION_MAX_AGE } from "@/lib/auth/options";
import { env } from "@/lib/env";
import { requestParams } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

// accountUrl («Перейти в личный кабинет»): the CRM opens it with the account's clientId.
async function openCabinet(request: Request) {
  const { clientId } = await requestParams(request);
  const base = env().PUBLIC_URL;
  if (!clientId) return NextResponse.redirect(`${base}/login?error=missing-client`, 303);
  const account = await findAccountByClientId(clientId, request);
  if (!account) return NextResponse.redirect(`${base}/login?error=unknown-client`, 303);
  const response = NextResponse.redirect(`${base}/cabinet/phones`, 303);
  response.cookies.set(sessionCookieName(), await issueSessionToken(account), {
    httpOnly: true,
    sameSite: "lax",
    secure: base.startsWith("https://"),
    path: "/",
    maxAge: SESSION_MAX_AGE,
  });
  return response;
}

const handler = guardRoute(openCabinet);
export { handler as GET, handler as POST };
