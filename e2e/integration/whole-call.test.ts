// A whole incoming call (lookup → in → recording upload + hangup via event.sh) and a whole
// outgoing call (click in the CRM → Originate → out → hangup via event.sh), played against both
// simulators with the real endpoints and the real delivery worker; checks exactly what the CRM got.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { pcmWav } from "@/e2e/fixtures/audio";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { playContext } from "@/e2e/setup/dialplan-player";
import { until } from "@/e2e/setup/until";
import { dialplanModern } from "@/lib/asterisk/snippets";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";

let crm: RetailCrmSim;
let pbx: AsteriskSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let clientId: string;
let moduleCode: string;
let dir: string;
let script: string;

async function agi(args: string[], env: Record<string, string> = {}): Promise<number | null> {
  const file = path.join(dir, "event.sh");
  await writeFile(file, script);
  const child = spawn("bash", [file, ...args], {
    env: {
      NODE_ENV: "test",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      QUEUE_LOG: "",
      DEBUG_LOG: "",
      SOXI_PATH: "",
      ...env,
    },
  });
  child.stdout.resume();
  child.stdin.end(`agi_request: event.sh\nagi_uniqueid: ${args[1]}\nagi_extension: h\n\n`);
  return new Promise((resolve) => child.on("close", resolve));
}

function received(uniqueid: string) {
  return {
    events: crm.state.callEvents.filter((e) => e.event.callExternalId === uniqueid).map((e) => e.event),
    uploads: crm.state.calls.filter((c) => c.call.externalId === uniqueid).map((c) => c.call),
  };
}

function settled(uniqueid: string, events: number) {
  return until(
    () => received(uniqueid),
    (got) => got.events.length >= events && got.uploads.length >= 1,
    20_000,
  );
}

/** What a link the CRM got plays once `expected` has arrived (event.sh sends it after the hangup). */
async function recordingAt(url: string, expected: Buffer): Promise<Buffer> {
  return until(
    async () => {
      const response = await fetch(url);
      return response.status === 200 ? Buffer.from(await response.arrayBuffer()) : Buffer.alloc(0);
    },
    (played) => played.equals(expected),
    20_000,
  );
}

beforeAll(async () => {
  pbx = await createAsteriskSim({
    tcpPort: 0,
    httpPort: 0,
    users: [{ username: "crm", secret: "s3cret", read: "call", write: "originate" }],
  });
  app = await serveRoutes({
    "/api/manager": await import("@/app/api/manager/route"),
    "/api/event": await import("@/app/api/event/route"),
    "/api/crm/make-call": await import("@/app/api/crm/make-call/route"),
    "/data/event.sh": await import("@/app/data/event.sh/route"),
    "/recordings/[id]/[sig]": await import("@/app/recordings/[id]/[sig]/route"),
  });
  // The module registers its callbacks at PUBLIC_URL: the routes are served first.
  process.env.PUBLIC_URL = app.url;
  let account;
  ({ crm, account } = await demoCrmAccount({ 3: "101", 4: "102" }));
  clientId = account.clientId;
  moduleCode = account.moduleCode;
  await db().asteriskSettings.update({
    where: { accountId: account.id },
    data: {
      amiPort: pbx.httpPort!,
      amiLogin: "crm",
      amiSecretEnc: encryptSecret("s3cret"),
      channelTemplate: "PJSIP",
      outgoingContext: "from-internal",
    },
  });
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  dir = await mkdtemp(path.join(tmpdir(), "whole-call-"));
  script = await (await fetch(`${app.url}/data/event.sh?clientId=${clientId}`)).text();
});

afterAll(async () => {
  await closeAmiSessions();
  await worker.stop();
  await app.close();
  await crm.close();
  await pbx.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a whole call", () => {
  it("incoming: the CRM gets the popup, the hangup and the call with its recording link", async () => {
    const uniqueid = "1717000000.77";
    const lookup = await fetch(
      `${app.url}/api/manager?${new URLSearchParams({ clientId, phone: "89001234567", type: "json" })}`,
    );
    const answer = (await lookup.json()) as { result: { callerId: string; phone: string } };
    expect(answer).toEqual({ result: { callerId: "Иван Иванов", phone: "101" } });

    const inEvent = await fetch(
      `${app.url}/api/event?${new URLSearchParams({ clientId, type: "in", uniqueid, phone: "89001234567", code: answer.result.phone })}`,
    );
    expect(inEvent.status).toBe(200);

    const recording = path.join(dir, `${uniqueid}.wav`);
    await writeFile(recording, pcmWav(8000, 3));
    expect(
      await agi([recording, uniqueid, "89001234567", "101", "2026-11-23 16:00:00", "in", "ANSWER", "3"], {
        SEND_RECORD_TO_SERVICE: "yes",
      }),
    ).toBe(0);

    const got = await settled(uniqueid, 2);
    expect(got.events).toEqual([
      { phone: "89001234567", type: "in", codes: ["101"], callExternalId: uniqueid },
      { phone: "89001234567", type: "hangup", codes: ["101"], callExternalId: uniqueid, hangupStatus: "answered" },
    ]);
    expect(got.uploads).toHaveLength(1);
    const [upload] = got.uploads;
    expect(upload).toMatchObject({
      // The call's start: the hangup's time minus the 3 s of talk.
      date: "2026-11-23 15:59:57",
      type: "in",
      phone: "89001234567",
      code: "101",
      result: "answered",
      duration: 3,
      externalId: uniqueid,
    });
    expect(await recordingAt(String(upload!.recordUrl), pcmWav(8000, 3))).toEqual(pcmWav(8000, 3));
  });

  it("outgoing: a click in the CRM rings the manager, then out, hangup and the call reach the CRM", async () => {
    const click = await crm.fireMakeCall({ code: "102", phone: "+7 900 123-45-68", userId: 4, moduleCode });
    expect(click.json).toEqual({ success: true });
    const originate = pbx.originates.at(-1)!;
    expect(originate.headers).toMatchObject({ channel: "PJSIP/102", context: "from-internal", exten: "79001234568" });
    const uniqueid = originate.headers.channelid!;

    await fetch(
      `${app.url}/api/event?${new URLSearchParams({ clientId, type: "out", uniqueid, phone: "79001234568", code: "102" })}`,
    );
    expect(await agi(["", uniqueid, "79001234568", "102", "2026-11-23 16:10:00", "out", "BUSY", ""])).toBe(0);

    const got = await settled(uniqueid, 2);
    expect(got.events).toEqual([
      { phone: "79001234568", type: "out", codes: ["102"], callExternalId: uniqueid },
      { phone: "79001234568", type: "hangup", codes: ["102"], callExternalId: uniqueid, hangupStatus: "busy" },
    ]);
    expect(got.uploads).toEqual([
      expect.objectContaining({ type: "out", phone: "79001234568", code: "102", result: "busy", externalId: uniqueid }),
    ]);
  });

  /**
   * A click as a real Asterisk 22 runs it with the «API» tab's 21+ dialplan: the manager answers
   * the Originate, the call enters outgoing-call with CALLERID(num) = the customer's number (the
   * Originate's CallerID), and the h extension runs event.sh.
   */
  async function clickThroughDialplan(phone: string, options: { originateVariables: boolean; forged?: Buffer }) {
    const click = await crm.fireMakeCall({ code: "102", phone, userId: 4, moduleCode });
    expect(click.json).toEqual({ success: true });
    const originate = pbx.originates.at(-1)!;
    const uniqueid = originate.headers.channelid!;
    expect(originate.variables).toContain("CRM_CODE=102");
    const customer = /<(\d+)>/.exec(originate.headers.callerid!)![1]!;
    // MixMonitor's file while the call lasts: part of the audio, both header sizes 0.
    const recording = path.join(dir, `${uniqueid}.wav`);
    await writeFile(recording, pcmWav(8000, 1, { finalized: false }));
    const snippets = dialplanModern({
      locale: "ru",
      serviceUrl: app.url,
      clientId,
      amiLogin: "crm",
      amiTransport: "HTTP",
      channelTemplate: "PJSIP",
    });
    const played = await playContext(
      snippets.map((snippet) => snippet.code).join("\n\n"),
      "outgoing-call",
      {
        vars: {
          EXTEN: originate.headers.exten!,
          "CALLERID(num)": customer,
          UNIQUEID: uniqueid,
          EPOCH: String(Date.UTC(2026, 10, 23, 16, 20) / 1000),
          ...(options.originateVariables
            ? Object.fromEntries(originate.variables.map((v) => v.split("=") as [string, string]))
            : {}),
        },
        dial: { status: "ANSWER", answeredSeconds: 2 },
        recording,
      },
      { curl: async (url) => (await fetch(url)).text() },
    );
    expect(played.curls).toHaveLength(1);
    expect(played.agi).toHaveLength(1);
    if (options.forged) {
      // While the call lasts, someone with the clientId uploads a recording of their own for it.
      const forged = await fetch(
        `${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`,
        {
          method: "POST",
          body: new Uint8Array(options.forged),
        },
      );
      expect(await forged.json()).toMatchObject({ success: true, duplicate: false });
    }
    expect(await agi(played.agi[0]!, { SEND_RECORD_TO_SERVICE: "yes" })).toBe(0);
    // Only now, after the h extension, does MixMonitor finish the file and write its sizes.
    await new Promise((resolve) => setTimeout(resolve, 700));
    await writeFile(recording, pcmWav(8000, 2));
    return { uniqueid, customer, played, recording };
  }

  it("click-to-call through the 21+ dialplan: the CRM gets out, hangup and the call with the manager and the recording", async () => {
    const { uniqueid, customer, played } = await clickThroughDialplan("+7 900 123-45-69", {
      originateVariables: true,
    });
    expect(played.curls[0]).toContain(`type=out&uniqueid=${uniqueid}&phone=${customer}&code=102`);
    expect(played.agi[0]!.slice(1, 4)).toEqual([uniqueid, customer, "102"]);
    const got = await settled(uniqueid, 2);
    expect(got.events).toEqual([
      { phone: customer, type: "out", codes: ["102"], callExternalId: uniqueid },
      { phone: customer, type: "hangup", codes: ["102"], callExternalId: uniqueid, hangupStatus: "answered" },
    ]);
    expect(got.uploads).toEqual([
      expect.objectContaining({ type: "out", phone: customer, code: "102", result: "answered", externalId: uniqueid }),
    ]);
    // The stored recording is the finished file, byte for byte, and plays for its whole length.
    expect(await recordingAt(String(got.uploads[0]!.recordUrl), pcmWav(8000, 2))).toEqual(pcmWav(8000, 2));
    const stored = await db().recording.findFirstOrThrow({ where: { uniqueid } });
    expect(stored).toMatchObject({ sizeBytes: pcmWav(8000, 2).length, durationSeconds: 2, headerRepaired: false });
  });

  it("click-to-call through a dialplan that reports CALLERID(num) as the manager: the service fills in the manager it rang, and the PBX's recording replaces one forged during the call", async () => {
    const { uniqueid, customer, played } = await clickThroughDialplan("+7 900 123-45-70", {
      originateVariables: false,
      forged: pcmWav(8000, 1),
    });
    // What the real run sent: the customer's number as the manager's code.
    expect(played.curls[0]).toContain(`&code=${customer}`);
    expect(played.agi[0]!.slice(1, 4)).toEqual([uniqueid, customer, customer]);
    const got = await settled(uniqueid, 2);
    expect(got.events).toEqual([
      { phone: customer, type: "out", codes: ["102"], callExternalId: uniqueid },
      { phone: customer, type: "hangup", codes: ["102"], callExternalId: uniqueid, hangupStatus: "answered" },
    ]);
    expect(got.uploads).toEqual([expect.objectContaining({ code: "102", externalId: uniqueid })]);
    // The link the CRM got (to the forged recording) plays the PBX's, in the same recording.
    expect(await recordingAt(String(got.uploads[0]!.recordUrl), pcmWav(8000, 2))).toEqual(pcmWav(8000, 2));
    expect(await db().recording.findMany({ where: { uniqueid } })).toEqual([
      expect.objectContaining({ sizeBytes: pcmWav(8000, 2).length, replaceable: false }),
    ]);
    const call = await db().call.findFirstOrThrow({ where: { uniqueid } });
    expect(call).toMatchObject({ extension: "102", result: "answered" });
  });
});
