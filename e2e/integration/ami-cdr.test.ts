// The CDR in AMI mode (docs/ami-events.md, «Пропуски»): the Master.csv lines a real Asterisk 22
// wrote for a call through a Local trunk, a queue, a manager dialling out and a click-to-call
// (e2e/fixtures/ami-transcripts/cdr-master-csv-local-trunk.txt), posted as cdr-sync.sh posts them.
// Several lines are one call; a call AMI showed is that call whichever line names it; cdr-sync.sh's
// first run starts where AMI mode started; a recovered call finds its recording by the file's name.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pcmWav } from "@/e2e/fixtures/audio";
import { cdrLines, MID_CALL_AS_CDR_A, transcriptEvents, type Scenario } from "@/e2e/fixtures/ami-transcripts";
import { serveCallRoutes, startWorkers } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, amiConnected, demoCrmAccount, fullCdrAllowance, listenToAmi } from "@/e2e/setup/factories";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { renderScript } from "@/lib/pbx-scripts";
import { db } from "@/lib/db/client";

let pbx: AsteriskSim;
let crm: RetailCrmSim;
let accountId: string;
let clientId: string;
let app: Awaited<ReturnType<typeof serveCallRoutes>>;
let workers: Awaited<ReturnType<typeof startWorkers>>;

const CDR = cdrLines();

/** The lines with every uniqueid and Linkedid of the form `<Unix time>.<n>` given a systemname, `prefix-…`: another PBX's calls. */
function prefixed(lines: string[], prefix: string): string[] {
  return lines.map((line) => line.replace(/"(\d{10}\.\d+)"/g, `"${prefix}-$1"`));
}

/** The lines moved in time (their dates and their uniqueids' Unix times), as if the calls had been made later. */
function shifted(lines: string[], seconds: number): string[] {
  const later = (date: string) =>
    new Date(Date.parse(`${date.replace(" ", "T")}Z`) + seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
  return lines.map((line) =>
    line
      .replace(/"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"/g, (_, date: string) => `"${later(date)}"`)
      .replace(/-(\d{10})\.(\d+)"/g, (_, at: string, n: string) => `-${Number(at) + seconds}.${n}"`),
  );
}

/**
 * A recorded call played live by the simulated PBX, its channels given the uniqueids the CDR's
 * call had (`ids`: the transcript's → the CDR's, each `prefix-`ed), so that both tell one call.
 */
function playLive(scenario: Scenario, ids: Record<string, string>, prefix: string): void {
  const events = transcriptEvents(scenario).filter((event) => !event.Event!.startsWith("CoreShowChannel"));
  pbx.replay(events, { renumber: (id) => (ids[id] ? `${prefix}-${ids[id]}` : id) });
}

/** Posts CDR lines as cdr-sync.sh does (the account's allowance of posts full again first: each test posts a few). */
async function postCdr(lines: string[]): Promise<unknown> {
  await fullCdrAllowance(accountId);
  return (
    await fetch(`${app.url}/api/cdr?clientId=${clientId}`, { method: "POST", body: `${lines.join("\n")}\n` })
  ).json();
}

/** The calls/upload entries the CRM got for a call. */
const uploadsOf = (externalId: string) =>
  crm.requests
    .filter((request) => request.status === 200 && request.path.endsWith("/calls/upload"))
    .flatMap((request) => JSON.parse(request.form.calls!) as Record<string, unknown>[])
    .filter((call) => call.externalId === externalId);

async function uploadOf(externalId: string): Promise<Record<string, unknown>> {
  return (await until(
    () => uploadsOf(externalId)[0],
    (found) => found !== undefined,
    15_000,
  ))!;
}

/** The account's calls among these uniqueids. */
const callsAmong = async (uniqueids: string[]) =>
  (await db().call.findMany({ where: { accountId, uniqueid: { in: uniqueids } }, select: { uniqueid: true } }))
    .map((call) => call.uniqueid)
    .sort();

/** Every uniqueid the lines name. */
const uniqueidsOf = (lines: string[]) => [
  ...new Set(lines.flatMap((line) => [...line.matchAll(/"([^"]*\d\.\d+)"/g)].map((m) => m[1]!))),
];

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  app = await serveCallRoutes();
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "102", 4: "103", 5: "107" }));
  accountId = account.id;
  clientId = account.clientId;
  // The transcripts' PBX kept its clock in UTC.
  await listenToAmi(accountId, pbx, { inboundContexts: ["inbound", "inbound-queue"], pbxTimeZone: "UTC" });
  workers = await startWorkers();
  await amiConnected(accountId);
}, 60_000);

afterAll(async () => {
  await workers.stop();
  await Promise.all([app.close(), pbx.close(), crm.close()]);
});

const DIRECT = MID_CALL_AS_CDR_A;
/** …and as the CDR's call (a′), written with the linkedid column, named them. */
const LINKED = {
  "1796587247.20": "1796587661.0",
  "1796587247.21": "1796587661.1",
  "1796587247.22": "1796587661.2",
  "1796587247.23": "1796587661.3",
};
/** core-show-channels-mid-call-queue's channels as the CDR's call (b) named them. */
const QUEUE = {
  "1796587272.24": "1796587477.58",
  "1796587272.25": "1796587477.59",
  "1796587272.26": "1796587477.60",
  "1796587272.27": "1796587477.61",
  "1796587277.28": "1796587482.62",
  "1796587277.29": "1796587482.63",
};

describe("CDR lines of calls AMI reported", () => {
  it("are those calls, whichever line names them, with or without the linkedid column", async () => {
    playLive("core-show-channels-mid-call", DIRECT, "live");
    playLive("core-show-channels-mid-call-queue", QUEUE, "live");
    playLive("core-show-channels-mid-call", LINKED, "live");
    for (const key of ["live-1796587454.55", "live-1796587477.59", "live-1796587661.1"]) await uploadOf(key);
    const lines = prefixed([...CDR.a!, ...CDR.b!, ...CDR["a'"]!], "live");
    expect(await postCdr(lines)).toEqual({ success: true, recovered: 0, known: 3, completed: 0, skipped: 0 });
    expect(await callsAmong(uniqueidsOf(lines))).toEqual([
      "live-1796587454.55",
      "live-1796587477.59",
      "live-1796587661.1",
    ]);
  });
});

describe("CDR lines of a call AMI saw begin but not end", () => {
  it("complete it: its hangup reaches the CRM once, under the uniqueid AMI keyed it by", async () => {
    // The events up to the first hangup, then nobody listening (a holder killed mid-call).
    const events = transcriptEvents("core-show-channels-mid-call").filter(
      (event) => !event.Event!.startsWith("CoreShowChannel"),
    );
    const hangupAt = events.findIndex((event) => event.Event === "Hangup");
    pbx.replay(events.slice(0, hangupAt), { renumber: (id) => (DIRECT[id] ? `half-${DIRECT[id]}` : id) });
    const uniqueid = "half-1796587454.55";
    await until(
      () => db().call.findFirst({ where: { accountId, uniqueid } }),
      (call) => call !== null,
      15_000,
    );
    const lines = prefixed(CDR.a!, "half");
    expect(await postCdr(lines)).toEqual({ success: true, recovered: 0, known: 0, completed: 1, skipped: 0 });
    expect(await uploadOf(uniqueid)).toMatchObject({ result: "answered", type: "in", code: "103", duration: 20 });
    expect(await db().call.findFirst({ where: { accountId, uniqueid } })).toMatchObject({
      result: "answered",
      talkSeconds: 20,
    });
    // Posted again (cdr-sync.sh retrying): the call is whole now, nothing more is sent.
    expect(await postCdr(lines)).toEqual({ success: true, recovered: 0, known: 1, completed: 0, skipped: 0 });
    expect(await callsAmong(uniqueidsOf(lines))).toEqual([uniqueid]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(uploadsOf(uniqueid)).toHaveLength(1);
  });
});

describe("CDR lines of calls nobody reported", () => {
  it("make one call per call, with its manager, answer, wait and talk, dated by its start", async () => {
    crm.clearRequests();
    const lines = Object.values(CDR).flat();
    // (d) and (d′) are a click-to-call no account placed: no call of this one.
    expect(await postCdr(lines)).toEqual({ success: true, recovered: 4, known: 0, completed: 0, skipped: 2 });
    expect(await callsAmong(uniqueidsOf(lines))).toEqual([
      "1796587454.55",
      "1796587477.59",
      "1796587506.65",
      "1796587661.1",
    ]);
    const answered = { result: "answered", type: "in", code: "103" };
    expect(await uploadOf("1796587454.55")).toMatchObject({
      ...answered,
      phone: "89001234567",
      duration: 20,
      durationWaiting: 0,
      // 20:04:14 on the PBX's clock (UTC), on the CRM's (Moscow).
      date: "2026-12-06 23:04:14",
    });
    expect(await uploadOf("1796587477.59")).toMatchObject({
      ...answered,
      phone: "84950000001",
      duration: 20,
      durationWaiting: 5,
    });
    expect(await uploadOf("1796587506.65")).toMatchObject({
      ...answered,
      type: "out",
      phone: "89001234567",
      duration: 8,
      durationWaiting: 0,
    });
    expect(await uploadOf("1796587661.1")).toMatchObject({ ...answered, phone: "89001234567", duration: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const uploaded = crm.requests
      .filter((request) => request.path.endsWith("/calls/upload"))
      .flatMap((request) =>
        (JSON.parse(request.form.calls!) as { externalId: string }[]).map((call) => call.externalId),
      );
    expect(uploaded.sort()).toEqual(["1796587454.55", "1796587477.59", "1796587506.65", "1796587661.1"]);
  });

  it("are one call also when its lines come in two posts", async () => {
    const [hangup, dial, wait] = prefixed(CDR.a!, "split");
    expect(await postCdr([hangup!, dial!])).toMatchObject({ recovered: 1 });
    // The trunk's `;1` line alone: its uniqueid is the call's Linkedid.
    expect(await postCdr([wait!])).toMatchObject({ recovered: 0, known: 1 });
    expect(await callsAmong(uniqueidsOf(prefixed(CDR.a!, "split")))).toEqual(["split-1796587454.55"]);
    // The customer's leg and the manager's waiting half first, the line that dialled after.
    const [customer, dialled, waiting] = prefixed(CDR.c!, "split");
    expect(await postCdr([customer!, waiting!])).toMatchObject({ recovered: 0, known: 0, skipped: 2 });
    expect(await postCdr([dialled!])).toMatchObject({ recovered: 1 });
    expect(await callsAmong(uniqueidsOf(prefixed(CDR.c!, "split")))).toEqual(["split-1796587506.65"]);
  });
});

/** cdr-sync.sh run once by cron, in its own folders: its exit code and what it wrote to stderr. */
async function runScript(
  dir: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  const script = path.join(dir, "cdr-sync.sh");
  await writeFile(script, renderScript("cdr-sync.sh", { serviceUrl: app.url, clientId }));
  await fullCdrAllowance(accountId);
  return new Promise((resolve) => {
    let stderr = "";
    const child = spawn("bash", [script], {
      env: {
        ...process.env,
        TZ: "UTC",
        CDR_FILE: path.join(dir, "Master.csv"),
        MONITOR_DIR: path.join(dir, "monitor"),
        STATE_DIR: path.join(dir, "state"),
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

/** The (a), (b) and (c) calls of the transcript made `hoursAgo` hours ago (each an hour later than the one before). */
function masterCsv(prefix: string, hoursAgo: [number, number, number]): string[][] {
  const recorded = Date.parse("2026-12-06T20:04:14Z") / 1000;
  return (["a", "b", "c"] as const).map((call, i) =>
    shifted(prefixed(CDR[call]!, prefix), Math.round(Date.now() / 1000 - recorded - hoursAgo[i]! * 3600)),
  );
}

describe("cdr-sync.sh's first run", () => {
  it.each([
    { since: "AMI mode was switched on, half an hour ago", amiHoursAgo: 0.5, prefix: "first" },
    { since: "an hour ago, AMI mode being on for two days", amiHoursAgo: 48, prefix: "hour" },
  ])("takes only the lines newer than when $since, and says so in its log", async ({ amiHoursAgo, prefix }) => {
    await db().asteriskSettings.update({
      where: { accountId },
      data: { amiEventsSince: new Date(Date.now() - amiHoursAgo * 3600_000) },
    });
    const dir = await mkdtemp(path.join(tmpdir(), "cdr-first-"));
    try {
      const [old, older, recent] = masterCsv(prefix, [5, 3, 0.2]);
      const before = [...old!, ...older!].join("\n") + "\n";
      await writeFile(path.join(dir, "Master.csv"), `${before}${recent!.join("\n")}\n`);
      expect(await runScript(dir)).toEqual({ code: 0, stderr: "" });
      expect(Number(await readFile(path.join(dir, "state", "cdr-offset"), "utf8"))).toBe(
        Buffer.byteLength(`${before}${recent!.join("\n")}\n`),
      );
      // Only (c), keyed by the channel that dialled.
      expect(await callsAmong(uniqueidsOf([...old!, ...older!, ...recent!]))).toEqual(
        uniqueidsOf(recent!).filter((id) => id.endsWith(".65")),
      );
      expect(await readFile(path.join(dir, "state", "cdr-sync.log"), "utf8")).toMatch(
        new RegExp(
          `первый запуск: строки CDR, закончившиеся до .*, в сервис не отправлены: ${Buffer.byteLength(before)} байт Master.csv пропущено`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a call recovered from the CDR", () => {
  it("is sent with its recording's link, and finds the file by the uniqueid in its name", async () => {
    // The account's calls are recorded (AMI showed MixMonitor's file before).
    playLive("core-show-channels-mid-call", DIRECT, "recorded");
    await uploadOf("recorded-1796587454.55");
    const dir = await mkdtemp(path.join(tmpdir(), "cdr-recording-"));
    try {
      const [call] = masterCsv("rec", [0.1, 0, 0]);
      await writeFile(path.join(dir, "Master.csv"), `${call!.join("\n")}\n`);
      const uniqueid = uniqueidsOf(call!).find((id) => id.endsWith(".55"))!;
      // The call ended and its line was posted before MixMonitor's file had been left alone long enough.
      expect(await runScript(dir)).toEqual({ code: 0, stderr: "" });
      const { id } = await db().call.findFirstOrThrow({ where: { accountId, uniqueid } });
      // The CRM keeps the first upload of a call: the link is in it, and plays the file once it is there.
      expect(await uploadOf(uniqueid)).toMatchObject({
        code: "103",
        recordUrl: expect.stringMatching(new RegExp(`/recordings/c${id}/`)),
      });
      // Where the «API» tab's MixMonitor line writes it: <date>/<uniqueid>.wav.
      const file = path.join(dir, "monitor", "2026-12-06", `${uniqueid}.wav`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, pcmWav(8000, 2));
      const old = new Date(Date.now() - 5 * 60_000);
      await utimes(file, old, old);
      expect(await runScript(dir)).toEqual({ code: 0, stderr: "" });
      expect(await db().recording.findFirst({ where: { accountId, uniqueid } })).toMatchObject({
        callId: id,
        sizeBytes: pcmWav(8000, 2).length,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
