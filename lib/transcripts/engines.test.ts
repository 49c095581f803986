import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hearVoices, spokenWav, voicedWav } from "@/e2e/fixtures/speech";
import { createSpeechSim, type SpeechSim } from "@/e2e/sim/speech";
import { decodeRecording, sides } from "./audio";
import { EngineError } from "./engine";
import { openAiEngine } from "./openai";
import { pocketSphinxEngine } from "./pocketsphinx";
import { speechKitEngine } from "./speechkit";

const http = { allowPrivate: true, timeoutMs: 2_000 };
const said = [{ startMs: 500, endMs: 2_100, text: "Добрый день, чем могу помочь?" }];

let sim: SpeechSim;
beforeAll(async () => {
  sim = await createSpeechSim({ openAiKey: "sk-test", speechKitKey: "AQVN-test", hear: hearVoices({ 500: said }) });
});
afterAll(() => sim.close());

async function oneSide(): Promise<Buffer> {
  return sides(await decodeRecording(voicedWav([500], 1.5)))[0]!;
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

describe("OpenAI-compatible /v1/audio/transcriptions", () => {
  const engine = () => openAiEngine({ baseUrl: `${sim.url}/v1/`, apiKey: "sk-test", model: "whisper-1" }, http);

  it("sends multipart file, model, language and verbose_json with a Bearer key, and reads the segments' times", async () => {
    sim.requests.length = 0;
    expect(await engine().recognise(await oneSide(), "ru")).toEqual(said);
    const [request] = sim.requests;
    expect(request?.path).toBe("/v1/audio/transcriptions");
    expect(request?.headers.authorization).toBe("Bearer sk-test");
    expect(request?.fields).toEqual({ model: "whisper-1", language: "ru", response_format: "verbose_json" });
    expect(request?.audio?.readUInt32LE(24)).toBe(16_000);
  });

  it("gives the engine's own message for a wrong key, permanently", async () => {
    const bad = openAiEngine({ baseUrl: `${sim.url}/v1`, apiKey: "sk-wrong", model: "whisper-1" }, http);
    const error = await failure(bad.recognise(await oneSide(), "ru"));
    expect(error.message).toBe("401: Incorrect API key provided.");
    expect(error.temporary).toBe(false);
  });

  it("takes 429 and 503 as temporary, with the engine's Retry-After", async () => {
    sim.faults.push({ status: 429, retryAfter: "7" }, { status: 503 });
    const limited = await failure(engine().recognise(await oneSide(), "ru"));
    expect([limited.temporary, limited.retryAfterMs, limited.message]).toEqual([
      true,
      7_000,
      "429: Rate limit reached",
    ]);
    const unavailable = await failure(engine().recognise(await oneSide(), "ru"));
    expect([unavailable.temporary, unavailable.retryAfterMs]).toEqual([true, undefined]);
  });

  it("takes a slow engine past the timeout as temporary", async () => {
    sim.options = { ...sim.options, delayMs: 500 };
    try {
      const slow = openAiEngine(
        { baseUrl: `${sim.url}/v1`, apiKey: "sk-test", model: "whisper-1" },
        { ...http, timeoutMs: 200 },
      );
      expect((await failure(slow.recognise(await oneSide(), "ru"))).temporary).toBe(true);
    } finally {
      sim.options = { ...sim.options, delayMs: 0 };
    }
  });

  it("refuses a private address unless the deployment allows it", async () => {
    const guarded = openAiEngine(
      { baseUrl: `${sim.url}/v1`, apiKey: "sk-test", model: "whisper-1" },
      { ...http, allowPrivate: false },
    );
    expect((await failure(guarded.recognise(await oneSide(), "ru"))).temporary).toBe(false);
  });
});

describe("Yandex SpeechKit, asynchronous recognition API v3", () => {
  const options = { ...http, sttUrl: "", operationUrl: "", pollMs: 20, maxWaitMs: 2_000 };
  const engine = (apiKey = "AQVN-test") =>
    speechKitEngine({ apiKey, folderId: "b1gfolder" }, { ...options, sttUrl: sim.url, operationUrl: sim.url });

  it("sends the WAV inline with an Api-Key, polls the operation until done, then reads the final results", async () => {
    sim.requests.length = 0;
    sim.options = { ...sim.options, pollsUntilDone: 2 };
    expect(await engine().recognise(await oneSide(), "ru")).toEqual(said);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /stt/v3/recognizeFileAsync",
      ...Array(3).fill(expect.stringMatching(/^GET \/operations\/e03/)),
      "GET /stt/v3/getRecognition",
    ]);
    const [start] = sim.requests;
    expect(start?.headers.authorization).toBe("Api-Key AQVN-test");
    expect(start?.headers["x-folder-id"]).toBe("b1gfolder");
    expect(start?.json).toMatchObject({
      recognitionModel: {
        audioFormat: { containerAudio: { containerAudioType: "WAV" } },
        languageRestriction: { restrictionType: "WHITELIST", languageCode: ["ru-RU"] },
      },
    });
  });

  it("gives SpeechKit's message for a wrong key, and takes its 429 as temporary", async () => {
    const denied = await failure(engine("AQVN-wrong").recognise(await oneSide(), "en"));
    expect([denied.message, denied.temporary]).toEqual(["401: Unknown api key", false]);
    sim.faults.push({ status: 429, retryAfter: "3" });
    const limited = await failure(engine().recognise(await oneSide(), "en"));
    expect([limited.temporary, limited.retryAfterMs]).toEqual([true, 3_000]);
  });

  it("gives up waiting for an operation that is never done, as a temporary failure", async () => {
    sim.options = { ...sim.options, pollsUntilDone: 1_000 };
    try {
      const impatient = speechKitEngine(
        { apiKey: "AQVN-test", folderId: "b1gfolder" },
        { ...options, sttUrl: sim.url, operationUrl: sim.url, maxWaitMs: 100 },
      );
      const error = await failure(impatient.recognise(await oneSide(), "ru"));
      expect(error.temporary).toBe(true);
      expect(error.message).toMatch(/not done after 100 ms/);
    } finally {
      sim.options = { ...sim.options, pollsUntilDone: 1 };
    }
  });

  it("tells the operation's id before waiting for it, and a later try polls it without sending the audio", async () => {
    sim.requests.length = 0;
    sim.options = { ...sim.options, pollsUntilDone: 1_000 };
    const told: string[] = [];
    const impatient = speechKitEngine(
      { apiKey: "AQVN-test", folderId: "b1gfolder" },
      { ...options, sttUrl: sim.url, operationUrl: sim.url, maxWaitMs: 100 },
    );
    await failure(impatient.recognise(await oneSide(), "ru", undefined, { started: async (id) => void told.push(id) }));
    expect(told).toHaveLength(1);
    sim.options = { ...sim.options, pollsUntilDone: 1 };
    expect(await engine().recognise(await oneSide(), "ru", undefined, { operation: told[0] })).toEqual(said);
    const paths = sim.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p === "POST /stt/v3/recognizeFileAsync")).toHaveLength(1);
    expect(paths.at(-2)).toBe(`GET /operations/${told[0]}`);
    expect(paths.at(-1)).toBe("GET /stt/v3/getRecognition");
  });

  it("sends the audio again for an operation SpeechKit no longer knows", async () => {
    sim.requests.length = 0;
    const told: string[] = [];
    const heard = await engine().recognise(await oneSide(), "ru", undefined, {
      operation: "e03gone",
      started: async (id) => void told.push(id),
    });
    expect(heard).toEqual(said);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`).slice(0, 2)).toEqual([
      "GET /operations/e03gone",
      "POST /stt/v3/recognizeFileAsync",
    ]);
    expect(told).toHaveLength(1);
    expect(told[0]).not.toBe("e03gone");
  });
});

describe("the local engine: pocketsphinx with its English model", () => {
  it("transcribes a sentence espeak-ng spoke, with times", async () => {
    const wav = sides(await decodeRecording(await spokenWav("hello, I would like to order a pizza")))[0]!;
    const segments = await pocketSphinxEngine({ timeoutMs: 30_000 }).recognise(wav, "en");
    expect(segments.map((s) => s.text).join(" ")).toMatch(/order a pizza/);
    expect(segments[0]!.endMs).toBeGreaterThan(segments[0]!.startMs);
  });

  it("refuses Russian: it has no model for it", async () => {
    const error = await failure(pocketSphinxEngine({ timeoutMs: 30_000 }).recognise(await oneSide(), "ru"));
    expect(error.temporary).toBe(false);
  });
});

describe("sides of a recording", () => {
  it("splits a stereo recording into one 16 kHz mono WAV per channel", async () => {
    const [left, right] = sides(await decodeRecording(voicedWav([300, 700], 1)));
    expect([left!.readUInt16LE(22), left!.readUInt32LE(24), left!.length]).toEqual([1, 16_000, 44 + 32_000]);
    const hear = hearVoices({
      300: [{ startMs: 0, endMs: 1, text: "left" }],
      700: [{ startMs: 0, endMs: 1, text: "right" }],
    });
    expect([hear(left!)[0]?.text, hear(right!)[0]?.text]).toEqual(["left", "right"]);
  });
});
