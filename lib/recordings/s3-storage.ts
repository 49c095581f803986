import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ByteRange } from "./range";
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
    // "bytes 10-19/100000": the whole object's size is after the slash.
    const size = Number(object.ContentRange?.split("/")[1] ?? object.ContentLength);
    return { stream: object.Body!.transformToWebStream() as ReadableStream<Uint8Array>, size };
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }
}
