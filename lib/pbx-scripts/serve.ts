import { readFileSync } from "node:fs";
import path from "node:path";
import { findAccountByClientId } from "@/lib/accounts";
import { sessionAccountId } from "@/lib/auth";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

/**
 * The scripts the PBX runs, served personalised: event.sh (docs/dialplan-api.md, «event.sh»),
 * the AGI script the dialplan runs in the h extension after a call, and cdr-sync.sh
 * (docs/ami-events.md, «Пропуски»), which cron runs in AMI mode. The files in lib/pbx-scripts are the
 * templates: their settings CLIENTID="@CLIENTID@" and SERVICE_URL="@SERVICE_URL@" are filled by
 * renderScript. Read from the project's directory (the server's working directory), once each.
 */
export type ScriptName = "event.sh" | "cdr-sync.sh";

const templates = new Map<ScriptName, string>();

export function scriptTemplate(name: ScriptName): string {
  let template = templates.get(name);
  if (template === undefined) {
    template = readFileSync(path.join(process.cwd(), "lib", "pbx-scripts", name), "utf8");
    templates.set(name, template);
  }
  return template;
}

export const eventShTemplate = (): string => scriptTemplate("event.sh");

const CLIENT_ID = /^[0-9a-f]{64}$/;
/** Only characters that mean nothing inside a double-quoted bash string (no ", $, `, \\, spaces). */
const SERVICE_URL = /^https?:\/\/[A-Za-z0-9._:[\]-]+(\/[A-Za-z0-9._~/-]*)?$/;

const NO_CLIENTID = ["# Эта копия скачана без clientId: впишите его между кавычками.", 'CLIENTID=""'].join("\n");

/**
 * A script with its settings filled in: the service URL always, the clientId when given (an
 * empty CLIENTID with a hint otherwise). Throws on values that are not shell-safe as they are.
 */
export function renderScript(
  name: ScriptName,
  { serviceUrl, clientId }: { serviceUrl: string; clientId?: string },
): string {
  const url = serviceUrl.replace(/\/+$/, "");
  if (!SERVICE_URL.test(url))
    throw new Error(
      `${name}: the service URL ${JSON.stringify(serviceUrl)} must be http(s)://host[:port][/path] of plain characters`,
    );
  if (clientId !== undefined && !CLIENT_ID.test(clientId))
    throw new Error(`${name}: clientId must be 64 lowercase hex characters`);
  const clientLine = clientId === undefined ? NO_CLIENTID : `CLIENTID="${clientId}"`;
  return scriptTemplate(name)
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

export const renderEventSh = (options: { serviceUrl: string; clientId?: string }): string =>
  renderScript("event.sh", options);

/** GET /data/<script>: the script, personalised when the account is known. */
function serveScript(name: ScriptName) {
  return async (request: Request): Promise<Response> => {
    const found = await scriptClientId(request);
    if (!found)
      return new Response("unknown clientId\n", {
        status: 404,
        headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
      });
    return new Response(renderScript(name, { serviceUrl: env().PUBLIC_URL, clientId: found.clientId }), {
      headers: {
        "Content-Type": "text/x-shellscript; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
        "Cache-Control": "no-store",
      },
    });
  };
}

export const handleEventSh = serveScript("event.sh");
export const handleCdrSyncSh = serveScript("cdr-sync.sh");
