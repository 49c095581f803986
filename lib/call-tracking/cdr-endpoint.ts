import { accountGate } from "@/lib/accounts";
import { db } from "@/lib/db/client";
import { readBoundedBody } from "@/lib/http/body";
import { jsonError } from "@/lib/http/params";
import { isRefusal, Refusal } from "@/lib/http/refusal";
import { forgetOldAttempts, takeAttempt } from "@/lib/security/attempt-limit";
import { recoverFromCdr } from "./cdr";

/**
 * At most this much CDR in one request: what cdr-sync.sh posts at a time (lib/pbx-scripts/cdr-sync.sh),
 * about 2 300 calls. The script runs once a minute and posts only what is new.
 */
const CDR_MAX_BYTES = 512 * 1024;
/** Posts an account may make: a burst for catching up, then one every 20 s (docs/security.md, «Потоки в CRM»). */
const CDR_POSTS = { burst: 5, perSecond: 1 / 20 };
const PREFIX = "cdr:";
const FORGET_EVERY = 100;

let posts = 0;

/** A first run of cdr-sync.sh takes at most the last hour of CDR, however long ago AMI mode began. */
const FIRST_RUN_MS = 3600_000;

/**
 * GET /api/cdr?clientId=… (docs/ami-events.md, «Пропуски»): where cdr-sync.sh's first run starts
 * in Master.csv, `since` in Unix seconds: the later of when the account's events began to come
 * from AMI and an hour ago. What is older stays on the PBX: Master.csv keeps every call since the
 * PBX was set up, and those calls were reported by the dialplan, or never.
 */
export async function handleCdrSince(request: Request): Promise<Response> {
  const clientId = new URL(request.url).searchParams.get("clientId");
  const gate = await accountGate(clientId, request, { enabled: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  const settings = await db().asteriskSettings.findUnique({
    where: { accountId: gate.account.id },
    select: { amiEventsSince: true },
  });
  const since = Math.max(Date.now() - FIRST_RUN_MS, settings?.amiEventsSince?.getTime() ?? 0);
  return Response.json({ success: true, since: Math.floor(since / 1000) });
}

/**
 * POST /api/cdr?clientId=… (docs/ami-events.md, «Пропуски»): new lines of the PBX's Master.csv,
 * as the CDR script of the «API» tab posts them. Answers what became of them. Each post takes
 * one of the account's allowance, shared by every instance (PostgreSQL), before its body is read:
 * one post of CDR is thousands of calls for the CRM.
 */
export async function handleCdr(request: Request): Promise<Response> {
  const clientId = new URL(request.url).searchParams.get("clientId");
  // Every PBX posts once a minute: the account as the ring path remembers it (docs/caching.md).
  const gate = await accountGate(clientId, request, { enabled: true, recent: true });
  if (!gate.ok) return jsonError(gate.status, gate.message);
  if (++posts % FORGET_EVERY === 0) void forgetOldAttempts(PREFIX).catch(() => undefined);
  const wait = await takeAttempt([{ key: `${PREFIX}${gate.account.id}`, ...CDR_POSTS }]);
  if (wait > 0)
    throw new Refusal(
      "too_many_cdr_posts",
      `too many CDR posts for this account: ${CDR_POSTS.burst} at once, then one every ${1 / CDR_POSTS.perSecond} s; retry in ${wait} s`,
      wait,
    );
  let body: string;
  try {
    body = (await readBoundedBody(request, CDR_MAX_BYTES)).toString("utf8");
  } catch (error) {
    if (!isRefusal(error, "body_too_large")) throw error;
    throw new Refusal(
      "body_too_large",
      `a CDR post may have at most ${CDR_MAX_BYTES} bytes of whole lines; post the rest separately`,
    );
  }
  const outcome = await recoverFromCdr(gate.account.id, gate.account.clientId, body);
  return Response.json({ success: true, ...outcome });
}
