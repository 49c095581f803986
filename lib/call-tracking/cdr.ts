import { taskRoom } from "@/lib/callback-tasks";
import { ingestCallEvent } from "@/lib/calls";
import { db, dbPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import { readEventParams } from "@/lib/validations/dialplan";
import { targetOf } from "./tracker";

/**
 * Calls that ended while nobody listened to AMI, recovered from the PBX's CDR (docs/ami-events.md,
 * «Пропуски»): the lines of Master.csv a script on the PBX posts. A call nobody reported is sent to
 * the CRM with calls/upload only (no card for a call long over); one already known is left as it
 * is, so posting a line twice changes nothing, and retailCRM itself ignores a repeated upload.
 * A missed call owes a call-back task only when it began after the account's events came from
 * AMI: Master.csv keeps every call since the PBX was set up, and the first run of the script
 * posts them all.
 */

/** cdr_csv's columns (cdr.conf [csv] with loguniqueid = yes, which the «API» tab asks for). */
const COLUMNS = [
  "accountcode",
  "src",
  "dst",
  "dcontext",
  "clid",
  "channel",
  "dstchannel",
  "lastapp",
  "lastdata",
  "start",
  "answer",
  "end",
  "duration",
  "billsec",
  "disposition",
  "amaflags",
  "uniqueid",
] as const;

type CdrRow = Record<(typeof COLUMNS)[number], string>;

/** One CSV line as cdr_csv writes it: every value quoted, quotes inside doubled; bare numbers too. */
export function parseCsvLine(line: string): string[] {
  const values: string[] = [];
  let value = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        value += '"';
        i++;
      } else if (char === '"') quoted = false;
      else value += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      values.push(value);
      value = "";
    } else value += char;
  }
  values.push(value);
  return values;
}

const STATUS: Record<string, string> = {
  ANSWERED: "ANSWER",
  "NO ANSWER": "NOANSWER",
  BUSY: "BUSY",
  FAILED: "FAILED",
  CONGESTION: "CONGESTION",
};

/**
 * When Asterisk made the call's channel, in seconds: a uniqueid is `<Unix time>.<n>`
 * (`<systemname>-<Unix time>.<n>` with a systemname), real UTC whatever the PBX's time zone,
 * unlike the CDR's own times, which are its local clock (docs/ami-events.md, «Время»). Null for
 * any other form.
 */
function channelCreatedAt(uniqueid: string): number | null {
  const match = /(?:^|-)(\d{10})\.\d+$/.exec(uniqueid);
  return match ? Number(match[1]) : null;
}

export interface CdrOutcome {
  /** Calls nobody had reported, now on their way to the CRM. */
  recovered: number;
  /** Calls already known (reported live, or posted before). */
  known: number;
  /** Lines that are no call with a customer (internal, unreadable, no uniqueid). */
  skipped: number;
}

export async function recoverFromCdr(accountId: string, clientId: string, text: string): Promise<CdrOutcome> {
  const settings = await db().asteriskSettings.findUnique({ where: { accountId } });
  const inbound = new Set(settings?.inboundContexts ?? []);
  const amiSince = settings?.amiEventsSince ?? null;
  // Tasks for no more missed calls than the caps have room for now (docs/crm-features.md, «Предел задач»).
  let taskPlaces = amiSince ? await taskRoom(dbPool(), accountId) : 0;
  const extensions = new Set(
    (await db().crmUser.findMany({ where: { accountId, extension: { not: null } }, select: { extension: true } })).map(
      (u) => u.extension!,
    ),
  );
  // A call forked to several phones has a line per leg: the answered one tells the call.
  const byCall = new Map<string, CdrRow>();
  let skipped = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const values = parseCsvLine(line);
    if (values.length < COLUMNS.length) {
      skipped++;
      continue;
    }
    const row = Object.fromEntries(COLUMNS.map((name, i) => [name, values[i]!.trim()])) as CdrRow;
    if (!row.uniqueid) {
      skipped++;
      continue;
    }
    const seen = byCall.get(row.uniqueid);
    if (!seen || (seen.disposition !== "ANSWERED" && row.disposition === "ANSWERED")) byCall.set(row.uniqueid, row);
  }
  const known = new Set(
    (
      await db().call.findMany({
        where: { accountId, uniqueid: { in: [...byCall.keys()] } },
        select: { uniqueid: true },
      })
    ).map((call) => call.uniqueid),
  );
  const outcome: CdrOutcome = { recovered: 0, known: 0, skipped };
  for (const row of byCall.values()) {
    if (known.has(row.uniqueid)) {
      outcome.known++;
      continue;
    }
    const direction = inbound.has(row.dcontext)
      ? "in"
      : extensions.has(row.src) && /^\+?\d{5,20}$/.test(row.dst)
        ? "out"
        : undefined;
    if (!direction) {
      outcome.skipped++;
      continue;
    }
    // The manager: who placed an outgoing call, or whose phone answered an incoming one.
    const manager = direction === "out" ? row.src : targetOf(row.dstchannel);
    const talk = Number(row.billsec) || 0;
    const read = readEventParams({
      clientId,
      type: "hangup",
      uniqueid: row.uniqueid,
      phone: direction === "in" ? row.src : row.dst,
      status: STATUS[row.disposition] ?? "FAILED",
      direct: direction,
      // The end, in the PBX's own clock: the call's start is it less the wait and the talk.
      date: row.end,
      duration: String(talk),
      hold: String(Math.max(0, (Number(row.duration) || 0) - talk)),
      ...(extensions.has(manager) ? { code: manager } : {}),
    });
    if (!read.ok || read.params.type !== "hangup") {
      log.warn({ accountId, uniqueid: row.uniqueid }, "a CDR line could not be read as a call");
      outcome.skipped++;
      continue;
    }
    const began = channelCreatedAt(row.uniqueid);
    // A line that cannot be dated could be from before AMI mode: it owes no task either.
    const owesTask =
      direction === "in" &&
      row.disposition !== "ANSWERED" &&
      taskPlaces > 0 &&
      amiSince !== null &&
      began !== null &&
      began >= Math.floor(amiSince.getTime() / 1000);
    if (owesTask) taskPlaces--;
    const { duplicate } = await ingestCallEvent(
      accountId,
      { ...read.params, type: "hangup" },
      { uploadOnly: true, noTask: !owesTask, source: "cdr" },
    );
    if (duplicate) outcome.known++;
    else outcome.recovered++;
  }
  return outcome;
}
