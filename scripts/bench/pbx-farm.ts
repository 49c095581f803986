// The PBXs of the tenants section, in a process of their own so that what they cost is theirs
// (from /proc): FARM_PBXS simulated Asterisks (e2e/sim/asterisk/farm.ts), each playing the call a
// real Asterisk 22 sent for a caller put through a Local trunk to a manager who answers, once every
// `everyS` seconds when told to start, and an HTTP port on which the bench tells and asks. Each PBX
// also does what the «API» tab's cron does: once a minute it posts the CDR lines of its calls that
// ended (the lines the same real Asterisk wrote for such a call) to /api/cdr, keeping those a
// refused post did not take for the next run (docs/ami-events.md, «Пропуски»).
import { createServer } from "node:http";
import { cdrLines, MID_CALL_AS_CDR_A, transcriptEvents, when } from "../../e2e/fixtures/ami-transcripts";
import { createPbxFarm } from "../../e2e/sim/asterisk/farm";
import type { AmiUser } from "../../e2e/sim/asterisk";
import { LIKE_CURL } from "./curl";

/** The recorded call (its listing at a connection's start left out) and its key, the externalId of its calls/upload. */
const CALL = transcriptEvents("core-show-channels-mid-call").filter(
  (event) => !event.Event!.startsWith("CoreShowChannel"),
);
const CALL_ID = "1796587454.55";
/** The Master.csv lines of such a call, and when the last of them ended (s, on the lines' clock). */
const CDR = cdrLines().a!;
const DATE = /"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"/g;
const secondsOf = (date: string) => Date.parse(`${date.replace(" ", "T")}Z`) / 1000;
const CDR_END = Math.max(...CDR.flatMap((line) => [...line.matchAll(DATE)].map((match) => secondsOf(match[1]!))));
/** Seconds it rings before the manager answers, and they talk. */
const RING_MS = 2_000;
const TALK_MS = 8_000;
const PAUSES = [
  { before: when("DialEnd", { DialStatus: "ANSWER" }), ms: RING_MS },
  { before: when("Hangup"), ms: TALK_MS },
];
/** cron's period. */
const CRON_MS = 60_000;

/** The call's lines as a PBX whose clock is UTC writes them, its uniqueids `prefix-`ed, ending now. */
function cdrOf(prefix: string): string[] {
  const shift = Math.round(Date.now() / 1000 - CDR_END);
  const at = (date: string) => new Date((secondsOf(date) + shift) * 1000).toISOString().slice(0, 19).replace("T", " ");
  return CDR.map((line) =>
    line.replace(DATE, (_, date: string) => `"${at(date)}"`).replace(/"(\d{10}\.\d+)"/g, `"${prefix}-$1"`),
  );
}

export interface FarmState {
  ports: number[];
  /** PBXs with a logged-in event session now. */
  connected: number;
  /** PBXs with more than one: a connection handed over whose old holder has not closed it yet. */
  doubled: number;
  /** Calls started, and those whose last event is not sent yet. */
  started: number;
  open: number;
  /** CDR posts answered 200, and those refused or unanswered (their lines kept for the next run). */
  cdrPosts: number;
  cdrRefused: number;
}

/** Where cron posts the CDR: the service, and the clientId of each PBX's account. */
export interface CdrTarget {
  serviceUrl: string;
  clientIds: string[];
}

/** A call the farm played: its externalId in the CRM, its PBX, when it started (ms). */
export interface PlayedCall {
  id: string;
  pbx: number;
  at: number;
}

const user = JSON.parse(process.env.FARM_USER ?? "null") as AmiUser | null;
if (!user) throw new Error("FARM_USER (the AMI user, JSON) is required");
const farm = await createPbxFarm(Number(process.env.FARM_PBXS), { users: [user] });
const played: PlayedCall[] = [];
/** The calls' timers, and cron's, which runs on after the calls stop until the farm closes. */
const timers = new Set<NodeJS.Timeout>();
const cron = new Set<NodeJS.Timeout>();
/** Each PBX's Master.csv lines not posted yet. */
const unposted: string[][] = farm.pbxs.map(() => []);
let open = 0;
let cdrPosts = 0;
let cdrRefused = 0;

/**
 * This farm's calls apart from every other farm's: the bench's one CRM simulator keeps the calls of
 * every size it measured, and lists an upload whose externalId it has seen as a duplicate.
 */
const RUN = Date.now().toString(36);

function play(pbx: number): void {
  const prefix = `${RUN}p${pbx}c${played.length}`;
  played.push({ id: `${prefix}-${CALL_ID}`, pbx, at: Date.now() });
  open++;
  void farm
    .playCall(pbx, CALL, {
      renumber: (id) => (id ? `${prefix}-${MID_CALL_AS_CDR_A[id] ?? id}` : id),
      pauses: PAUSES,
    })
    .then(() => unposted[pbx]!.push(...cdrOf(prefix)))
    .finally(() => open--);
}

/** One run of cdr-sync.sh on a PBX: its new lines posted, kept when the post is refused. */
async function postCdr(pbx: number, target: CdrTarget): Promise<void> {
  const lines = unposted[pbx]!.splice(0);
  if (lines.length === 0) return;
  const clientId = encodeURIComponent(target.clientIds[pbx]!);
  const response = await fetch(`${target.serviceUrl}/api/cdr?clientId=${clientId}`, {
    method: "POST",
    headers: LIKE_CURL,
    body: `${lines.join("\n")}\n`,
  }).catch(() => null);
  await response?.arrayBuffer();
  if (response?.ok) cdrPosts++;
  else {
    cdrRefused++;
    unposted[pbx]!.unshift(...lines);
  }
}

/** `work` for every PBX every `everyMs`, each first at a random moment of the first period. */
function everyPbx(everyMs: number, work: (pbx: number) => void, into: Set<NodeJS.Timeout>): void {
  farm.pbxs.forEach((_, pbx) => {
    const first = setTimeout(() => {
      into.delete(first);
      work(pbx);
      const every = setInterval(() => work(pbx), everyMs);
      into.add(every);
    }, Math.random() * everyMs);
    into.add(first);
  });
}

/** Every PBX a call every `everyS` seconds, and its cron posting the CDR every minute. */
function start(everyS: number, cdr: CdrTarget): void {
  everyPbx(everyS * 1000, play, timers);
  everyPbx(CRON_MS, (pbx) => void postCdr(pbx, cdr), cron);
}

function stop(which: Set<NodeJS.Timeout>): void {
  for (const timer of which) clearTimeout(timer);
  which.clear();
}

const control = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://farm");
  const answer = (body: unknown) => response.setHeader("content-type", "application/json").end(JSON.stringify(body));
  if (url.pathname === "/state") {
    const state: FarmState = {
      ports: farm.pbxs.map((pbx) => pbx.tcpPort!),
      connected: farm.connected(),
      doubled: farm.doubled(),
      started: played.length,
      open,
      cdrPosts,
      cdrRefused,
    };
    return answer(state);
  }
  if (url.pathname === "/calls") return answer(played);
  if (url.pathname === "/start" && request.method === "POST") {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      start(Number(url.searchParams.get("everyS") ?? 60), JSON.parse(body) as CdrTarget);
      answer({ ok: true });
    });
    return;
  }
  if (url.pathname === "/stop" && request.method === "POST") {
    stop(timers);
    return answer({ ok: true });
  }
  response.statusCode = 404;
  response.end();
});
control.listen(0, "127.0.0.1", () => {
  const address = control.address();
  console.log(`farm of ${farm.pbxs.length} PBXs, control listening ${typeof address === "object" && address?.port}`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    stop(timers);
    stop(cron);
    control.close();
    void farm.close().then(() => process.exit(0));
  });
