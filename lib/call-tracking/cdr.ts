import { taskRoom } from "@/lib/callback-tasks";
import { ingestCallEvent } from "@/lib/calls";
import { db, dbPool } from "@/lib/db/client";
import { log } from "@/lib/log";
import { readEventParams } from "@/lib/validations/dialplan";
import { targetOf } from "./tracker";

/**
 * Calls that ended while nobody listened to AMI, recovered from the PBX's CDR (docs/ami-events.md,
 * «Пропуски»): the lines of Master.csv a script on the PBX posts. A call writes several lines (one
 * per channel that ran the dialplan, one per party a Dial or Queue rang): they are read together
 * as one call. A call nobody reported is sent to the CRM with calls/upload only (no card for a call
 * long over); one AMI saw begin but whose end nobody heard (its holder died mid-call) is completed
 * with the hangup its lines tell, under the uniqueid AMI keyed it by; one already whole (its hangup
 * reported live, or posted before) is left as it is, whichever of its lines names it, so posting a
 * line twice changes nothing, and retailCRM itself ignores a repeated upload. A missed call owes a call-back task only when it began after the account's
 * events came from AMI: Master.csv keeps every call since the PBX was set up.
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

type CdrRow = Record<(typeof COLUMNS)[number], string> & {
  /** The linkedid column (newcdrcolumns = yes), when the line has it. */
  linkedid: string;
};

/**
 * How many values a line has: the columns, then userfield with loguserfield = yes, then
 * peeraccount, linkedid and sequence with newcdrcolumns = yes (the transcripts' appendix). With
 * those, linkedid is next to last.
 */
const WITHOUT_LINKEDID = new Set([COLUMNS.length, COLUMNS.length + 1]);
const WITH_LINKEDID = new Set([COLUMNS.length + 3, COLUMNS.length + 4]);

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

function readRow(line: string): CdrRow | null {
  const values = parseCsvLine(line).map((value) => value.trim());
  const withLinkedid = WITH_LINKEDID.has(values.length);
  if (!withLinkedid && !WITHOUT_LINKEDID.has(values.length)) return null;
  const row = Object.fromEntries(COLUMNS.map((name, i) => [name, values[i]!])) as CdrRow;
  row.linkedid = withLinkedid ? values.at(-2)! : "";
  return row.uniqueid ? row : null;
}

const STATUS: Record<string, string> = {
  ANSWERED: "ANSWER",
  "NO ANSWER": "NOANSWER",
  BUSY: "BUSY",
  FAILED: "FAILED",
  CONGESTION: "CONGESTION",
};

/** Which of a channel's lines tells how it ended: an answer over anything, a busy line over no answer. */
const OUTCOME_RANK = ["ANSWERED", "BUSY", "NO ANSWER", "CONGESTION", "FAILED"];

function outcomeRank(row: CdrRow): number {
  const rank = OUTCOME_RANK.indexOf(row.disposition);
  return rank < 0 ? OUTCOME_RANK.length : rank;
}

/** "Local/s@inbound-0000001b" of "Local/s@inbound-0000001b;2": the two halves of a Local channel share it. */
function localBase(channel: string): string | null {
  const match = /^(Local\/.+);[12]$/.exec(channel);
  return match ? match[1]! : null;
}

/**
 * Whether two lines overlap in time: channel names start over when Asterisk does, so a name seen
 * in two lines ties them only while both were up.
 */
function overlap(a: CdrRow, b: CdrRow): boolean {
  if (!a.start || !a.end || !b.start || !b.end) return true;
  return a.start <= b.end && b.start <= a.end;
}

/**
 * The lines of a post, grouped by call (as a real Asterisk 22 writes them, the transcripts in
 * e2e/fixtures/ami-transcripts): lines with one uniqueid or one linkedid are one channel's or one
 * call's; without the linkedid column, the two halves of a Local channel, and a line and the line
 * of the channel it dialled (its dstchannel, or that channel's other half), are one call.
 */
function groupByCall(rows: CdrRow[]): CdrRow[][] {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root]!;
    for (let at = i; at !== root;) {
      const next = parent[at]!;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  const join = (a: number, b: number) => void (parent[find(a)] = find(b));
  const first = new Map<string, number>();
  const byChannel = new Map<string, number[]>();
  const add = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
    const values = map.get(key);
    if (values) values.push(value);
    else map.set(key, [value]);
  };
  rows.forEach((row, i) => {
    for (const key of [`u:${row.uniqueid}`, ...(row.linkedid ? [`l:${row.linkedid}`] : [])]) {
      const seen = first.get(key);
      if (seen === undefined) first.set(key, i);
      else join(i, seen);
    }
    const base = localBase(row.channel);
    for (const name of [row.channel, ...(base ? [base] : [])]) add(byChannel, name, i);
  });
  rows.forEach((row, i) => {
    const base = localBase(row.channel);
    const dialled = localBase(row.dstchannel);
    const names = [...(base ? [base] : []), ...(row.dstchannel ? [row.dstchannel] : []), ...(dialled ? [dialled] : [])];
    for (const name of names)
      for (const other of byChannel.get(name) ?? []) if (other !== i && overlap(row, rows[other]!)) join(i, other);
  });
  const groups = new Map<number, CdrRow[]>();
  rows.forEach((row, i) => add(groups, find(i), row));
  return [...groups.values()];
}

/**
 * A Local channel's `;1` half that dialled nothing: it only waited while its `;2` half ran the
 * dialplan (the transcripts' trunk), so it is never the call's own line, only a part of one.
 */
function waitingHalf(row: CdrRow): boolean {
  return !row.dstchannel && row.channel.startsWith("Local/") && row.channel.endsWith(";1");
}

/**
 * The line of the channel the call is keyed by, as AMI mode keys it: the one that ran the dialplan
 * and dialled, the one that ended best.
 */
function keyLine(rows: CdrRow[]): CdrRow {
  const score = (row: CdrRow) => (row.dstchannel ? 0 : 1) + outcomeRank(row) / OUTCOME_RANK.length;
  return rows.reduce((best, row) => (score(row) < score(best) ? row : best));
}

/**
 * The call's Linkedid: the column's, else, as the transcripts map a Local trunk, the uniqueid of
 * the key channel's `;1` half (the channel the call began with): its line's, or, when that line
 * comes in another post, the uniqueid just before the `;2` half's (Asterisk makes the two halves
 * one after the other); else the key channel's own.
 */
function linkedidOf(rows: CdrRow[], key: CdrRow): string {
  const column = rows.find((row) => row.linkedid)?.linkedid;
  if (column) return column;
  const base = localBase(key.channel);
  if (!base || !key.channel.endsWith(";2")) return key.uniqueid;
  const first = rows.find((row) => row.channel === `${base};1`)?.uniqueid;
  const sequence = /^(.*\.)(\d+)$/.exec(key.uniqueid);
  return first ?? (sequence && Number(sequence[2]) > 0 ? `${sequence[1]}${Number(sequence[2]) - 1}` : key.uniqueid);
}

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

/** "Y-m-d H:i:s" so many seconds after another, on the same clock. */
function secondsAfter(date: string, seconds: number): string {
  const at = Date.parse(`${date.replace(" ", "T")}Z`);
  return Number.isNaN(at) ? date : new Date(at + seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}

export interface CdrOutcome {
  /** Calls nobody had reported, now on their way to the CRM. */
  recovered: number;
  /** Calls already whole (their hangup reported live, or posted before). */
  known: number;
  /** Calls AMI reported without their end, now ended as the CDR tells. */
  completed: number;
  /** Lines that are no call with a customer (internal, unreadable, no uniqueid). */
  skipped: number;
}

/** A call of the account some line names: the uniqueid it is keyed by, and whether its hangup is stored. */
interface KnownCall {
  uniqueid: string;
  ended: boolean;
}

/** The calls of the account some of these ids (uniqueids or Linkedids) name, by each of their ids. */
async function knownCalls(accountId: string, ids: string[]): Promise<Map<string, KnownCall>> {
  const { rows } = await dbPool().query<{ uniqueid: string; linkedid: string | null; ended: boolean }>(
    `SELECT c."uniqueid", c."linkedid", EXISTS (
       SELECT 1 FROM "call_events" e WHERE e."accountId" = c."accountId" AND e."uniqueid" = c."uniqueid" AND e."type" = 'HANGUP'
     ) AS "ended"
     FROM "calls" c WHERE c."accountId" = $1 AND (c."uniqueid" = ANY($2) OR c."linkedid" = ANY($2))`,
    [accountId, ids],
  );
  const known = new Map<string, KnownCall>();
  for (const row of rows) {
    const call = { uniqueid: row.uniqueid, ended: row.ended };
    known.set(row.uniqueid, call);
    if (row.linkedid) known.set(row.linkedid, call);
  }
  return known;
}

/** What reading a call from its lines needs of the account. */
async function accountContext(accountId: string) {
  const settings = await db().asteriskSettings.findUnique({ where: { accountId } });
  const amiSince = settings?.amiEventsSince ?? null;
  return {
    inbound: new Set(settings?.inboundContexts ?? []),
    amiSince,
    // Tasks for no more missed calls than the caps have room for now (docs/crm-features.md, «Предел задач»).
    taskPlaces: amiSince ? await taskRoom(dbPool(), accountId) : 0,
    extensions: new Set(
      (
        await db().crmUser.findMany({ where: { accountId, extension: { not: null } }, select: { extension: true } })
      ).map((u) => u.extension!),
    ),
    // MixMonitor recorded the account's calls before (docs/ami-events.md, «Recordings in AMI mode»): a recovered
    // answered call's recording is on its way too.
    records: (await db().recordingFile.count({ where: { accountId } })) > 0,
  };
}

/**
 * The account is read only for a call not already whole: nearly every post of a PBX whose events
 * come live names only such calls, and then costs one statement besides the allowance.
 */
export async function recoverFromCdr(accountId: string, clientId: string, text: string): Promise<CdrOutcome> {
  let context: ReturnType<typeof accountContext> | undefined;
  const rows: CdrRow[] = [];
  let skipped = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const row = readRow(line);
    if (row) rows.push(row);
    else skipped++;
  }
  const calls = groupByCall(rows);
  const known = await knownCalls(accountId, [
    ...new Set(rows.flatMap((row) => [row.uniqueid, ...(row.linkedid ? [row.linkedid] : [])])),
  ]);
  const outcome: CdrOutcome = { recovered: 0, known: 0, completed: 0, skipped };
  for (const lines of calls) {
    const seen = lines.map((row) => known.get(row.uniqueid) ?? known.get(row.linkedid)).find(Boolean);
    if (seen?.ended) {
      outcome.known++;
      continue;
    }
    const account = await (context ??= accountContext(accountId));
    const own = lines.filter((row) => !waitingHalf(row));
    const incoming = own.filter((row) => account.inbound.has(row.dcontext));
    // A manager dialling outside: the line of the channel that dialled the number.
    const outgoing = own.filter(
      (row) => row.dstchannel && account.extensions.has(row.src) && /^\+?\d{5,20}$/.test(row.dst),
    );
    const direction = incoming.length ? "in" : outgoing.length ? "out" : undefined;
    if (!direction) {
      outcome.skipped++;
      continue;
    }
    const key = keyLine(direction === "in" ? incoming : outgoing);
    const keyLines = lines.filter((row) => row.uniqueid === key.uniqueid);
    const ended = keyLines.reduce((best, row) => (outcomeRank(row) < outcomeRank(best) ? row : best));
    const answered = ended.disposition === "ANSWERED";
    // The manager: who placed an outgoing call, or whose phone answered (or alone rang) an incoming one.
    const rung = [
      ...new Set(keyLines.map((row) => targetOf(row.dstchannel)).filter((code) => account.extensions.has(code))),
    ];
    const manager =
      direction === "out"
        ? key.src
        : answered && ended.dstchannel
          ? targetOf(ended.dstchannel)
          : rung.length === 1
            ? rung[0]!
            : "";
    const talk = answered ? Math.max(...keyLines.map((row) => Number(row.billsec) || 0)) : 0;
    // The longest line spans the call: from the first channel to the last hangup.
    const total = Math.max(...lines.map((row) => Number(row.duration) || 0));
    const start = lines
      .map((row) => row.start)
      .filter(Boolean)
      .sort()[0];
    const read = readEventParams({
      clientId,
      type: "hangup",
      uniqueid: seen?.uniqueid ?? key.uniqueid,
      phone: direction === "in" ? key.src : key.dst,
      status: STATUS[ended.disposition] ?? "FAILED",
      direct: direction,
      // The end as the dialplan's h extension would date it, on the PBX's clock: the ingest reads
      // the call's start back from it (its first channel's start, less nothing rounded away).
      date: start ? secondsAfter(start, total) : key.end,
      duration: String(talk),
      hold: String(Math.max(0, total - talk)),
      ...(account.extensions.has(manager) ? { code: manager } : {}),
      ...(answered && account.records ? { recording: "upload" } : {}),
    });
    if (!read.ok || read.params.type !== "hangup") {
      log.warn({ accountId, uniqueid: key.uniqueid }, "a CDR line could not be read as a call");
      outcome.skipped++;
      continue;
    }
    const began = channelCreatedAt(key.uniqueid);
    // A line that cannot be dated could be from before AMI mode: it owes no task either.
    const owesTask =
      direction === "in" &&
      !answered &&
      account.taskPlaces > 0 &&
      account.amiSince !== null &&
      began !== null &&
      began >= Math.floor(account.amiSince.getTime() / 1000);
    if (owesTask) account.taskPlaces--;
    // A call AMI showed began after AMI mode; its card is open in the CRM, and the hangup closes it.
    const { duplicate } = await ingestCallEvent(
      accountId,
      { ...read.params, type: "hangup" },
      { uploadOnly: !seen, noTask: !owesTask, source: "cdr", linkedid: linkedidOf(lines, key) },
    );
    if (duplicate) outcome.known++;
    else if (seen) outcome.completed++;
    else outcome.recovered++;
  }
  return outcome;
}
