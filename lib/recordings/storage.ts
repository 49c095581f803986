import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Refusal } from "@/lib/http/refusal";
import type { ByteRange } from "./range";
import { SNIFF_BYTES, sniffAudio, type SniffedAudio } from "./sniff";
import { repairedWavHead, WAV_HEADER_WINDOW } from "./wav-header";

export type RecordingBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Buffer;
export type StoredRecording = {
  key: string;
  sizeBytes: number;
  contentType: SniffedAudio["contentType"];
  /** A WAV whose header sizes were 0 or wrong (a file taken before its writer closed it), stored with true ones. */
  headerRepaired: boolean;
};
/** `size` is the whole file's, also when a range selected part of it. */
export type OpenedRecording = { stream: ReadableStream<Uint8Array>; size: number };

export interface RecordingStorage {
  /** Stores an upload under a new random key; an empty, oversized or non-audio upload leaves nothing behind. */
  put(body: RecordingBody, options: { maxBytes: number }): Promise<StoredRecording>;
  open(key: string, range?: ByteRange): Promise<OpenedRecording>;
  remove(key: string): Promise<void>;
  /** Removes many at once (retention): a bucket takes them in batched requests. Keys already gone are no error. */
  removeMany(keys: string[]): Promise<void>;
  /** The file on this machine holding the recording, where there is one (the disk store): read in place, not copied. */
  fileOf(key: string): string | null;
  /** Stores an MP3 the service made itself (a compact copy) from a file on this disk, which it then owns; its new key. */
  adoptMp3(file: string): Promise<string>;
}

// What an upload is refused for as its bytes arrive (docs/errors.md).
const tooLarge = (maxBytes: number) =>
  new Refusal("recording_too_large", `the recording is larger than ${maxBytes} bytes`);
const unsupported = () => new Refusal("recording_unsupported", "the recording must be WAV, MP3 or OGG audio");

/** No file under a stored key: an internal signal (compaction skips the row), never a refusal. */
export class RecordingNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`Recording file ${key} does not exist`);
    this.name = "RecordingNotFoundError";
  }
}

/** 24 random bytes in base64url and the sniffed extension: the only shape a key may have. */
const KEY = /^[A-Za-z0-9_-]{32}\.(?:wav|mp3|ogg)$/;

type UploadState = { sizeBytes: number; head: Buffer; audio: SniffedAudio | null };

async function* chunksOf(body: RecordingBody): AsyncGenerator<Uint8Array> {
  if (Buffer.isBuffer(body)) {
    yield body;
    return;
  }
  if (!(body instanceof ReadableStream)) {
    yield* body;
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Given up early, the rest is the sender's business: whoever owns the stream drops or cancels it.
    reader.releaseLock();
  }
}

async function* checkedChunks(body: RecordingBody, maxBytes: number, upload: UploadState): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunksOf(body)) {
    upload.sizeBytes += chunk.byteLength;
    if (upload.sizeBytes > maxBytes) throw tooLarge(maxBytes);
    if (upload.head.length < SNIFF_BYTES) {
      upload.head = Buffer.concat([upload.head, chunk.subarray(0, SNIFF_BYTES - upload.head.length)]);
      if (upload.head.length === SNIFF_BYTES) {
        upload.audio = sniffAudio(upload.head);
        if (!upload.audio) throw unsupported();
      }
    }
    yield chunk;
  }
}

/** Writes true sizes into a stored WAV's header when they are not; whether it did. */
async function repairWav(path: string, size: number): Promise<boolean> {
  const handle = await open(path, "r+");
  try {
    const head = Buffer.alloc(Math.min(size, WAV_HEADER_WINDOW));
    await handle.read(head, 0, head.length, 0);
    const fixed = repairedWavHead(head, size);
    if (fixed) await handle.write(fixed, 0, fixed.length, 0);
    return fixed !== null;
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT";
}

/** An upload written to a temporary file as it arrived: checked, and its WAV header made true. */
export interface StagedRecording {
  path: string;
  sizeBytes: number;
  contentType: SniffedAudio["contentType"];
  extension: SniffedAudio["extension"];
  headerRepaired: boolean;
}

/**
 * Writes an upload to a new file in `tmpDir` as its bytes arrive: refused (and removed) as soon as
 * it passes `maxBytes` or its first bytes are not audio, so nothing is held in memory and an
 * oversized body is cut off at the limit. The caller owns the file it returns.
 */
export async function stageRecording(body: RecordingBody, maxBytes: number, tmpDir: string): Promise<StagedRecording> {
  await mkdir(tmpDir, { recursive: true });
  const path = join(tmpDir, randomBytes(16).toString("hex"));
  const upload: UploadState = { sizeBytes: 0, head: Buffer.alloc(0), audio: null };
  const file = createWriteStream(path, { flags: "wx" });
  try {
    await pipeline(checkedChunks(body, maxBytes, upload), file);
    if (upload.sizeBytes === 0) throw new Refusal("recording_empty", "the recording is empty");
    if (!upload.audio) throw unsupported();
    const headerRepaired = upload.audio.extension === "wav" && (await repairWav(path, upload.sizeBytes));
    return { path, sizeBytes: upload.sizeBytes, ...upload.audio, headerRepaired };
  } catch (error) {
    // A body refused at once fails the pipeline while the file may still be opening: removing it
    // before the stream has closed would race its creation and leave an empty file behind.
    if (!file.closed) await once(file, "close").catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}

/** A new random key for a recording: 24 random bytes in base64url and the sniffed extension. */
export function newRecordingKey(extension: SniffedAudio["extension"]): string {
  return `${randomBytes(24).toString("base64url")}.${extension}`;
}

/** Whether a key has the only shape keys are made in; checked before a key reaches a path or a bucket. */
export function assertRecordingKey(key: string): void {
  if (!KEY.test(key)) throw new Error("Invalid recording storage key");
}

/**
 * Files under `rootDir/<first 2 chars of key>/<key>`. Keys are generated here and checked against
 * KEY before any path is built, so nothing a client sends ever reaches the file system.
 */
export class LocalRecordingStorage implements RecordingStorage {
  constructor(private readonly rootDir: string) {}

  private pathOf(key: string): string {
    assertRecordingKey(key);
    return join(this.rootDir, key.slice(0, 2), key);
  }

  fileOf(key: string): string {
    return this.pathOf(key);
  }

  async adoptMp3(file: string): Promise<string> {
    const key = newRecordingKey("mp3");
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await rename(file, path);
    return key;
  }

  async put(body: RecordingBody, { maxBytes }: { maxBytes: number }): Promise<StoredRecording> {
    const staged = await stageRecording(body, maxBytes, join(this.rootDir, ".tmp"));
    try {
      const key = newRecordingKey(staged.extension);
      const path = this.pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      await rename(staged.path, path);
      return {
        key,
        sizeBytes: staged.sizeBytes,
        contentType: staged.contentType,
        headerRepaired: staged.headerRepaired,
      };
    } catch (error) {
      await rm(staged.path, { force: true });
      throw error;
    }
  }

  async open(key: string, range?: ByteRange): Promise<OpenedRecording> {
    const path = this.pathOf(key);
    const handle = await open(path, "r").catch((error: unknown) => {
      throw isNotFound(error) ? new RecordingNotFoundError(key) : error;
    });
    try {
      const { size } = await handle.stat();
      const file = handle.createReadStream({ start: range?.start, end: range?.end });
      return { stream: Readable.toWeb(file) as ReadableStream<Uint8Array>, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async removeMany(keys: string[]): Promise<void> {
    for (const key of keys) await this.remove(key);
  }
}
