// A call derived from AMI events (docs/ami-events.md) gets its two-sided transcript into one
// customer note like a dialplan call (docs/transcripts.md): the simulated PBX replays what a real
// Asterisk 22 sent for an answered incoming call, the recording MixMonitor wrote in stereo is
// uploaded for it, and the service's own delivery, event connection and transcription run here.
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { timed, transcriptEvents, when } from "@/e2e/fixtures/ami-transcripts";
import { hearVoices, voicedWav } from "@/e2e/fixtures/speech";
import { amiModeSettings, eventConnectionUp } from "@/e2e/setup/ami-mode";
import { FAST_DELIVERY, FAST_TRACKING } from "@/e2e/setup/delivery";
import { AMI_EVENTS_USER, demoCrmAccount } from "@/e2e/setup/factories";
import { serveRoutes } from "@/e2e/setup/route-server";
import { until } from "@/e2e/setup/until";
import { createAsteriskSim, type AsteriskSim } from "@/e2e/sim/asterisk";
import type { RetailCrmSim } from "@/e2e/sim/retailcrm";
import { createSpeechSim, type SpeechSim } from "@/e2e/sim/speech";
import { startCallTracking, type CallTracking } from "@/lib/call-tracking";
import { db } from "@/lib/db/client";
import { startDeliveryWorker, type DeliveryWorker } from "@/lib/delivery";
import { saveTranscriptSettings, startTranscriptWork } from "@/lib/transcripts";

vi.hoisted(() => {
  process.env.RECORDINGS_DIR = `${process.env.TMPDIR ?? "/tmp"}/transcripts-ami-${process.pid}-${Date.now()}`;
});

const CUSTOMER = 300;
const MANAGER = 700;
let pbx: AsteriskSim;
let crm: RetailCrmSim;
let speech: SpeechSim;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let delivery: DeliveryWorker;
let tracking: CallTracking;
let transcripts: Awaited<ReturnType<typeof startTranscriptWork>>;
let accountId: string;
let clientId: string;

beforeAll(async () => {
  pbx = await createAsteriskSim({ tcpPort: 0, httpPort: null, users: [AMI_EVENTS_USER] });
  speech = await createSpeechSim({
    openAiKey: "sk-ami",
    hear: hearVoices({
      [CUSTOMER]: [{ startMs: 500, endMs: 1_500, text: "Добрый день, это по заказу" }],
      [MANAGER]: [{ startMs: 2_000, endMs: 3_000, text: "Слушаю вас" }],
    }),
  });
  app = await serveRoutes({ "/api/event": await import("@/app/api/event/route") });
  process.env.PUBLIC_URL = app.url;
  let account;
  ({ crm, account } = await demoCrmAccount({ 4: "103" }));
  accountId = account.id;
  clientId = account.clientId;
  await db().asteriskSettings.upsert({
    where: { accountId },
    create: { accountId, ...amiModeSettings(pbx, AMI_EVENTS_USER), inboundContexts: ["init-channel", "plain-in"] },
    update: { ...amiModeSettings(pbx, AMI_EVENTS_USER), inboundContexts: ["init-channel", "plain-in"] },
  });
  await db().recordingSettings.create({ data: { accountId, format: "WAV" } });
  await saveTranscriptSettings(accountId, {
    enabled: true,
    engine: "OPENAI",
    openAiUrl: `${speech.url}/v1`,
    openAiKey: "sk-ami",
    openAiModel: "whisper-1",
    speechKitKey: "",
    speechKitFolder: "",
    summaryEnabled: true,
    summaryUrl: `${speech.url}/v1`,
    summaryKey: "sk-ami",
    summaryModel: "gpt-4o-mini",
    summaryPrompt: "",
    maskPhrases: [],
    monthlyMinutes: 600,
    locale: "ru",
  });
  delivery = await startDeliveryWorker(process.env.DATABASE_URL!, FAST_DELIVERY);
  tracking = await startCallTracking(process.env.DATABASE_URL!, FAST_TRACKING);
  transcripts = await startTranscriptWork(process.env.DATABASE_URL!, { everyMs: 100 });
  await eventConnectionUp(accountId);
}, 60_000);

afterAll(async () => {
  await transcripts.stop();
  await tracking.stop();
  await delivery.stop();
  await Promise.all([app.close(), pbx.close(), crm.close(), speech.close()]);
  await rm(process.env.RECORDINGS_DIR!, { recursive: true, force: true });
});

it("an answered incoming call in AMI mode, recorded in stereo, gets one two-sided note", async () => {
  const prefix = `${Date.now() % 100_000}`;
  const events = timed(
    transcriptEvents("incoming-known-direct-answered"),
    [
      { matches: when("DialEnd", { DialStatus: "ANSWER" }), seconds: 1 },
      { matches: when("Hangup"), seconds: 4 },
    ],
    Date.now() / 1000,
  );
  pbx.replay(events, { renumber: (id) => (id ? `${prefix}-${id}` : id) });
  const uniqueid = `${prefix}-1796313595.1`;
  const call = await until(
    () => db().call.findFirst({ where: { accountId, uniqueid } }),
    (found) => found?.result === "answered",
    20_000,
  );
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(voicedWav([CUSTOMER, MANAGER], 4))], { type: "audio/wav" }), "r.wav");
  const upload = await fetch(`${app.url}/api/event?${new URLSearchParams({ clientId, type: "upload", uniqueid })}`, {
    method: "POST",
    body: form,
  });
  expect(upload.status).toBe(200);

  await until(
    async () => crm.state.notes.size,
    (n) => n > 0,
    30_000,
  );
  const [note] = [...crm.state.notes.values()];
  expect(note!.text).toContain("Кратко:\nsummary of");
  expect(note!.text).toContain("[0:00] Клиент: Добрый день, это по заказу\n[0:02] Менеджер: Слушаю вас");
  expect(await db().transcript.findUnique({ where: { callId: call!.id } })).toMatchObject({ state: "DONE" });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(crm.state.notes.size).toBe(1);
}, 60_000);
