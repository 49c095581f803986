import { accountGate } from "@/lib/accounts/lookup";
import { BodyTooLarge, readBoundedBody } from "@/lib/http/body";
import { jsonError } from "@/lib/http/params";
import { forgetOldAttempts, takeAttempt } from "@/lib/security/attempt-limit";
import { recoverFromCdr } from "./cdr";

/**
 * At most this much CDR in one request: what cdr-sync.sh posts at a time (lib/agi/cdr-sync.sh),
 * about 2 300 calls. The script runs once a minute and posts only what is new.
 */
const CDR_MAX_BYTES = 512 * 1024;
/** Posts an account may make: a burst for catching up, then one every 20 s (docs/security.md, «Потоки в CRM»). */
const CDR_POSTS = { burst: 5, perSecond: 1 / 20 };
const PREFIX = "cdr:";
const FORGET_EVERY = 100;

let posts = 0;

/**
 * POST /api/cdr?clientId=… (docs/ami-events.md, «Пропуски»): new lines of the PBX's Master.csv,
 * as the CDR script of the «API» tab posts them. Answers what became of them. Each post takes
 * one of the account's allowance, shared by every instance (PostgreSQL), before its body is read:
 * one post of CDR is thousands of calls for the CRM.
 */
export async function handleCdr(request: Request): Promise<Response> {
  const clientId = new URL(request.url).searchParams.get("clientId");
  const gate = await accountGate(clientId, request, { enabled: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  if (++posts % FORGET_EVERY === 0) void forgetOldAttempts(PREFIX).catch(() => undefined);
  const wait = await takeAttempt([{ key: `${PREFIX}${gate.account.id}`, ...CDR_POSTS }]);
  if (wait > 0) {
    const refused = jsonError(
      429,
      `too many CDR posts for this account: ${CDR_POSTS.burst} at once, then one every ${1 / CDR_POSTS.perSecond} s; retry in ${wait} s`,
    );
    refused.headers.set("retry-after", String(wait));
    return refused;
  }
  let body: string;
  try {
    body = (await readBoundedBody(request, CDR_MAX_BYTES)).toString("utf8");
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    return jsonError(
      413,
      `a CDR post may have at most ${CDR_MAX_BYTES} bytes of whole lines; post the rest separately`,
    );
  }
  const outcome = await recoverFromCdr(gate.account.id, gate.account.clientId, body);
  return Response.json({ success: true, ...outcome });
}
