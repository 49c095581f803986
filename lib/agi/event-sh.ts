import { readFileSync } from "node:fs";
import path from "node:path";
import { findAccountByClientId } from "@/lib/accounts/lookup";
import { sessionAccountId } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

/**
 * event.sh (docs/dialplan-api.md, «event.sh»): the AGI script the dialplan runs in the h extension after a call; see its
 * header. The file lib/agi/event.sh is the template: its settings CLIENTID="@CLIENTID@" and
 * SERVICE_URL="@SERVICE_URL@" are filled by renderEventSh. Read from the project's directory
 * (the server's working directory), once.
 */
let template: string | undefined;

export function eventShTemplate(): string {
  template ??= readFileSync(path.join(process.cwd(), "lib", "agi", "event.sh"), "utf8");
  return template;
}

const CLIENT_ID = /^[0-9a-f]{64}$/;
/** Only characters that mean nothing inside a double-quoted bash string (no ", $, `, \\, spaces). */
const SERVICE_URL = /^https?:\/\/[A-Za-z0-9._:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/;

const NO_CLIENTID = ["# Эта копия скачана без clientId: впишите его между кавычками.", 'CLIENTID=""'].join("\n");

/**
 * event.sh with its settings filled in: the service URL always, the clientId when given (an empty
 * CLIENTID with a hint otherwise). Throws on values that are not shell-safe as they are.
 */
export function renderEventSh({ serviceUrl, clientId }: { serviceUrl: string; clientId?: string }): string {
  const url = serviceUrl.replace(/\/+$/, "");
  if (!SERVICE_URL.test(url))
    throw new Error(
      `event.sh: the service URL ${JSON.stringify(serviceUrl)} must be http(s)://host[:port][/path] of plain characters`,
    );
  if (clientId !== undefined && !CLIENT_ID.test(clientId))
    throw new Error("event.sh: clientId must be 64 lowercase hex characters");
  const clientLine = clientId === undefined ? NO_CLIENTID : `CLIENTID="${clientId}"`;
  return eventShTemplate()
    .replace('CLIENTID="@CLIENTID@"', () => clientLine)
    .replace('SERVICE_URL="@SERVICE_URL@"', () => `SERVICE_URL="${url}"`);
}

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
export async function handleEventSh(request: Request): Promise<Response> {
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
