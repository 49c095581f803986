// The PBXs of the tenants section, in a process of their own so that what they cost is theirs
// (from /proc): FARM_PBXS simulated Asterisks (e2e/sim/asterisk/farm.ts), each playing the call a
// real Asterisk 22 sent for a caller put through to a manager who answers, once every
// `everyS` seconds when told to start, and an HTTP port on which the bench tells and asks.
import { createServer } from "node:http";
import { transcriptEvents, when } from "../../e2e/fixtures/ami-transcripts";
import { createPbxFarm } from "../../e2e/sim/asterisk/farm";
import type { AmiUser } from "../../e2e/sim/asterisk";

/** The recorded call and its uniqueid, the one its calls/upload carries as externalId. */
const CALL = transcriptEvents("incoming-known-direct-answered");
const CALL_ID = "1796313595.1";
/** Seconds it rings before the manager answers, and they talk. */
const RING_MS = 2_000;
const TALK_MS = 8_000;
const PAUSES = [
  { before: when("DialEnd", { DialStatus: "ANSWER" }), ms: RING_MS },
  { before: when("Hangup"), ms: TALK_MS },
];

export interface FarmState {
  ports: number[];
  /** PBXs with a logged-in event session now. */
  connected: number;
  /** PBXs with more than one: a connection handed over whose old holder has not closed it yet. */
  doubled: number;
  /** Calls started, and those whose last event is not sent yet. */
  started: number;
  open: number;
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
const timers = new Set<NodeJS.Timeout>();
let open = 0;

function play(pbx: number): void {
  const prefix = `p${pbx}c${played.length}`;
  played.push({ id: `${prefix}-${CALL_ID}`, pbx, at: Date.now() });
  open++;
  void farm
    .playCall(pbx, CALL, { renumber: (id) => (id ? `${prefix}-${id}` : id), pauses: PAUSES })
    .finally(() => open--);
}

/** Every PBX a call every `everyS` seconds, the first at a random moment of the first period. */
function start(everyS: number): void {
  farm.pbxs.forEach((_, pbx) => {
    const first = setTimeout(
      () => {
        timers.delete(first);
        play(pbx);
        const every = setInterval(() => play(pbx), everyS * 1000);
        timers.add(every);
      },
      Math.random() * everyS * 1000,
    );
    timers.add(first);
  });
}

function stop(): void {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
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
    };
    return answer(state);
  }
  if (url.pathname === "/calls") return answer(played);
  if (url.pathname === "/start" && request.method === "POST") {
    start(Number(url.searchParams.get("everyS") ?? 60));
    return answer({ ok: true });
  }
  if (url.pathname === "/stop" && request.method === "POST") {
    stop();
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
    stop();
    control.close();
    void farm.close().then(() => process.exit(0));
  });
