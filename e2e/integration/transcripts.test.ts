// Transcripts of calls end to end (docs/transcripts.md): a call and its recording as the dialplan
// reports and uploads them, a worker process (e2e/setup/worker-process.ts) transcribing through
// the engine simulators or pocketsphinx, and the note in the simulated retailCRM. A worker killed
// (SIGKILL) mid-transcription, the switch and the cap, the engine's 429.
import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { hearVoices, spokenWav, voicedWav } from "@/e2e/fixtures/speech";
import { demoCrmAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { spawnWorker } from "@/e2e/setup/spawn-worker";
import { until } from "@/e2e/setup/until";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { createSpeechSim, type SpeechSim } from "@/e2e/sim/speech";
import * as eventRoute from "@/app/api/event/route";
import { db } from "@/lib/db/client";
import { publicTranscript, saveTranscriptSettings, type TranscriptSettingsInput } from "@/lib/transcripts";

const { RECORDINGS_DIR } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/transcripts-${process.pid}-${Date.now()}`;
  process.env.RECORDINGS_DIR = dir;
  return { RECORDINGS_DIR: dir };
});

// Each side of the stereo call says its lines; the simulator hears them by the channel's pitch.
const CUSTOMER = 300;
const MANAGER = 700;
// A customer who talks on and on: more than a note holds.
const TALKER = 500;
const VOICES = {
  [TALKER]: Array.from({ length: 80 }, (_, i) => ({
    startMs: i * 100,
    endMs: i * 100 + 90,
    text: `Фраза номер ${i}, и я всё говорю и говорю о своём заказе`,
  })),
  [CUSTOMER]: [
    { startMs: 1_000, endMs: 3_000, text: "Здравствуйте, хочу оплатить заказ картой 4111 1111 1111 1111" },
    { startMs: 9_000, endMs: 10_000, text: "Спасибо, жду" },
  ],
  [MANAGER]: [{ startMs: 4_000, endMs: 8_000, text: "Хорошо, пришлю ссылку на оплату сегодня до вечера" }],
};

let app: Awaited<ReturnType<typeof serveRoutes>>;
let speech: SpeechSim;
let crm: RetailCrmSim;
let clientId: string;
let accountId: string;
let sequence = 0;
const workers = new Set<ChildProcess>();

beforeAll(async () => {
  app = await serveRoutes({ "/api/event": eventRoute });
  speech = await createSpeechSim({ openAiKey: "sk-test", speechKitKey: "AQVN-test", hear: hearVoices(VOICES) });
  // The worker processes this file starts reach SpeechKit at the simulator.
  process.env.SPEECHKIT_STT_URL = speech.url;
  process.env.SPEECHKIT_OPERATION_URL = speech.url;
  const demo = await demoCrmAccount();
  crm = demo.crm;
  const account = demo.account;
  clientId = account.clientId;
  accountId = account.id;
  // Kept as uploaded: no MP3 copy to wait for (the Playwright spec goes through one).
  await db().recordingSettings.create({ data: { accountId, format: "WAV" } });
});
beforeEach(async () => {
  // A test that failed leaves no queued call to the next one's worker.
  await db().transcript.updateMany({ where: { state: "QUEUED" }, data: { state: "FAILED" } });
  speech.requests.length = 0;
  speech.faults.length = 0;
  speech.options = { ...speech.options, delayMs: 0, pollsUntilDone: 1 };
  crm.state.notes.clear();
});
afterEach(async () => {
  for (const child of workers) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  workers.clear();
});
afterAll(async () => {
  await Promise.all([app.close(), speech.close(), crm.close()]);
  await rm(RECORDINGS_DIR, { recursive: true, force: true });
});

function settings(overrides: Partial<TranscriptSettingsInput> = {}): TranscriptSettingsInput {
  return {
    enabled: true,
    engine: "OPENAI",
    openAiUrl: `${speech.url}/v1`,
    openAiKey: "sk-test",
    openAiModel: "whisper-1",
    speechKitKey: "",
    speechKitFolder: "",
    summaryEnabled: true,
    summaryUrl: `${speech.url}/v1`,
    summaryKey: "sk-test",
    summaryModel: "gpt-4o-mini",
    summaryPrompt: "",
    maskPhrases: [],
    monthlyMinutes: 600,
    locale: "ru",
    ...overrides,
  };
}

async function startWorker(): Promise<ChildProcess> {
  const { child } = await spawnWorker();
  workers.add(child);
  return child;
}

/** A call as the dialplan reports its hangup, then its recording as event.sh uploads it. */
async function recordedCall(
  audio: Buffer,
  direct: "in" | "out" = "in",
  phone = "+7 (900) 123-45-67",
  { status = "ANSWER", date = "2026-12-06 14:04:27" } = {},
): Promise<number> {
  const uniqueid = `1733400000.${++sequence}`;
  const hangup = new URLSearchParams({
    clientId,
    type: "hangup",
    uniqueid,
    phone,
    code: "103",
    direct,
    status,
    date,
    duration: "12",
  });
  expect((await fetch(`${app.url}/api/event?${hangup}`)).status).toBe(200);
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(audio)], { type: "audio/wav" }), `${uniqueid}.wav`);
  const upload = await fetch(`${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`, {
    method: "POST",
    body: form,
  });
  expect(upload.status).toBe(200);
  return (await db().call.findFirstOrThrow({ where: { accountId, uniqueid } })).id;
}

const transcriptOf = (callId: number) => db().transcript.findUnique({ where: { callId } });

// Worker processes start and transcribe in seconds each; on a loaded machine, several.
describe("transcripts into customer notes", { timeout: 60_000 }, () => {
  it("a stereo call gets a two-sided, masked transcript and a summary in one customer note", async () => {
    await saveTranscriptSettings(accountId, settings());
    await startWorker();
    const callId = await recordedCall(voicedWav([CUSTOMER, MANAGER], 12));
    const [note] = await until(
      async () => [...crm.state.notes.values()],
      (notes) => notes.length > 0,
      40_000,
    );
    expect(note!.customer.id).toBe(101);
    expect(note!.text).toContain("Кратко:\nsummary of");
    expect(note!.text).toContain(
      [
        "Разговор:",
        "[0:01] Клиент: Здравствуйте, хочу оплатить заказ картой ****1111",
        "[0:04] Менеджер: Хорошо, пришлю ссылку на оплату сегодня до вечера",
        "[0:09] Клиент: Спасибо, жду",
      ].join("\n"),
    );
    expect(note!.text).not.toContain("4111 1111");
    // Two sides sent apart, then the masked transcript (never audio) to the chat endpoint.
    expect(speech.requests.map((r) => r.path)).toEqual([
      "/v1/audio/transcriptions",
      "/v1/audio/transcriptions",
      "/v1/chat/completions",
    ]);
    expect(JSON.stringify(speech.requests[2]!.json)).not.toContain("4111");
    const transcript = await transcriptOf(callId);
    expect(transcript).toMatchObject({ state: "DONE", seconds: 12 });
    const delivery = await until(
      () => db().delivery.findFirst({ where: { callId, kind: "CUSTOMER_NOTE" } }),
      (d) => d?.state === "SENT",
    );
    expect(delivery?.state).toBe("SENT");

    // Retention deletes the recording: what was said in it goes too.
    await db().recording.updateMany({ where: { callId }, data: { state: "DELETED" } });
    const forgotten = await until(
      () => transcriptOf(callId),
      (t) => t?.state === "SKIPPED",
    );
    expect(forgotten).toMatchObject({
      dialogue: null,
      summary: null,
      lastError: "Удалена вместе с записью по сроку хранения",
    });
  });

  it("a conversation too long for a note ends with a link that opens the whole; a tampered link opens nothing", async () => {
    await saveTranscriptSettings(accountId, settings());
    await startWorker();
    const callId = await recordedCall(voicedWav([TALKER, MANAGER], 12));
    const [note] = await until(
      async () => [...crm.state.notes.values()],
      (notes) => notes.length > 0,
      40_000,
    );
    const link = /… Полная расшифровка: (\S+)$/.exec(note!.text)?.[1];
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:3999/transcripts/c${callId}/[A-Za-z0-9_-]{32}$`));
    expect(note!.text).not.toContain("Фраза номер 79,");
    const [, , id, sig] = new URL(link!).pathname.split("/");
    const whole = await publicTranscript(id!, sig!);
    expect(whole).toMatchObject({
      locale: "ru",
      title: "Звонок 2026-12-06 14:04: расшифровка",
      summaryTitle: "Кратко",
    });
    expect(whole!.summary).toMatch(/^summary of/);
    expect(whole!.lines).toHaveLength(81);
    expect(whole!.lines).toContain("[0:07] Клиент: Фраза номер 79, и я всё говорю и говорю о своём заказе");
    expect(whole!.lines).toContain("[0:04] Менеджер: Хорошо, пришлю ссылку на оплату сегодня до вечера");
    const flipped = (sig![0] === "A" ? "B" : "A") + sig!.slice(1);
    expect(await publicTranscript(id!, flipped)).toBeNull();
    expect(await publicTranscript(`c${callId + 1}`, sig!)).toBeNull();
    expect(await publicTranscript(`c0${callId}`, sig!)).toBeNull();
    expect(await publicTranscript(String(callId), sig!)).toBeNull();
  });

  it("an outgoing stereo call names the left channel the manager", async () => {
    await saveTranscriptSettings(accountId, settings({ summaryEnabled: false }));
    await startWorker();
    await recordedCall(voicedWav([MANAGER, CUSTOMER], 12), "out");
    const [note] = await until(
      async () => [...crm.state.notes.values()],
      (notes) => notes.length > 0,
      40_000,
    );
    expect(note!.text).toContain("[0:01] Клиент: Здравствуйте");
    expect(note!.text).toContain("[0:04] Менеджер: Хорошо, пришлю ссылку");
    expect(note!.text).not.toContain("Кратко");
  });

  it("through Yandex SpeechKit: each side an asynchronous operation, polled until done", async () => {
    await saveTranscriptSettings(
      accountId,
      settings({ engine: "SPEECHKIT", speechKitKey: "AQVN-test", speechKitFolder: "b1gfolder", summaryEnabled: false }),
    );
    await startWorker();
    await recordedCall(voicedWav([CUSTOMER, MANAGER], 12));
    const [note] = await until(
      async () => [...crm.state.notes.values()],
      (notes) => notes.length > 0,
      40_000,
    );
    expect(note!.text).toContain("[0:01] Клиент: Здравствуйте, хочу оплатить заказ картой ****1111");
    expect(note!.text).toContain("[0:04] Менеджер: Хорошо, пришлю ссылку");
    const paths = speech.requests.map((r) => r.path.replace(/\/operations\/.*/, "/operations/{id}"));
    expect(paths.filter((p) => p === "/stt/v3/recognizeFileAsync")).toHaveLength(2);
    expect(paths.filter((p) => p === "/stt/v3/getRecognition")).toHaveLength(2);
    expect(paths).toContain("/operations/{id}");
    expect(speech.requests[0]!.headers["x-folder-id"]).toBe("b1gfolder");
  });

  it("one note after the worker is killed mid-transcription", async () => {
    await saveTranscriptSettings(accountId, settings());
    speech.options = { ...speech.options, delayMs: 4_000 };
    const first = await startWorker();
    const callId = await recordedCall(voicedWav([CUSTOMER, MANAGER], 12));
    await until(
      async () => speech.requests.length,
      (n) => n > 0,
      40_000,
    );
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    expect(crm.state.notes.size).toBe(0);
    speech.options = { ...speech.options, delayMs: 0 };
    await startWorker();
    await until(
      async () => crm.state.notes.size,
      (n) => n > 0,
      40_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(crm.state.notes.size).toBe(1);
    expect(await transcriptOf(callId)).toMatchObject({ state: "DONE", attempts: 2 });
    expect(await db().delivery.count({ where: { callId, kind: "CUSTOMER_NOTE" } })).toBe(1);
  });

  it("a worker killed while SpeechKit works leaves the next one polling its operation: the audio is sent once", async () => {
    await saveTranscriptSettings(
      accountId,
      settings({ engine: "SPEECHKIT", speechKitKey: "AQVN-test", speechKitFolder: "b1gfolder", summaryEnabled: false }),
    );
    // SpeechKit takes its time: the operation is not done while the first worker lives.
    speech.options = { ...speech.options, pollsUntilDone: 1_000 };
    const usedBefore = (await db().transcriptUsage.findFirst({ where: { accountId } }))?.seconds ?? 0;
    const first = await startWorker();
    const callId = await recordedCall(voicedWav([CUSTOMER], 5));
    const stored = await until(
      () => transcriptOf(callId),
      (t) => (t?.operations.length ?? 0) > 0,
      40_000,
    );
    const [operation] = stored!.operations;
    expect(speech.requests.filter((r) => r.path === "/stt/v3/recognizeFileAsync")).toHaveLength(1);
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));

    speech.options = { ...speech.options, pollsUntilDone: 1 };
    await startWorker();
    const done = await until(
      () => transcriptOf(callId),
      (t) => t?.state === "DONE",
      40_000,
    );
    expect(done).toMatchObject({ attempts: 2, operations: [operation] });
    expect(speech.requests.filter((r) => r.path === "/stt/v3/recognizeFileAsync")).toHaveLength(1);
    expect(speech.requests.at(-1)?.path).toBe("/stt/v3/getRecognition");
    expect(speech.requests.at(-2)?.path).toBe(`/operations/${operation}`);
    const note = await until(
      async () => [...crm.state.notes.values()],
      (notes) => notes.length > 0,
      40_000,
    );
    expect(note[0]!.text).toContain("[0:01] Здравствуйте, хочу оплатить заказ картой ****1111");
    // Its minutes were counted once, when the audio was sent.
    const usedAfter = (await db().transcriptUsage.findFirst({ where: { accountId } }))?.seconds ?? 0;
    expect(usedAfter - usedBefore).toBeCloseTo(5, 1);
  });

  it("a missed call's transcript goes into its call-back task's commentary, each call of the task in it", async () => {
    const tasksOn = { missedTasks: true, missedTaskDefaultUserId: 7 };
    await db().crmOptions.upsert({ where: { accountId }, create: { accountId, ...tasksOn }, update: tasksOn });
    await saveTranscriptSettings(accountId, settings());
    await startWorker();
    try {
      const missed = { status: "NOANSWER", date: "2026-12-06 15:00:12" };
      const first = await recordedCall(voicedWav([CUSTOMER], 5), "in", "+7 (900) 123-45-67", missed);
      const commented = (callId: number) =>
        until(
          () => db().delivery.findFirst({ where: { callId, kind: "TASK_COMMENT" }, include: { attempts: true } }),
          (d) => d?.state === "SENT",
          40_000,
        );
      const delivered = await commented(first);
      const { taskId } = delivered!.attempts.at(-1)!.response as { taskId: number };
      expect(delivered!.attempts.at(-1)!.response).toEqual({ action: "commented", taskId, calls: 1 });
      const task = crm.state.tasks.get(taskId)!;
      const link = (callId: number) =>
        new RegExp(`http://127\\.0\\.0\\.1:3999/transcripts/c${callId}/[A-Za-z0-9_-]{32}`);
      expect(task.commentary).toMatch(
        /^Звонок 2026-12-06 15:00: расшифровка\nКратко:\nsummary of \d+ characters\nПолная расшифровка: /,
      );
      expect(task.commentary).toMatch(link(first));
      expect(task.edits).toEqual([{ commentary: task.commentary }]);

      // A second missed call of the number joins the open task: the commentary tells both, in order.
      const second = await recordedCall(voicedWav([CUSTOMER], 5), "in", "+7 (900) 123-45-67", {
        status: "NOANSWER",
        date: "2026-12-06 15:20:40",
      });
      expect((await commented(second))!.attempts.at(-1)!.response).toEqual({ action: "commented", taskId, calls: 2 });
      const both = task.commentary!;
      expect(both.split("\n\n").map((part) => part.split("\n")[0])).toEqual([
        "Звонок 2026-12-06 15:00: расшифровка",
        "Звонок 2026-12-06 15:20: расшифровка",
      ]);
      expect(both).toMatch(link(first));
      expect(both).toMatch(link(second));

      // Sent again (at least once): the same text, harmlessly.
      const edits = task.edits.length;
      await db().delivery.updateMany({ where: { callId: first, kind: "TASK_COMMENT" }, data: { state: "QUEUED" } });
      await db().call.update({ where: { id: first }, data: { deliveryPending: true } });
      await until(
        async () => task.edits.length,
        (n) => n > edits,
        40_000,
      );
      expect(task.edits.slice(edits)).toEqual([{ commentary: both }]);
      expect(task.commentary).toBe(both);

      // A task deleted in the CRM is left alone.
      crm.state.tasks.delete(taskId);
      await db().delivery.updateMany({ where: { callId: second, kind: "TASK_COMMENT" }, data: { state: "QUEUED" } });
      await db().call.update({ where: { id: second }, data: { deliveryPending: true } });
      const gone = await until(
        () => db().delivery.findFirst({ where: { callId: second, kind: "TASK_COMMENT" }, include: { attempts: true } }),
        (d) => d?.state === "SENT" && d.attempts.length === 2,
        40_000,
      );
      expect(gone!.attempts.at(-1)!.response).toEqual({ action: "skipped", reason: "gone", taskId });
      expect(await db().delivery.count({ where: { callId: { in: [first, second] }, kind: "TASK_COMMENT" } })).toBe(2);
    } finally {
      await db().crmOptions.update({ where: { accountId }, data: { missedTasks: false } });
    }
  });

  it("a missed call whose task was not made gets no commentary; an answered call owes none", async () => {
    // Tasks on, at a cap of none: the missed call's MISSED_TASK is answered skipped.
    const capped = { missedTasks: true, missedTaskDefaultUserId: 7, missedTasksPer10Minutes: 0 };
    await db().crmOptions.upsert({ where: { accountId }, create: { accountId, ...capped }, update: capped });
    await saveTranscriptSettings(accountId, settings({ summaryEnabled: false }));
    await startWorker();
    try {
      const answered = await recordedCall(voicedWav([CUSTOMER], 5));
      const missed = await recordedCall(voicedWav([CUSTOMER], 5), "in", "+7 (900) 123-45-67", { status: "NOANSWER" });
      const skipped = await until(
        () => db().delivery.findFirst({ where: { callId: missed, kind: "TASK_COMMENT" }, include: { attempts: true } }),
        (d) => d?.state === "SENT",
        40_000,
      );
      expect(skipped!.attempts.at(-1)!.response).toEqual({ action: "skipped", reason: "no-task" });
      await until(
        () => transcriptOf(answered),
        (t) => t?.state === "DONE",
        40_000,
      );
      expect(await db().delivery.count({ where: { callId: answered, kind: "TASK_COMMENT" } })).toBe(0);
    } finally {
      await db().crmOptions.update({
        where: { accountId },
        data: { missedTasks: false, missedTasksPer10Minutes: 50 },
      });
    }
  });

  it("waits out the engine's 429 Retry-After, then transcribes", async () => {
    await saveTranscriptSettings(accountId, settings({ summaryEnabled: false }));
    speech.faults.push({ status: 429, retryAfter: "2" });
    await startWorker();
    const callId = await recordedCall(voicedWav([CUSTOMER], 5));
    const done = await until(
      () => transcriptOf(callId),
      (t) => t?.state === "DONE",
      40_000,
    );
    expect(done?.attempts).toBe(2);
    const sent = speech.requests.filter((r) => r.path === "/v1/audio/transcriptions");
    expect(sent).toHaveLength(2);
    const times = speech.requests.map((r) => r.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_900);
  });

  it("sends no audio for an account that switched it off, nor past the monthly cap", async () => {
    await saveTranscriptSettings(accountId, settings({ enabled: false }));
    await startWorker();
    const off = await recordedCall(voicedWav([CUSTOMER], 5));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await transcriptOf(off)).toBeNull();

    await saveTranscriptSettings(accountId, settings({ monthlyMinutes: 0 }));
    const capped = await recordedCall(voicedWav([CUSTOMER], 5));
    const skipped = await until(
      () => transcriptOf(capped),
      (t) => t?.state === "SKIPPED",
      40_000,
    );
    expect(skipped?.lastError).toBe("Достигнут месячный предел (0 мин): запись не отправлялась");
    expect(speech.requests).toEqual([]);
    // No note was owed for either call (an earlier test's note may still be on its way to the CRM).
    expect(await db().delivery.count({ where: { kind: "CUSTOMER_NOTE", callId: { in: [off, capped] } } })).toBe(0);
  });
});

describe("a real recogniser", { timeout: 60_000 }, () => {
  it("espeak-ng's sentence, uploaded as a call's recording, reaches the CRM note through pocketsphinx", async () => {
    await saveTranscriptSettings(accountId, settings({ engine: "LOCAL", summaryEnabled: false, locale: "en" }));
    await startWorker();
    const callId = await recordedCall(await spokenWav("hello, I would like to order a pizza"));
    const [note] = await until(
      async () => [...crm.state.notes.values()],
      (notes) => notes.length > 0,
      30_000,
    );
    expect(note!.text).toMatch(/^Call 2026-12-06 14:04: transcript/);
    expect(note!.text).toMatch(/\[0:0\d\] .*order a pizza/);
    expect(speech.requests).toEqual([]);
    expect(await transcriptOf(callId)).toMatchObject({ state: "DONE" });
  });
});
