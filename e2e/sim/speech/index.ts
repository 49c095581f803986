import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import busboy from "busboy";

/**
 * Simulators of the speech engines the service speaks (docs/transcripts.md): an OpenAI-compatible
 * server (POST /v1/audio/transcriptions, POST /v1/chat/completions) and Yandex SpeechKit's
 * asynchronous recognition API v3 (recognizeFileAsync, the operation, getRecognition), on one port.
 * What they "hear" in a WAV is the test's to say (`hear`); faults come from a queue the test fills.
 */

export interface HeardSegment {
  startMs: number;
  endMs: number;
  text: string;
}

/** A fault answered to the next request of an engine, in place of its work. */
export interface SpeechFault {
  status: number;
  retryAfter?: string;
  message?: string;
}

export interface RecordedSpeechRequest {
  /** When it arrived (ms since the epoch). */
  at: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Multipart fields (OpenAI) or the JSON body (SpeechKit, chat). */
  fields?: Record<string, string>;
  json?: unknown;
  /** The audio sent, decoded from the multipart file or the base64 `content`. */
  audio?: Buffer;
}

export interface SpeechSimOptions {
  openAiKey?: string;
  openAiModels?: string[];
  speechKitKey?: string;
  /** What the engines make of one WAV; the default hears nothing. */
  hear?: (wav: Buffer) => HeardSegment[];
  /** The chat model's answer to a conversation; the default says "summary of N characters". */
  summarise?: (messages: { role: string; content: string }[]) => string;
  /** Polls of GET /operations/{id} answered `done: false` before `done: true`. */
  pollsUntilDone?: number;
  /** Every answer waits this long first (a slow engine). */
  delayMs?: number;
}

interface Operation {
  id: string;
  polls: number;
  segments: HeardSegment[];
}

export interface SpeechSim {
  readonly url: string;
  readonly requests: RecordedSpeechRequest[];
  /** Answered, in order, to the next requests of either engine. */
  readonly faults: SpeechFault[];
  options: SpeechSimOptions;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function readMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; file?: Buffer }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    let parser;
    try {
      parser = busboy({ headers: req.headers });
    } catch (error) {
      reject(error as Error);
      return;
    }
    parser.on("field", (name, value) => (fields[name] = value));
    parser.on("file", (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (name === "file") file = Buffer.concat(chunks);
      });
    });
    parser.on("close", () => resolve({ fields, file }));
    parser.on("error", reject);
    req.pipe(parser);
  });
}

/** OpenAI's error body. */
function openAiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  headers?: Record<string, string>,
) {
  send(res, status, { error: { message, type, param: null, code: null } }, headers);
}

/** SpeechKit's error body: a gRPC status (docs/transcripts.md). */
function yandexError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
) {
  send(res, status, { code, message, details: [] }, headers);
}

export async function createSpeechSim(initial: SpeechSimOptions = {}): Promise<SpeechSim> {
  const requests: RecordedSpeechRequest[] = [];
  const faults: SpeechFault[] = [];
  const operations = new Map<string, Operation>();
  const sim = { options: initial };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sim");
    const record: RecordedSpeechRequest = {
      at: Date.now(),
      method: req.method ?? "GET",
      path: url.pathname,
      headers: req.headers,
    };
    requests.push(record);
    const options = sim.options;
    if (options.delayMs) await sleep(options.delayMs);
    const auth = req.headers.authorization ?? "";
    const isYandex = url.pathname.startsWith("/stt/") || url.pathname.startsWith("/operations/");

    if (!isYandex) {
      if (auth !== `Bearer ${options.openAiKey ?? ""}`)
        return openAiError(res, 401, "Incorrect API key provided.", "invalid_request_error");
    } else if (auth !== `Api-Key ${options.speechKitKey ?? ""}`) return yandexError(res, 401, 16, "Unknown api key");

    const fault = faults.shift();
    if (fault) {
      const headers: Record<string, string> = fault.retryAfter ? { "retry-after": fault.retryAfter } : {};
      const message = fault.message ?? (fault.status === 429 ? "Rate limit reached" : "Service unavailable");
      return isYandex
        ? yandexError(res, fault.status, fault.status === 429 ? 8 : 14, message, headers)
        : openAiError(res, fault.status, message, fault.status === 429 ? "requests" : "server_error", headers);
    }
    const hear = options.hear ?? (() => []);

    if (req.method === "POST" && url.pathname === "/v1/audio/transcriptions") {
      let form;
      try {
        form = await readMultipart(req);
      } catch {
        return openAiError(res, 400, "Could not parse multipart form", "invalid_request_error");
      }
      record.fields = form.fields;
      record.audio = form.file;
      if (!form.file) return openAiError(res, 400, "you must provide a file", "invalid_request_error");
      if (!form.fields.model)
        return openAiError(res, 400, "you must provide a model parameter", "invalid_request_error");
      if (options.openAiModels && !options.openAiModels.includes(form.fields.model))
        return openAiError(res, 404, `The model \`${form.fields.model}\` does not exist.`, "invalid_request_error");
      if (form.file.toString("latin1", 0, 4) !== "RIFF")
        return openAiError(res, 400, "Invalid file format.", "invalid_request_error");
      const segments = hear(form.file);
      const text = segments.map((s) => s.text).join(" ");
      if (form.fields.response_format !== "verbose_json") return send(res, 200, { text });
      return send(res, 200, {
        task: "transcribe",
        language: form.fields.language ?? "english",
        duration: (form.file.length - 44) / 32000,
        text,
        segments: segments.map((s, id) => ({ id, start: s.startMs / 1000, end: s.endMs / 1000, text: ` ${s.text}` })),
      });
    }

    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      let body: { model?: string; messages?: { role: string; content: string }[] };
      try {
        body = JSON.parse((await readAll(req)).toString("utf8")) as typeof body;
      } catch {
        return openAiError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error");
      }
      record.json = body;
      if (!body.model || !Array.isArray(body.messages))
        return openAiError(res, 400, "'messages' is a required property", "invalid_request_error");
      const content = (
        options.summarise ?? ((m) => `summary of ${m.map((x) => x.content).join("").length} characters`)
      )(body.messages);
      return send(res, 200, {
        id: `chatcmpl-${randomUUID()}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      });
    }

    if (req.method === "POST" && url.pathname === "/stt/v3/recognizeFileAsync") {
      let body: {
        content?: string;
        uri?: string;
        recognitionModel?: { audioFormat?: { containerAudio?: { containerAudioType?: string } } };
      };
      try {
        body = JSON.parse((await readAll(req)).toString("utf8")) as typeof body;
      } catch {
        return yandexError(res, 400, 3, "Syntax error in JSON body");
      }
      record.json = { ...body, content: body.content ? `<${body.content.length} base64 characters>` : undefined };
      if (!body.content && !body.uri) return yandexError(res, 400, 3, "content or uri must be set");
      if (body.recognitionModel?.audioFormat?.containerAudio?.containerAudioType !== "WAV")
        return yandexError(res, 400, 3, "audio format is not set");
      const audio = Buffer.from(body.content ?? "", "base64");
      record.audio = audio;
      const id = `e03${randomUUID().replace(/-/g, "").slice(0, 17)}`;
      operations.set(id, { id, polls: 0, segments: hear(audio) });
      const now = new Date().toISOString();
      return send(res, 200, {
        id,
        description: "STT async recognition",
        createdAt: now,
        createdBy: "ajesim",
        modifiedAt: now,
        done: false,
        metadata: null,
      });
    }

    const operationPath = /^\/operations\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && operationPath) {
      const operation = operations.get(decodeURIComponent(operationPath[1]!));
      if (!operation) return yandexError(res, 404, 5, "Operation not found");
      operation.polls++;
      const done = operation.polls > (options.pollsUntilDone ?? 1);
      return send(res, 200, {
        id: operation.id,
        description: "STT async recognition",
        createdAt: new Date().toISOString(),
        createdBy: "ajesim",
        modifiedAt: new Date().toISOString(),
        done,
        metadata: null,
        ...(done ? { response: { "@type": "type.googleapis.com/google.protobuf.Empty" } } : {}),
      });
    }

    if (req.method === "GET" && url.pathname === "/stt/v3/getRecognition") {
      const operation = operations.get(url.searchParams.get("operationId") ?? "");
      if (!operation) return yandexError(res, 404, 5, "Operation not found");
      if (operation.polls <= (options.pollsUntilDone ?? 1))
        return yandexError(res, 400, 9, "Operation is not done yet");
      const lines = operation.segments.map((s, index) =>
        JSON.stringify({
          result: {
            sessionUuid: { uuid: operation.id, userRequestId: "" },
            audioCursors: { finalIndex: String(index) },
            final: {
              alternatives: [
                {
                  words: [],
                  text: s.text,
                  startTimeMs: String(s.startMs),
                  endTimeMs: String(s.endMs),
                  confidence: 1,
                  languages: [],
                },
              ],
              channelTag: "0",
            },
            channelTag: "0",
          },
        }),
      );
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(lines.join("\n"));
    }

    return isYandex
      ? yandexError(res, 404, 5, "Not found")
      : openAiError(res, 404, "Not found", "invalid_request_error");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: { message: "simulator error" } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    get options() {
      return sim.options;
    },
    set options(value) {
      sim.options = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
