import { NextResponse } from "next/server";
import { enterCabinet } from "@/lib/accounts/cabinet-entry";
import { sessionCookie } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { requestParams } from "@/lib/http/params";
import { guardRoute } from "@/lib/http/route-guard";

// accountUrl («Перейти в личный кабинет»): the CRM opens it with the account's clientId.
async function openCabinet(request: Request) {
  const base = env().PUBLIC_URL;
  const entry = await enterCabinet(await requestParams(request), request);
  if (!entry.ok) return NextResponse.redirect(`${base}/login?error=${entry.reason}`, 303);
  const response = NextResponse.redirect(`${base}/cabinet/phones`, 303);
  const cookie = await sessionCookie(entry.account);
  response.cookies.set(cookie.name, cookie.value, cookie.options);
  return response;
}

const handler = guardRoute(openCabinet);
export { handler as GET, handler as POST };
