import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { sliceStream, type ByteRange } from "./range";
import {
  assertRecordingKey,
  newRecordingKey,
  RecordingNotFoundError,
  stageRecording,
  type OpenedRecording,
  type RecordingBody,
  type RecordingStorage,
  type StoredRecording,
} from "./storage";

/** The most keys one DeleteObjects request may name. */
const DELETE_BATCH = 1000;

function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && (error.name === "NoSuchKey" || error.name === "NotFound");
}

/**
 * Recordings in an S3-compatible bucket (docs/recordings.md), so that every instance serves every
 * recording. An upload is written to a temporary file as it arrives (the size limit enforced as
 * bytes come in, the WAV header made true) and then streamed into the bucket with its length
 * known: nothing of it is held in memory. Playback streams the object back, a range as a range.
 */
export class S3RecordingStorage implements RecordingStorage {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly tmpDir: string,
  ) {}

  private objectKey(key: string): string {
    assertRecordingKey(key);
    return `${this.prefix}${key}`;
  }

  async put(body: RecordingBody, { maxBytes }: { maxBytes: number }): Promise<StoredRecording> {
    const staged = await stageRecording(body, maxBytes, this.tmpDir);
    try {
      const key = newRecordingKey(staged.extension);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: createReadStream(staged.path),
          ContentLength: staged.sizeBytes,
          ContentType: staged.contentType,
        }),
      );
      return {
        key,
        sizeBytes: staged.sizeBytes,
        contentType: staged.contentType,
        headerRepaired: staged.headerRepaired,
      };
    } finally {
      await rm(staged.path, { force: true });
    }
  }

  async open(key: string, range?: ByteRange): Promise<OpenedRecording> {
    const objectKey = this.objectKey(key);
    const object = await this.client
      .send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      )
      .catch((error: unknown) => {
        throw isNoSuchKey(error) ? new RecordingNotFoundError(key) : error;
      });
    const stream = object.Body!.transformToWebStream() as ReadableStream<Uint8Array>;
    // "bytes 10-19/100000": the whole object's size is after the slash.
    const size = Number(object.ContentRange?.split("/")[1] ?? object.ContentLength);
    if (!range) return { stream, size };
    // Not every S3-compatible store serves a range as asked: s3rver answers "bytes=0-0" with the
    // whole object, and a store may ignore Range (200). What was asked is cut out of what came.
    const served = /^bytes (\d+)-(\d+)\//.exec(object.ContentRange ?? "");
    const first = served ? Number(served[1]) : 0;
    const last = served ? Number(served[2]) : size - 1;
    if (first === range.start && last === range.end) return { stream, size };
    if (first > range.start || last < range.end) {
      await stream.cancel();
      throw new Error(`the bucket answered bytes ${first}-${last} to bytes=${range.start}-${range.end}`);
    }
    return { stream: sliceStream(stream, range.start - first, range.end - range.start + 1), size };
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  fileOf(): null {
    return null;
  }

  async adoptMp3(file: string): Promise<string> {
    const key = newRecordingKey("mp3");
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: createReadStream(file),
          ContentLength: (await stat(file)).size,
          ContentType: "audio/mpeg",
        }),
      );
      return key;
    } finally {
      await rm(file, { force: true });
    }
  }

  async removeMany(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const answer = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((key) => ({ Key: this.objectKey(key) })), Quiet: true },
        }),
      );
      const failed = answer.Errors?.find((error) => error.Code !== "NoSuchKey");
      if (failed)
        throw new Error(
          `the bucket did not delete ${failed.Key ?? "an object"}: ${failed.Code} ${failed.Message ?? ""}`,
        );
    }
  }
}
