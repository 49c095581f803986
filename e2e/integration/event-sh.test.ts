// event.sh end to end: the script downloaded from /data/event.sh, run with bash as Asterisk runs it,
// reporting to the real /api/event handler over HTTP; the call must be stored as the CRM will get it.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { until } from "@/e2e/setup/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoCrmAccount } from "@/e2e/setup/factories";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import { db } from "@/lib/db/client";
import { pcmWav } from "@/e2e/fixtures/audio";
import { startRecordingWork } from "@/lib/recordings";

const PUBLIC_URL = "http://127.0.0.1:3999";

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let clientId: string;
let accountId: string;
let dir: string;
let script: string;

/** Runs the downloaded script with bash: the AGI header on stdin, the dialplan's arguments, settings from the environment. */
async function runScript(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; log: string }> {
  const file = path.join(dir, "event.sh");
  const debugLog = path.join(dir, "debug.log");
  await writeFile(file, script);
  await rm(debugLog, { force: true });
  const child = spawn("bash", [file, ...args], {
    env: {
      NODE_ENV: "test",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      QUEUE_LOG: "",
      DEBUG_LOG: debugLog,
      SEND_RECORD_TO_SERVICE: "",
      SOXI_PATH: "",
      ...env,
    },
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  child.stdout.resume();
  child.stdin.end(
    `agi_request: event.sh\nagi_channel: PJSIP/trunk-00000007\nagi_uniqueid: ${args[1]}\nagi_context: manager-call\nagi_extension: h\n\n`,
  );
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(killer);
  return { code, log: await readFile(debugLog, "utf8").catch(() => "") };
}

beforeAll(async () => {
  const demo = await demoCrmAccount();
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  app = await serveRoutes({
    "/api/event": await import("@/app/api/event/route"),
    "/data/event.sh": await import("@/app/data/event.sh/route"),
  });
  dir = await mkdtemp(path.join(tmpdir(), "event-sh-e2e-"));
  // The copy the admin downloads, pointed at this test server instead of the public address.
  const downloaded = await (await fetch(`${app.url}/data/event.sh?clientId=${clientId}`)).text();
  script = downloaded.replace(`SERVICE_URL="${PUBLIC_URL}"`, `SERVICE_URL="${app.url}"`);
});

afterAll(async () => {
  await app.close();
  await crm.close();
  await rm(dir, { recursive: true, force: true });
});

describe("GET /data/event.sh", () => {
  it("serves the script personalised for a known clientId", async () => {
    const response = await fetch(`${app.url}/data/event.sh?clientId=${clientId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/x-shellscript; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="event.sh"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(text).toContain(`\nCLIENTID="${clientId}"\n`);
    expect(text).toContain(`\nSERVICE_URL="${PUBLIC_URL}"\n`);
  });

  it("refuses an unknown clientId instead of serving a script with a wrong one", async () => {
    const response = await fetch(`${app.url}/data/event.sh?clientId=${"f".repeat(64)}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("unknown clientId\n");
  });
});

describe("event.sh → /api/event", () => {
  it("stores an answered Dial() call", async () => {
    const run = await runScript([
      "",
      "1717180000.1",
      "+79001234567",
      "101",
      "2026-11-23 12:00:00",
      "in",
      "ANSWER",
      "65",
    ]);
    expect(run.code).toBe(0);
    expect(run.log).toContain("hangup: HTTP 200");
    const stored = await db().callEvent.findMany({ where: { accountId, uniqueid: "1717180000.1" } });
    expect(stored.map((e) => e.type)).toEqual(["HANGUP"]);
    expect(stored[0]?.payload).toMatchObject({
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 12:00:00",
      duration: 65,
    });
    const call = await db().call.findUniqueOrThrow({
      where: { accountId_uniqueid: { accountId, uniqueid: "1717180000.1" } },
    });
    expect(call).toMatchObject({
      direction: "IN",
      phone: "+79001234567",
      extension: "101",
      result: "answered",
      waitSeconds: null,
      talkSeconds: 65,
    });
  });

  it("stores a Queue() call from queue_log with its recording uploaded after the hangup", async () => {
    const uid = "1717181000.101";
    const queueLog = path.join(dir, "queue_log");
    await writeFile(
      queueLog,
      [
        `1717181000|${uid}|support|NONE|ENTERQUEUE||79001234567|1`,
        `1717181021|${uid}|support|PJSIP/202|CONNECT|21|1717181015.104|6`,
        `1717181143|${uid}|support|PJSIP/202|COMPLETECALLER|21|122|1`,
        "",
      ].join("\n"),
    );
    const recording = path.join(dir, `${uid}.wav`);
    const audio = pcmWav(8000, 2);
    await writeFile(recording, audio);

    const run = await runScript([recording, uid, "79001234567", "", "2026-11-23 12:10:00", "in", "NO ANSWER", "143"], {
      QUEUE_LOG: queueLog,
      SEND_RECORD_TO_SERVICE: "yes",
    });
    expect(run.code).toBe(0);
    expect(run.log).toContain("hangup: HTTP 200");

    // The hangup first, then the recording from event.sh's background copy.
    const events = await until(
      () => db().callEvent.findMany({ where: { accountId, uniqueid: uid }, orderBy: { id: "asc" } }),
      (found) => found.length >= 2,
      20_000,
    );
    expect(events.map((e) => e.type)).toEqual(["HANGUP", "UPLOAD"]);
    const recordingRow = await db().recording.findFirstOrThrow({ where: { accountId, uniqueid: uid } });
    expect(recordingRow).toMatchObject({ sizeBytes: audio.length, contentType: "audio/wav", durationSeconds: 2 });
    // A worker's encoder then keeps it as MP3 (docs/recordings.md).
    expect(recordingRow.state).toBe("PENDING");
    const work = await startRecordingWork(process.env.DATABASE_URL!, { encoders: 1, compactEveryMs: 100 });
    try {
      const compact = await until(
        () => db().recording.findUniqueOrThrow({ where: { id: recordingRow.id } }),
        (found) => found.state === "COMPACT",
        20_000,
      );
      expect(compact).toMatchObject({ contentType: "audio/mpeg", durationSeconds: 2 });
      expect(compact.sizeBytes).toBeLessThan(audio.length);
    } finally {
      await work.stop();
    }
    const call = await db().call.findUniqueOrThrow({ where: { accountId_uniqueid: { accountId, uniqueid: uid } } });
    expect(call).toMatchObject({
      direction: "IN",
      phone: "79001234567",
      extension: "202",
      result: "answered",
      waitSeconds: 21,
      talkSeconds: 122,
    });
  });

  it("uploads the finished recording after the hangup in place of one forged while the call lasted", async () => {
    const uid = "1717182000.7";
    const query = (params: Record<string, string>) =>
      `${app.url}/api/event?${new URLSearchParams({ clientId, ...params })}`;
    expect((await fetch(query({ type: "in", uniqueid: uid, phone: "79001234567", code: "101" }))).status).toBe(200);
    const forged = await fetch(query({ type: "upload", uniqueid: uid }), {
      method: "POST",
      body: new Uint8Array(pcmWav(8000, 1)),
    });
    expect(await forged.json()).toMatchObject({ success: true, duplicate: false });
    const early = await db().recording.findFirstOrThrow({ where: { accountId, uniqueid: uid } });
    const recording = path.join(dir, `${uid}.wav`);
    const audio = pcmWav(8000, 2);
    await writeFile(recording, audio);

    const run = await runScript([recording, uid, "79001234567", "101", "2026-11-23 12:20:00", "in", "ANSWER", "2"], {
      SEND_RECORD_TO_SERVICE: "yes",
    });
    expect(run.code).toBe(0);
    const replaced = await until(
      () => db().recording.findMany({ where: { accountId, uniqueid: uid } }),
      (found) => found[0]?.sizeBytes === audio.length,
      20_000,
    );
    expect(replaced).toEqual([
      expect.objectContaining({ id: early.id, sizeBytes: audio.length, durationSeconds: 2, replaceable: false }),
    ]);
  });
});
