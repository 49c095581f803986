import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { env } from "@/lib/env";
import { S3RecordingStorage } from "./s3-storage";
import { LocalRecordingStorage, type RecordingStorage } from "./storage";

/** Where a recording's bytes are (recordings.store). */
export type RecordingStore = "LOCAL" | "S3";

export interface RecordingStores {
  /** Where new uploads go: the bucket when one is configured, else this machine's disk. */
  readonly current: RecordingStore;
  /** This machine's folder for files on their way (uploads, encodings): RECORDINGS_DIR/.tmp. */
  readonly tmpDir: string;
  storageOf(store: RecordingStore): RecordingStorage;
}

let cached: { key: string; stores: RecordingStores } | undefined;

/**
 * The stores of this process's configuration. A recording names the store it was put in, so
 * those on disk before a bucket was configured keep playing from the disk (docs/recordings.md).
 */
export function recordingStores(): RecordingStores {
  const config = env();
  const root = config.RECORDINGS_DIR ?? path.join(config.DATA_DIR, "recordings");
  const key = `${root}\u0000${config.S3_BUCKET ?? ""}`;
  if (cached?.key === key) return cached.stores;
  const local = new LocalRecordingStorage(root);
  const bucket = config.S3_BUCKET;
  const s3 = bucket
    ? new S3RecordingStorage(
        new S3Client({
          region: config.S3_REGION,
          ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
          forcePathStyle: config.S3_FORCE_PATH_STYLE,
          ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
            ? { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } }
            : {}),
          // Checksums only where S3 requires them: many S3-compatible stores do not take the
          // streamed trailing checksums the SDK otherwise sends with every upload.
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
        bucket,
        config.S3_PREFIX,
        path.join(root, ".tmp"),
      )
    : undefined;
  const stores: RecordingStores = {
    current: s3 ? "S3" : "LOCAL",
    tmpDir: path.join(root, ".tmp"),
    storageOf(store) {
      if (store === "LOCAL") return local;
      if (!s3) throw new Error("this recording is in S3, but no S3_BUCKET is configured");
      return s3;
    },
  };
  cached = { key, stores };
  return stores;
}
