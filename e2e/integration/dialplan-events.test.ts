// /api/event end to end: the dialplan's requests over HTTP, stored, then delivered to the
// retailCRM simulator by the real queue worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { serveRoutes } from "@/e2e/setup/route-server";
import * as eventRoute from "@/app/api/event/route";
import * as recordingRoute from "@/app/recordings/[id]/[sig]/route";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { chunkedStream, pcmWav } from "@/e2e/fixtures/audio";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { forgetRecentAccounts } from "@/lib/accounts";
import { until } from "@/e2e/setup/until";
import { listCalls } from "@/lib/journal";
import { MULTIPART_HEAD_BYTES } from "@/lib/http/multipart";
import { FAST_DELIVERY } from "@/e2e/setup/delivery";
import { signRecordingPath, RecordingNotFoundError, recordingStores } from "@/lib/recordings";

let crm: RetailCrmSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let worker: DeliveryWorker;
let clientId: string;
let accountId: string;

async function event(params: Record<string, string>, method: "GET" | "POST" = "GET") {
  const query = new URLSearchParams({ clientId, ...params });
  const response =
    method === "GET"
      ? await fetch(`${app.url}/api/event?${query}`)
      : await fetch(`${app.url}/api/event`, { method: "POST", body: query });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function crmCalls(uniqueid: string) {
  const events = crm.state.callEvents.filter((e) => e.event.callExternalId === uniqueid).map((e) => e.event);
  const uploads = crm.state.calls.filter((c) => c.call.externalId === uniqueid).map((c) => c.call);
  return { events, uploads };
}

beforeAll(async () => {
  const demo = await demoCrmAccount({ 3: "101", 4: "102" });
  crm = demo.crm;
  clientId = demo.account.clientId;
  accountId = demo.account.id;
  app = await serveRoutes({ "/api/event": eventRoute, "/recordings/[id]/[sig]": recordingRoute });
  worker = await startDeliveryWorker(process.env.DATABASE_URL!, { ...FAST_DELIVERY, concurrency: 4 });
});
afterAll(async () => {
  await worker.stop();
  await app.close();
  await crm.close();
});

describe("/api/event", () => {
  it("turns in + hangup into call events and one uploaded call, in order, exactly once", async () => {
    expect(await event({ type: "in", uniqueid: "1717171717.1", phone: "+79001234567", code: "101,102" })).toEqual({
      status: 200,
      body: { success: true, duplicate: false },
    });
    const hangup = {
      type: "hangup",
      uniqueid: "1717171717.1",
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      DATE: "2026-11-23 12:00:00",
      hold: "7",
      duration: "65",
      path: "https://pbx.example/rec/1.wav",
    };
    expect((await event(hangup, "POST")).body).toEqual({ success: true, duplicate: false });
    expect((await event(hangup)).body).toEqual({ success: true, duplicate: true });

    const { events, uploads } = await until(
      () => crmCalls("1717171717.1"),
      (c) => c.uploads.length === 1,
    );
    expect(events).toEqual([
      { phone: "+79001234567", type: "in", codes: ["101", "102"], callExternalId: "1717171717.1" },
      {
        phone: "+79001234567",
        type: "hangup",
        codes: ["101"],
        callExternalId: "1717171717.1",
        hangupStatus: "answered",
      },
    ]);
    expect(uploads).toEqual([
      {
        // The call's start: the hangup at 12:00:00 minus 7 s of waiting and 65 s of talk.
        date: "2026-11-23 11:58:48",
        type: "in",
        phone: "+79001234567",
        code: "101",
        result: "answered",
        duration: 65,
        durationWaiting: 7,
        externalId: "1717171717.1",
        recordUrl: "https://pbx.example/rec/1.wav",
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(crmCalls("1717171717.1").events).toHaveLength(2);
  });

  it("shows the popup to every mapped manager when code is empty", async () => {
    await event({ type: "in", uniqueid: "1717171717.2", phone: "89001234568", code: "" });
    const { events } = await until(
      () => crmCalls("1717171717.2"),
      (c) => c.events.length === 1,
    );
    expect(events[0]?.codes).toEqual(["101", "102"]);
  });

  it("makes a correct CRM call out of a hangup that arrives alone, with the two spellings of no answer", async () => {
    await event({
      type: "hangup",
      uniqueid: "1717171717.3",
      phone: "89001234568",
      code: "102",
      status: "NO ANSWER",
      direct: "out",
      date: "2026-11-23 12:05:00",
      hold: "20",
      duration: "0",
    });
    const { events, uploads } = await until(
      () => crmCalls("1717171717.3"),
      (c) => c.uploads.length === 1,
    );
    expect(events).toEqual([
      {
        phone: "89001234568",
        type: "hangup",
        codes: ["102"],
        callExternalId: "1717171717.3",
        hangupStatus: "no answered",
      },
    ]);
    expect(uploads[0]).toMatchObject({ type: "out", result: "no answer", durationWaiting: 20, duration: 0 });
  });

  it("marks a request the CRM refuses as failed with its errorMsg and goes on with the next", async () => {
    crm.failNext(1, {
      status: 400,
      pathPrefix: "/api/v5/telephony/call/event",
      body: { success: false, errorMsg: "Errors in the entity format" },
    });
    await event({
      type: "hangup",
      uniqueid: "1717171717.4",
      phone: "89001234568",
      code: "102",
      status: "BUSY",
      direct: "in",
      date: "2026-11-23 12:10:00",
    });
    const { uploads } = await until(
      () => crmCalls("1717171717.4"),
      (c) => c.uploads.length === 1,
    );
    expect(uploads[0]?.result).toBe("busy");
    // The CRM has the upload before the worker has its answer: wait for the outcome to be written.
    const deliveries = await until(
      () =>
        db().delivery.findMany({ where: { accountId, call: { uniqueid: "1717171717.4" } }, orderBy: { id: "asc" } }),
      (rows) => rows.every((d) => d.state !== "QUEUED"),
    );
    expect(deliveries.map((d) => [d.kind, d.state, d.lastError])).toEqual([
      ["CALL_EVENT", "FAILED", "Errors in the entity format"],
      ["CALLS_UPLOAD", "SENT", null],
    ]);
  });

  it("marks a refused upload as failed and does not send it again", async () => {
    crm.failNext(1, {
      status: 400,
      pathPrefix: "/api/v5/telephony/calls/upload",
      body: { success: false, errorMsg: "Errors in the entity format" },
    });
    await event({
      type: "hangup",
      uniqueid: "1717171717.10",
      phone: "89001234568",
      code: "102",
      status: "BUSY",
      direct: "in",
      date: "2026-11-23 12:15:00",
    });
    const states = await until(
      () =>
        db().delivery.findMany({ where: { accountId, call: { uniqueid: "1717171717.10" } }, orderBy: { id: "asc" } }),
      (rows) => rows.every((d) => d.state !== "QUEUED"),
    );
    expect(states.map((d) => [d.kind, d.state, d.lastError])).toEqual([
      ["CALL_EVENT", "SENT", null],
      ["CALLS_UPLOAD", "FAILED", "Errors in the entity format"],
    ]);
    expect(crmCalls("1717171717.10").uploads).toHaveLength(0);
  });

  it("keeps events while the CRM is down and delivers them once it is back, in order", async () => {
    crm.setOutage("reset");
    await event({ type: "in", uniqueid: "1717171717.5", phone: "+79001234567", code: "101" });
    await event({
      type: "hangup",
      uniqueid: "1717171717.5",
      phone: "+79001234567",
      code: "101",
      status: "ANSWERED",
      direct: "in",
      date: "2026-11-23 12:20:00",
      duration: "30",
    });
    await until(
      () => db().deliveryAttempt.count({ where: { delivery: { call: { uniqueid: "1717171717.5" } } } }),
      (n) => n >= 1,
    );
    expect(crmCalls("1717171717.5").events).toHaveLength(0);
    crm.setOutage("none");
    const { events, uploads } = await until(
      () => crmCalls("1717171717.5"),
      (c) => c.uploads.length === 1,
      30_000,
    );
    expect(events.map((e) => e.type)).toEqual(["in", "hangup"]);
    expect(uploads).toHaveLength(1);
  }, 40_000);

  it("refuses precisely what identifies no event or no call, and stores nothing", async () => {
    const before = await db().callEvent.count();
    expect(await event({ type: "ring", uniqueid: "1.1", phone: "1" })).toEqual({
      status: 400,
      body: { success: false, errorMsg: "parameter type must be one of in, out, hangup, upload" },
    });
    expect(await event({ type: "in", phone: "1" })).toEqual({
      status: 400,
      body: { success: false, errorMsg: "parameter uniqueid is required" },
    });
    expect(await event({ type: "in", uniqueid: "1.2" })).toEqual({
      status: 400,
      body: { success: false, errorMsg: "parameter phone is required for type=in" },
    });
    expect((await event({ type: "hangup", uniqueid: "1.4'; DROP TABLE calls;--", phone: "1" })).status).toBe(400);
    expect(await db().callEvent.count()).toBe(before);
  });

  it("stores a hangup whose optional parameters are wrong, cleaned or without them, says so, and delivers it", async () => {
    const uniqueid = "1717171717.90";
    const hangup = {
      type: "hangup",
      uniqueid,
      phone: "+79001234567;",
      code: "101,102",
      status: "ANSWER\u0007",
      direct: "sideways",
      date: "yesterday",
      hold: "-3",
      duration: "12",
    };
    const answer = await event(hangup);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      success: true,
      duplicate: false,
      warnings: [
        'parameter phone has characters a phone number cannot have; used "+79001234567" instead',
        "parameter status has unprintable characters; the event was stored without it",
        "parameter direct must be in or out; the event was stored without it",
        "parameter date must be YYYY-MM-DD HH:MM:SS; the event was stored without it",
        "parameter hold must be a whole number of seconds; the event was stored without it",
        "parameter code must be a single extension for type=hangup; the event was stored without it",
      ],
    });
    const { events, uploads } = await until(
      () => crmCalls(uniqueid),
      (c) => c.uploads.length === 1,
    );
    expect(events).toEqual([
      { phone: "+79001234567", type: "hangup", codes: [], callExternalId: uniqueid, hangupStatus: "failed" },
    ]);
    expect(uploads[0]).toMatchObject({ phone: "+79001234567", duration: 12, externalId: uniqueid });
    const journal = await listCalls(accountId, 1);
    expect(journal.calls.find((c) => c.uniqueid === uniqueid)?.inputWarnings).toEqual([
      "Параметр phone: недопустимое в значении убрано, звонок принят",
      "Параметр status: неверное значение пропущено, звонок принят без него",
      "Параметр direct: неверное значение пропущено, звонок принят без него",
      "Параметр date: неверное значение пропущено, звонок принят без него",
      "Параметр hold: неверное значение пропущено, звонок принят без него",
      "Параметр code: неверное значение пропущено, звонок принят без него",
    ]);
  });

  it("refuses an unknown clientId (401) and a module switched off in the CRM (403)", async () => {
    const unknown = await fetch(
      `${app.url}/api/event?${new URLSearchParams({ clientId: "f".repeat(64), type: "in", uniqueid: "1.5", phone: "1" })}`,
    );
    expect(unknown.status).toBe(401);
    await db().account.update({ where: { id: accountId }, data: { active: false } });
    forgetRecentAccounts();
    try {
      expect(await event({ type: "in", uniqueid: "1.6", phone: "1" })).toEqual({
        status: 403,
        body: { success: false, errorMsg: "модуль отключён в retailCRM" },
      });
    } finally {
      await db().account.update({ where: { id: accountId }, data: { active: true } });
      forgetRecentAccounts();
    }
  });
});

describe("/api/event type=upload and the recording link", () => {
  async function upload(uniqueid: string, body: Buffer, multipart = true) {
    const url = `${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`;
    const init: RequestInit = multipart
      ? {
          method: "POST",
          body: (() => {
            const form = new FormData();
            form.append("file", new Blob([new Uint8Array(body)]), "any-name.txt");
            return form;
          })(),
        }
      : { method: "POST", body: new Uint8Array(body), headers: { "content-type": "application/octet-stream" } };
    const response = await fetch(url, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("stores a recording checked by content, links it from the CRM call, and streams it with Range", async () => {
    const audio = pcmWav(8000, 2);
    await event({ type: "in", uniqueid: "1717171717.7", phone: "+79001234567", code: "101" });
    const stored = await upload("1717171717.7", audio);
    expect(stored).toMatchObject({ status: 200, body: { success: true, duplicate: false } });
    const recording = await db().recording.findFirstOrThrow({ where: { accountId, uniqueid: "1717171717.7" } });
    expect(recording).toMatchObject({ contentType: "audio/wav", sizeBytes: audio.length, durationSeconds: 2 });

    await event({
      type: "hangup",
      uniqueid: "1717171717.7",
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      direct: "in",
      date: "2026-11-23 13:00:00",
      duration: "2",
    });
    const { uploads } = await until(
      () => crmCalls("1717171717.7"),
      (c) => c.uploads.length === 1,
    );
    const link = String(uploads[0]?.recordUrl);
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:3999/recordings/${recording.id}/[A-Za-z0-9_-]{32}$`));

    const local = link.replace("http://127.0.0.1:3999", app.url);
    const whole = await fetch(local);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(audio)).toBe(true);
    const part = await fetch(local, { headers: { range: "bytes=0-43" } });
    expect([part.status, part.headers.get("content-range")]).toEqual([206, `bytes 0-43/${audio.length}`]);
    expect(Buffer.from(await part.arrayBuffer()).equals(audio.subarray(0, 44))).toBe(true);
    expect((await fetch(local, { headers: { range: `bytes=${audio.length + 10}-` } })).status).toBe(416);
    expect((await fetch(local.replace(/[A-Za-z0-9_-]$/, (c) => (c === "A" ? "B" : "A")))).status).toBe(404);
    expect((await fetch(`${app.url}/recordings/${recording.id}/${"x".repeat(32)}`)).status).toBe(404);
  });

  it("repairs a WAV sent before MixMonitor closed it (sizes 0), and the journal says so", async () => {
    await event({ type: "hangup", uniqueid: "1717171717.19", phone: "+79001234567", code: "101", status: "ANSWER" });
    const stored = await upload("1717171717.19", pcmWav(8000, 2, { finalized: false }));
    expect(stored).toMatchObject({ status: 200, body: { success: true, duplicate: false } });
    const recording = await db().recording.findFirstOrThrow({ where: { accountId, uniqueid: "1717171717.19" } });
    expect(recording).toMatchObject({ headerRepaired: true, durationSeconds: 2 });
    const { calls } = await listCalls(accountId, 1);
    const call = calls.find((c) => c.uniqueid === "1717171717.19")!;
    expect(call.recordingNote).toBe(
      "Запись пришла недописанной (размеры в заголовке WAV были 0): заголовок исправлен. Обновите event.sh из вкладки «API»",
    );
    const played = await fetch(call.recordingUrl!.replace(env().PUBLIC_URL, app.url));
    expect(Buffer.from(await played.arrayBuffer()).equals(pcmWav(8000, 2))).toBe(true);
    const intact = calls.find((c) => c.uniqueid === "1717171717.7");
    expect(intact?.recordingNote ?? null).toBeNull();
  });

  it("replaces a recording forged before the hangup with the PBX's after it: the CRM's link plays the new bytes, the old file is gone", async () => {
    const uniqueid = "1717171717.20";
    await event({ type: "in", uniqueid, phone: "+79001234567", code: "101" });
    const forged = pcmWav(8000, 1);
    expect(await upload(uniqueid, forged)).toMatchObject({ status: 200, body: { success: true, duplicate: false } });
    const early = await db().recording.findFirstOrThrow({ where: { accountId, uniqueid } });
    await event({
      type: "hangup",
      uniqueid,
      phone: "+79001234567",
      code: "101",
      status: "ANSWER",
      recording: "upload",
    });
    const { uploads } = await until(
      () => crmCalls(uniqueid),
      (c) => c.uploads.length === 1,
    );
    const link = String(uploads[0]?.recordUrl).replace(env().PUBLIC_URL, app.url);
    expect(link).toContain(`/recordings/${early.id}/`);
    const call = await db().call.findFirstOrThrow({ where: { accountId, uniqueid } });
    const callLink = app.url + signRecordingPath({ callId: call.id }, clientId, env().ENCRYPTION_KEY);
    const play = async (url: string) => {
      const response = await fetch(url);
      return { cache: response.headers.get("cache-control"), bytes: Buffer.from(await response.arrayBuffer()) };
    };
    // Until the PBX's own upload, what plays may still change: no browser keeps it.
    expect(await play(link)).toEqual({ cache: "private, no-cache", bytes: forged });

    const real = pcmWav(8000, 3);
    expect(await upload(uniqueid, real)).toEqual({
      status: 200,
      body: { success: true, duplicate: false, recordingId: early.id, replaced: true },
    });
    // It stays now; until its MP3 copy takes its place (no worker runs here), it is fetched anew each time.
    for (const url of [link, callLink]) expect(await play(url)).toEqual({ cache: "private, no-cache", bytes: real });
    expect(await db().recording.findUniqueOrThrow({ where: { id: early.id } })).toMatchObject({
      replaceable: false,
      state: "PENDING",
    });
    await expect(recordingStores().storageOf(early.store).open(early.storageKey)).rejects.toBeInstanceOf(
      RecordingNotFoundError,
    );
    // The recording that came after the hangup stays.
    expect(await upload(uniqueid, forged)).toEqual({ status: 200, body: { success: true, duplicate: true } });
    expect((await play(link)).bytes).toEqual(real);
    expect(await db().recording.findMany({ where: { accountId, uniqueid } })).toEqual([
      expect.objectContaining({ id: early.id, sizeBytes: real.length, durationSeconds: 3, replaceable: false }),
    ]);
  });

  it("accepts a raw body and refuses empty, non-audio and oversized uploads precisely", async () => {
    for (const uniqueid of ["1717171717.8", "1717171717.9"])
      await event({ type: "hangup", uniqueid, phone: "+79001234567", status: "ANSWER" });
    expect((await upload("1717171717.8", pcmWav(8000, 1), false)).body).toMatchObject({
      success: true,
      duplicate: false,
    });
    expect(await upload("1717171717.9", Buffer.alloc(0))).toEqual({
      status: 400,
      body: { success: false, errorMsg: "the recording is empty" },
    });
    expect(await upload("1717171717.9", Buffer.from("<?php system($_GET['c']); ?>"))).toEqual({
      status: 415,
      body: { success: false, errorMsg: "the recording must be WAV, MP3 or OGG audio" },
    });
    expect(await db().recording.count({ where: { uniqueid: "1717171717.9" } })).toBe(0);
  });

  it("refuses a multipart upload whose boundary never comes as 64 KiB pass, not at the body's end", async () => {
    const CHUNK = 64 * 1024;
    const { stream, pulled } = chunkedStream(Buffer.alloc(64 * 1024 * 1024, "a"), CHUNK);
    const query = new URLSearchParams({ clientId, type: "upload", uniqueid: "1717171717.10" });
    const response = await eventRoute.POST(
      new Request(`${app.url}/api/event?${query}`, {
        method: "POST",
        body: stream,
        headers: { "content-type": "multipart/form-data; boundary=never-sent" },
        duplex: "half",
      } as RequestInit),
    );
    const read = pulled() * CHUNK;
    expect([response.status, await response.json()]).toEqual([
      400,
      {
        success: false,
        errorMsg: `no file part begins within the first ${MULTIPART_HEAD_BYTES} bytes of the multipart body (curl -F file=@record.wav)`,
      },
    ]);
    expect(read).toBeLessThanOrEqual(MULTIPART_HEAD_BYTES + 4 * CHUNK);
    expect(await db().recording.count({ where: { uniqueid: "1717171717.10" } })).toBe(0);
  });
});
