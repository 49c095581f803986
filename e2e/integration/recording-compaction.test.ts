// A recording through the CRM's link while its MP3 copy is made by a worker process and after,
// a worker killed (SIGKILL) mid-encode, retention's 410 page and the journal (docs/recordings.md).
import type { ChildProcess } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toneWav } from "@/e2e/fixtures/audio";
import { createTestAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { spawnWorker } from "@/e2e/setup/spawn-worker";
import { until } from "@/e2e/setup/until";
import * as eventRoute from "@/app/api/event/route";
import * as recordingRoute from "@/app/recordings/[id]/[sig]/route";
import { db } from "@/lib/db/client";
import { listCalls } from "@/lib/journal";
import { recordingUrl } from "@/lib/recordings";

// Before anything reads the configuration: a recordings directory of our own, for this process and its workers.
const { RECORDINGS_DIR } = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/recording-compaction-${process.pid}-${Date.now()}`;
  process.env.RECORDINGS_DIR = dir;
  return { RECORDINGS_DIR: dir };
});

let app: Awaited<ReturnType<typeof serveRoutes>>;
const workers = new Set<ChildProcess>();

beforeAll(async () => {
  app = await serveRoutes({ "/api/event": eventRoute, "/recordings/[id]/[sig]": recordingRoute });
});
afterEach(async () => {
  for (const child of workers) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  workers.clear();
});
afterAll(async () => {
  await app.close();
  await rm(RECORDINGS_DIR, { recursive: true, force: true });
});

/** A worker process as npm run worker runs one (e2e/setup/worker-process.ts); resolves once it is ready. */
async function startWorker(): Promise<ChildProcess> {
  const { child } = await spawnWorker();
  workers.add(child);
  return child;
}

/** A call as the dialplan reports it, then its recording as event.sh uploads it (curl -F file=@…). */
async function callWithRecording(clientId: string, uniqueid: string, audio: Buffer): Promise<number> {
  const hangup = new URLSearchParams({
    clientId,
    type: "hangup",
    uniqueid,
    phone: "+7 (900) 123-45-67",
    code: "103",
    direct: "in",
    status: "ANSWER",
    date: "2026-12-06 14:04:27",
    duration: "60",
  });
  expect((await fetch(`${app.url}/api/event?${hangup}`)).status).toBe(200);
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(audio)], { type: "audio/wav" }), `${uniqueid}.wav`);
  const upload = await fetch(`${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`, {
    method: "POST",
    body: form,
  });
  const body = (await upload.json()) as { recordingId: number };
  return body.recordingId;
}

/** The link as the CRM has it, fetched from this test's server. */
async function play(link: string, range?: string) {
  const response = await fetch(`${app.url}${new URL(link).pathname}`, range ? { headers: { range } } : {});
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe("the CRM's link while a worker process makes the MP3 copy", () => {
  it("plays the WAV, ranges included, until the copy is in place; then the MP3, under a name a person can file", async () => {
    const account = await createTestAccount();
    await db().crmUser.create({
      data: { accountId: account.id, crmUserId: 7, firstName: "Пётр", lastName: "Щукин", extension: "103" },
    });
    const wav = toneWav(8000, 30);
    const id = await callWithRecording(account.clientId, "1806000000.1", wav);
    const link = recordingUrl({ recordingId: id }, account.clientId);

    const during = await play(link, "bytes=0-43");
    expect(during.response.status).toBe(206);
    expect(during.body).toEqual(wav.subarray(0, 44));
    expect(Object.fromEntries(during.response.headers)).toMatchObject({
      "content-type": "audio/wav",
      "content-range": `bytes 0-43/${wav.length}`,
      "cache-control": "private, no-cache",
      "content-disposition": 'attachment; filename="2026-12-06_14-03_in_79001234567_103_Shchukin.wav"',
    });

    await startWorker();
    const row = await until(
      () => db().recording.findUniqueOrThrow({ where: { id } }),
      (found) => found.state === "COMPACT",
      30_000,
    );
    expect(wav.length / row.sizeBytes).toBeGreaterThanOrEqual(5);
    const whole = await play(link);
    expect(whole.response.status).toBe(200);
    expect(whole.body.length).toBe(row.sizeBytes);
    const after = await play(link, "bytes=1000-1999");
    expect(after.response.status).toBe(206);
    expect(after.body).toEqual(whole.body.subarray(1000, 2000));
    expect(Object.fromEntries(after.response.headers)).toMatchObject({
      "content-type": "audio/mpeg",
      "content-range": `bytes 1000-1999/${row.sizeBytes}`,
      "cache-control": "private, max-age=3600",
      "content-disposition": 'attachment; filename="2026-12-06_14-03_in_79001234567_103_Shchukin.mp3"',
    });
    // The call's link (c<call>) plays the same copy.
    const call = await db().call.findUniqueOrThrow({
      where: { accountId_uniqueid: { accountId: account.id, uniqueid: "1806000000.1" } },
    });
    expect((await play(recordingUrl({ callId: call.id }, account.clientId))).body).toEqual(whole.body);
  });

  it("loses nothing when the worker is killed mid-encode: the WAV plays, and the next worker makes the copy", async () => {
    const account = await createTestAccount();
    // Ten minutes: long enough to be caught encoding.
    const wav = toneWav(8000, 600);
    const id = await callWithRecording(account.clientId, "1806000000.2", wav);
    const link = recordingUrl({ recordingId: id }, account.clientId);
    const first = await startWorker();
    const tmp = path.join(RECORDINGS_DIR, ".tmp");
    // Its recording taken, and the MP3 being written.
    await until(
      async () =>
        (await db().recording.findUniqueOrThrow({ where: { id } })).encoder !== null &&
        (await readdir(tmp).catch(() => [])).some((name) => name.endsWith(".mp3")),
      (encoding) => encoding,
      30_000,
      10,
    );
    const killed = new Promise((resolve) => first.once("exit", resolve));
    first.kill("SIGKILL");
    await killed;
    workers.delete(first);

    expect(await db().recording.findUniqueOrThrow({ where: { id } })).toMatchObject({
      state: "PENDING",
      contentType: "audio/wav",
      encodeAttempts: 1,
    });
    const meanwhile = await play(link, `bytes=${wav.length - 100}-`);
    expect(meanwhile.response.status).toBe(206);
    expect(meanwhile.body).toEqual(wav.subarray(wav.length - 100));

    await startWorker();
    const row = await until(
      () => db().recording.findUniqueOrThrow({ where: { id } }),
      (found) => found.state === "COMPACT",
      60_000,
    );
    expect(row).toMatchObject({ contentType: "audio/mpeg", durationSeconds: 600, encodeAttempts: 2 });
    expect((await play(link, "bytes=0-1")).body).toEqual(Buffer.from([0xff, 0xe3]));
  });
});

describe("retention", () => {
  it.each([
    {
      locale: "ru",
      text: "Запись разговора удалена через 30 дней после загрузки по настройке аккаунта «Хранить записи».",
    },
    {
      locale: "en",
      text: "This call recording was deleted 30 days after its upload, by the account's «Keep recordings for» setting.",
    },
  ])(
    "deletes a recording past the period; its link answers 410 in the admin's language ($locale), and the journal says so",
    async ({ locale, text }) => {
      const account = await createTestAccount();
      await db().recordingSettings.create({
        data: { accountId: account.id, format: "WAV", retentionDays: 30, locale },
      });
      const uniqueid = `1806000001.${locale}`;
      const id = await callWithRecording(account.clientId, uniqueid, toneWav(8000, 2));
      const link = recordingUrl({ recordingId: id }, account.clientId);
      expect((await play(link)).response.status).toBe(200);
      await db().recording.update({ where: { id }, data: { createdAt: new Date(Date.now() - 31 * 86_400_000) } });

      await startWorker();
      await until(
        () => db().recording.findUniqueOrThrow({ where: { id } }),
        (found) => found.state === "DELETED",
        30_000,
      );
      const gone = await play(link);
      expect(gone.response.status).toBe(410);
      expect(gone.response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(gone.body.toString()).toContain(`<p>${text.replace("'", "'")}</p>`);
      const [call] = (await listCalls(account.id, 1)).calls;
      expect(call).toMatchObject({
        uniqueid,
        recordingUrl: null,
        recordingNote: "Запись удалена через 30 дней по настройке «Хранить записи» (вкладка «Настройки Asterisk»)",
      });
      // The call stays.
      expect(await db().call.count({ where: { accountId: account.id } })).toBe(1);
    },
  );
});
