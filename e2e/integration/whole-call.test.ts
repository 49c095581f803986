// A whole incoming call (lookup → in → recording upload + hangup via event.sh) and a whole
// outgoing call (click in the CRM → Originate → out → hangup via event.sh), played against both
// simulators with the real endpoints and the real delivery worker; checks exactly what the CRM got.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import { connectAccount } from "@/lib/accounts/connect";
import { closeAmiSessions } from "@/lib/asterisk/ami/pool";
import { encryptSecret } from "@/lib/crypto/secrets";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery/worker";
import { pcmWav } from "@/lib/recordings/test-audio";
import { mapExtensions } from "@/e2e/setup/factories";

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

async function settled(uniqueid: string, events: number) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const got = received(uniqueid);
    if (got.events.length >= events && got.uploads.length >= 1) return got;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return received(uniqueid);
}

beforeAll(async () => {
  crm = await createRetailCrmSim();
  seedDemo(crm);
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
  process.env.PUBLIC_URL = app.url;
  const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
  clientId = account.clientId;
  moduleCode = account.moduleCode;
  await mapExtensions(account.id, { 3: "101", 4: "102" });
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
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, { pollInterval: 100 });
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
      date: "2026-11-23 16:00:00",
      type: "in",
      phone: "89001234567",
      code: "101",
      result: "answered",
      duration: 3,
      externalId: uniqueid,
    });
    const audio = await fetch(String(upload!.recordUrl));
    expect(audio.status).toBe(200);
    expect(Buffer.from(await audio.arrayBuffer()).equals(pcmWav(8000, 3))).toBe(true);
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
});
