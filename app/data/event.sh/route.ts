import { findAccountByClientId } from "@/lib/accounts/lookup";
import { renderEventSh } from "@/lib/agi/event-sh";
import { sessionAccountId } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { guardRoute } from "@/lib/http/route-guard";

export const dynamic = "force-dynamic";

/** The clientId to put into the script: ?clientId= of a known account, else the signed-in admin's, else none. */
async function scriptClientId(request: Request): Promise<{ clientId?: string } | null> {
  // A repeated parameter counts with its last value, as everywhere else.
  const requested = new URL(request.url).searchParams.getAll("clientId").at(-1);
  if (requested) {
    const account = await findAccountByClientId(requested, request);
    return account ? { clientId: account.clientId } : null;
  }
  const accountId = await sessionAccountId();
  const account = accountId
    ? await db().account.findUnique({ where: { id: accountId }, select: { clientId: true } })
    : null;
  return account ? { clientId: account.clientId } : {};
}

/** GET /data/event.sh (docs/dialplan-api.md, «event.sh»): the AGI script, personalised when the account is known. */
async function serveEventSh(request: Request): Promise<Response> {
  const found = await scriptClientId(request);
  if (!found)
    return new Response("unknown clientId\n", {
      status: 404,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  return new Response(renderEventSh({ serviceUrl: env().PUBLIC_URL, clientId: found.clientId }), {
    headers: {
      "Content-Type": "text/x-shellscript; charset=utf-8",
      "Content-Disposition": 'attachment; filename="event.sh"',
      "Cache-Control": "no-store",
    },
  });
}

export const GET = guardRoute(serveEventSh);
